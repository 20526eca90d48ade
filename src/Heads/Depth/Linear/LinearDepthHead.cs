using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads.Depth.Readout;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth.Linear;

/// <summary>
/// Linear depth probe (see <see cref="LinearDepthConfig"/>). The per-pixel linear layer is applied before the
/// bilinear upsampling rather than after: both are linear and the interpolation weights sum to one, so the result
/// is the same as DINOv2's order at a fraction of the cost; the non-linear readout then runs at the upsampled size.
/// </summary>
public sealed class LinearDepthHead : DepthHead
{
    private readonly Conv2d conv_depth;
    private readonly int[] _layers;
    private readonly bool _classToken;
    private readonly int _upsample;

    internal LinearDepthHead(LinearDepthConfig config, BackboneSpec backbone) : base("linear_depth_head", config, backbone)
    {
        _layers = [.. config.Layers!];
        _classToken = config.UseClassToken;
        _upsample = config.Upsample;
        long inputs = (long)backbone.Width * _layers.Length * (_classToken ? 2 : 1);
        conv_depth = nn.Conv2d(inputs, config.Output.Channels, 1);
        if (config.Output.Kind == DepthOutputKind.Regression)
        {
            using var noGrad = no_grad();
            conv_depth.bias!.fill_(DepthReadout.InitialRegressionBias(config.Range));
        }
        RegisterComponents();
    }

    /// <summary>Input channels of the linear layer: width × layers (× 2 with class tokens).</summary>
    public long InputChannels => conv_depth.weight!.shape[1];

    public override Tensor Forward(FeatureMaps features)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        foreach (int layer in _layers)
        {
            var map = MapOf(features, layer); // [B, C, h, w]
            parts.Add(map);
            if (_classToken)
            {
                var token = features.ClassToken(layer) ?? throw new InvalidDataException(
                    $"this depth head concatenates class tokens but the features of layer {layer} have none; use features with class tokens.");
                parts.Add(token[.., .., TensorIndex.None, TensorIndex.None].expand_as(map)); // [B, C] -> [B, C, h, w]
            }
        }
        var input = cat(parts, 1); // [B, C·L(·2), h, w]
        long h = input.shape[2], w = input.shape[3];
        var logits = conv_depth.forward(input); // [B, K, h, w]
        logits = Resize(logits, h * _upsample, w * _upsample); // [B, K, 4h, 4w]
        var depth = ReadoutDepth(logits); // [B, 1, 4h, 4w]
        return Resize(depth, h * PatchSize, w * PatchSize).MoveToOuterDisposeScope(); // [B, 1, h·p, w·p]
    }
}
