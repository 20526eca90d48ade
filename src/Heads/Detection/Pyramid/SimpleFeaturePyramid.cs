using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads.Detection.Layers;
using PerceptionEncoder.Heads.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Pyramid;

/// <summary>
/// ViTDet's simple feature pyramid on a plain ViT map of stride = patch: levels finer than the patch come from
/// transposed convolutions (x2 per level, LayerNorm-2d and GELU between two of them), the patch level is the map
/// itself, p5 is a 2x2 max-pool, and levels above p5 subsample the previous output (detectron2's LastLevelMaxPool).
/// Each level built from the map then gets a 1x1 and a 3x3 convolution, each followed by LayerNorm-2d.
/// Strides are relative to the patch (see <see cref="PyramidLevel"/>), so patch 14 and 16 both work.
/// </summary>
public sealed class SimpleFeaturePyramid : nn.Module<Tensor, Tensor[]>
{
    /// <summary>The finest level that can be built (scale 4 of the patch map).</summary>
    public const int MinLevel = 2;

    /// <summary>The coarsest level that can be built.</summary>
    public const int MaxLevel = 7;

    /// <summary>The coarsest level built from the map; coarser ones subsample it.</summary>
    private const int MaxMapLevel = 5;

    private readonly ModuleList<Sequential> stages;

    /// <param name="inputChannels">Channels of the input map (the backbone width times the number of layers concatenated).</param>
    /// <param name="patchSize">The backbone's patch: the input map's stride in pixels.</param>
    /// <param name="channels">Channels of every output level.</param>
    /// <param name="levels">Contiguous, increasing level indices k in [2, 7], e.g. 3..6; see <see cref="PyramidLevel"/>.</param>
    public SimpleFeaturePyramid(int inputChannels, int patchSize, int channels, IReadOnlyList<int> levels)
        : base(nameof(SimpleFeaturePyramid))
    {
        Validate(inputChannels, patchSize, channels, levels);
        InputChannels = inputChannels;
        PatchSize = patchSize;
        OutputShape = levels.Select(k => PyramidLevel.Of(k, patchSize, channels)).ToArray();
        stages = nn.ModuleList(levels.Where(k => k <= MaxMapLevel).Select(k => Stage(k, inputChannels, channels)).ToArray());
        RegisterComponents();
    }

    public int InputChannels { get; }

    public int PatchSize { get; }

    /// <summary>The output levels, finest first, with their names, strides and channels (detectron2's output_shape()).</summary>
    public IReadOnlyList<PyramidLevel> OutputShape { get; }

    /// <summary>Builds the pyramid.</summary>
    /// <param name="input">[B, Cin, h, w], the backbone map at stride = patch.</param>
    /// <returns>One map per level of <see cref="OutputShape"/>, in its order: [B, channels, h * 2^(4-k), w * 2^(4-k)] (floored for k &gt; 4).</returns>
    public override Tensor[] forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != InputChannels)
            throw new ArgumentException($"the pyramid expects a map [B, {InputChannels}, h, w]; got [{string.Join(", ", input.shape)}].");
        using var scope = NewDisposeScope();
        var outputs = new List<Tensor>();
        int stage = 0;
        foreach (var level in OutputShape)
        {
            outputs.Add(level.Index <= MaxMapLevel
                ? stages[stage++].forward(input)
                : nn.functional.max_pool2d(outputs[^1], kernel_size: 1, stride: 2));
        }
        return outputs.Select(o => o.MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>
    /// The pyramid's input: the maps of <paramref name="layers"/> concatenated along channels, as float32.
    /// </summary>
    /// <returns>[B, C * layers.Count, h, w].</returns>
    public static Tensor Concatenate(FeatureMaps features, IReadOnlyList<int> layers)
    {
        using var scope = NewDisposeScope();
        var maps = layers.Select(l => features[l].to_type(ScalarType.Float32)).ToArray();   // each [B, C, h, w]
        var input = maps.Length == 1 ? maps[0].alias() : cat(maps, 1);                  // [B, C * L, h, w]
        return input.MoveToOuterDisposeScope();
    }

    private static Sequential Stage(int level, int inputChannels, int channels)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int dim = inputChannels;
        switch (level)
        {
            case 2:
                modules.Add(("deconv1", new UpsamplingTransposedConv(dim, dim / 2, 2)));
                modules.Add(("norm1", new LayerNorm2d(dim / 2)));
                modules.Add(("act1", nn.GELU()));
                modules.Add(("deconv2", new UpsamplingTransposedConv(dim / 2, dim / 4, 2)));
                dim /= 4;
                break;
            case 3:
                modules.Add(("deconv1", new UpsamplingTransposedConv(dim, dim / 2, 2)));
                dim /= 2;
                break;
            case 4:
                break;
            case 5:
                modules.Add(("pool", nn.MaxPool2d(kernel_size: 2, stride: 2)));
                break;
        }
        modules.Add(("lateral", nn.Conv2d(dim, channels, kernel_size: 1, bias: false)));
        modules.Add(("lateral_norm", new LayerNorm2d(channels)));
        modules.Add(("output", nn.Conv2d(channels, channels, kernel_size: 3, padding: 1, bias: false)));
        modules.Add(("output_norm", new LayerNorm2d(channels)));
        return nn.Sequential(modules);
    }

    private static void Validate(int inputChannels, int patchSize, int channels, IReadOnlyList<int> levels)
    {
        if (levels.Count == 0)
            throw new ArgumentException("the pyramid needs at least one level.");
        if (levels.Any(k => k < MinLevel || k > MaxLevel))
            throw new ArgumentException($"pyramid levels must lie in p{MinLevel}..p{MaxLevel}; got {string.Join(", ", levels.Select(k => $"p{k}"))}.");
        for (int i = 1; i < levels.Count; i++)
        {
            if (levels[i] != levels[i - 1] + 1)
                throw new ArgumentException($"pyramid levels must be contiguous and increasing (e.g. 3,4,5,6); got {string.Join(",", levels)}.");
        }
        if (levels[0] > MaxMapLevel)
            throw new ArgumentException($"the finest pyramid level must be p{MaxMapLevel} or finer (coarser levels subsample it); got p{levels[0]}.");
        if (levels[0] <= 3 && inputChannels % (levels[0] == 2 ? 4 : 2) != 0)
            throw new ArgumentException($"p{levels[0]} halves the channels per up-sampling; {inputChannels} input channels do not divide.");
        if (patchSize < 1)
            throw new ArgumentException($"the patch size must be positive (got {patchSize}).");
        if (channels < 1 || channels % ConvolutionGuard.ChannelMultiple != 0)
            throw new ArgumentException($"pyramid channels must be a positive multiple of {ConvolutionGuard.ChannelMultiple} (got {channels}).");
    }
}
