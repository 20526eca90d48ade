using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads.Depth.Readout;
using PerceptionEncoder.Heads.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth.Dpt;

/// <summary>DPT depth head (see <see cref="DptDepthConfig"/>).</summary>
public sealed class DptDepthHead : DepthHead
{
    /// <summary>Channels before the last 1×1 layer of the output head.</summary>
    public const int OutputHidden = 32;

    private readonly ModuleList<Sequential>? readout_projects;
    private readonly ModuleList<Conv2d> projects;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> resize_layers;
    private readonly ModuleList<Conv2d> layer_rn;
    private readonly ModuleList<FeatureFusionBlock> fusion_blocks;
    private readonly Conv2d output_conv1;
    private readonly Sequential output_conv2;
    private readonly int[] _taps;
    private readonly DptReadout _readout;

    internal DptDepthHead(DptDepthConfig config, BackboneSpec backbone) : base("dpt_depth_head", config, backbone)
    {
        _taps = [.. config.Layers!];
        _readout = config.Readout!.Value;
        long width = backbone.Width;
        long features = config.Features;
        long[] channels = [.. config.ReassembleChannels!.Select(c => (long)c)];

        if (_readout == DptReadout.Project)
            readout_projects = nn.ModuleList([.. Enumerable.Range(0, 4).Select(_ => nn.Sequential(nn.Linear(2 * width, width), nn.GELU()))]);
        projects = nn.ModuleList([.. channels.Select(c => nn.Conv2d(width, c, 1))]);
        resize_layers = nn.ModuleList<nn.Module<Tensor, Tensor>>(
            new UpsamplingTransposedConv(channels[0], channels[0], 4), // ×4
            new UpsamplingTransposedConv(channels[1], channels[1], 2), // ×2
            nn.Identity(),                                              // ×1
            nn.Conv2d(channels[3], channels[3], 3, stride: 2, padding: 1)); // ×½ (ceil)
        layer_rn = nn.ModuleList([.. channels.Select(c => nn.Conv2d(c, features, 3, padding: 1, bias: false))]);
        fusion_blocks = nn.ModuleList([.. Enumerable.Range(0, 4).Select(i => new FeatureFusionBlock(features, hasSkip: i < 3))]);
        output_conv1 = nn.Conv2d(features, features / 2, 3, padding: 1);
        var last = new PaddedConv2d(OutputHidden, config.Output.Channels, 1);
        if (config.Output.Kind == DepthOutputKind.Regression)
        {
            using var noGrad = no_grad();
            last.Bias.fill_(DepthReadout.InitialRegressionBias(config.Range));
        }
        output_conv2 = nn.Sequential(nn.Conv2d(features / 2, OutputHidden, 3, padding: 1), nn.ReLU(), last);
        RegisterComponents();
    }

    /// <summary>The four blocks read, fine to coarse (may repeat for backbones of fewer than four blocks).</summary>
    public IReadOnlyList<int> Taps => _taps;

    public override Tensor Forward(FeatureMaps features)
    {
        using var scope = NewDisposeScope();
        var levels = new Tensor[4];
        long h = 0, w = 0;
        for (int i = 0; i < 4; i++)
        {
            var x = MapOf(features, _taps[i]); // [B, C, h, w]
            (h, w) = (x.shape[2], x.shape[3]);
            x = ApplyReadout(x, features.ClassToken(_taps[i]), i);
            x = projects[i].forward(x);        // [B, C_i, h, w]
            x = resize_layers[i].forward(x);   // [B, C_i, 4h | 2h | h | ⌈h/2⌉, ...]
            levels[i] = layer_rn[i].forward(x); // [B, F, ...]
        }
        var path = fusion_blocks[3].Forward(levels[3], null, levels[2].shape[2], levels[2].shape[3]);
        for (int i = 2; i >= 1; i--)
            path = fusion_blocks[i].Forward(path, levels[i], levels[i - 1].shape[2], levels[i - 1].shape[3]);
        path = fusion_blocks[0].Forward(path, levels[0], 2 * levels[0].shape[2], 2 * levels[0].shape[3]); // [B, F, 8h, 8w]

        var y = output_conv1.forward(path); // [B, F/2, 8h, 8w]
        y = Resize(y, h * PatchSize, w * PatchSize, alignCorners: true); // [B, F/2, h·p, w·p]
        var logits = output_conv2.forward(y); // [B, K, h·p, w·p]
        return ReadoutDepth(logits).MoveToOuterDisposeScope();
    }

    private Tensor ApplyReadout(Tensor map, Tensor? classToken, int level)
    {
        if (_readout == DptReadout.Ignore) return map;
        if (classToken is null)
            throw new InvalidDataException($"this DPT head uses class tokens (readout '{_readout}') but the features of layer {_taps[level]} have none.");
        var token = classToken[.., .., TensorIndex.None, TensorIndex.None]; // [B, C] -> [B, C, 1, 1]
        if (_readout == DptReadout.Add) return map + token;
        var joined = cat([map, token.expand_as(map)], 1); // [B, 2C, h, w]
        var tokens = joined.flatten(2).transpose(1, 2); // [B, 2C, h, w] -> [B, h·w, 2C]
        var projected = readout_projects![level].forward(tokens); // [B, h·w, C]
        return projected.transpose(1, 2).reshape(map.shape); // [B, h·w, C] -> [B, C, h, w]
    }
}
