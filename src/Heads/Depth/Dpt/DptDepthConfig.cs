using System.Text.Json.Serialization;

namespace PerceptionEncoder.Heads.Depth.Dpt;

/// <summary>How the DPT head uses each block's class token before reassembling its patch tokens.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DptReadout>))]
public enum DptReadout
{
    /// <summary>Drop the class token.</summary>
    [JsonStringEnumMemberName("ignore")]
    Ignore,

    /// <summary>Add it to every patch token.</summary>
    [JsonStringEnumMemberName("add")]
    Add,

    /// <summary>Concatenate it to every patch token, then a linear layer back to C channels and a GELU (DINOv2's choice).</summary>
    [JsonStringEnumMemberName("project")]
    Project,
}

/// <summary>
/// The DPT head (Ranftl et al. 2021) as DINOv2 and Depth-Anything put it on a ViT: four blocks are reassembled
/// into maps at 4×, 2×, 1× and ½× the patch grid, projected to <see cref="Features"/> channels, fused coarse to
/// fine by blocks of residual conv units, and an upsampling head brings the result to the input resolution. Any
/// patch size works (14 and 16 alike): every fusion step resizes to the next finer map's size.
/// </summary>
public sealed record DptDepthConfig : DepthHeadConfig
{
    /// <summary>Channels of the fusion path (DINOv2: 256); a multiple of 32.</summary>
    [JsonPropertyName("features")]
    public int Features { get; init; } = 256;

    /// <summary>
    /// Channels of the four reassembled maps, fine to coarse; null: width/8, /4, /2, /1 (DINOv2), each rounded up to a
    /// multiple of 16 (<see cref="ConvolutionGuard"/>: PE-Spatial-T's 24 channels hit a wrong libtorch convolution).
    /// </summary>
    [JsonPropertyName("reassemble_channels")]
    public IReadOnlyList<int>? ReassembleChannels { get; init; }

    /// <summary>Class-token use; null: project when the backbone has class tokens, otherwise ignore.</summary>
    [JsonPropertyName("readout")]
    public DptReadout? Readout { get; init; }

    /// <summary>
    /// Four blocks spread over the depth: block ⌊D·k/4⌋−1 for k = 1..4, i.e. 2, 5, 8, 11 for 12 blocks
    /// (as DINOv2 for ViT-S/B) and 5, 11, 17, 23 for 24.
    /// </summary>
    public static int[] DefaultLayers(int depth) =>
        [.. Enumerable.Range(1, 4).Select(k => Math.Max(0, depth * k / 4 - 1))];

    public override DepthHead Create(BackboneSpec backbone) => new DptDepthHead(Resolve(backbone), backbone);

    /// <summary>This config with every default fitted to <paramref name="backbone"/>.</summary>
    public DptDepthConfig Resolve(BackboneSpec backbone)
    {
        ValidateCommon();
        var layers = ResolveLayers(Layers ?? DefaultLayers(backbone.Depth), backbone.Depth);
        if (layers.Length != 4)
            throw new ArgumentException($"the DPT head reads exactly four blocks, fine to coarse (got [{string.Join(", ", layers)}]).");
        var channels = ReassembleChannels ?? [.. Enumerable.Range(0, 4).Select(i => (int)ConvolutionGuard.RoundUp(Math.Max(1, backbone.Width >> (3 - i))))];
        // Smaller or odd channel counts meet libtorch's wrong float32 convolutions on CPU (see ConvolutionGuard).
        int multiple = ConvolutionGuard.ChannelMultiple;
        if (channels.Count != 4 || channels.Any(c => c < 1 || c % multiple != 0))
            throw new ArgumentException($"reassemble_channels must be four positive multiples of {multiple} (got [{string.Join(", ", channels)}]).");
        if (Features < 2 * multiple || Features % (2 * multiple) != 0)
            throw new ArgumentException($"features must be a positive multiple of {2 * multiple} (got {Features}): the output head halves it and its convolutions need multiples of {multiple} channels.");
        var readout = Readout ?? (backbone.HasClassToken ? DptReadout.Project : DptReadout.Ignore);
        if (readout != DptReadout.Ignore && !backbone.HasClassToken)
            throw new ArgumentException($"readout '{readout}' needs class tokens, which {backbone.Name} does not have; use 'ignore'.");
        return this with { Layers = layers, ReassembleChannels = channels, Readout = readout };
    }
}
