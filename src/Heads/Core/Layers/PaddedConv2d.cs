using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Layers;

/// <summary>
/// A square convolution (stride 1, "same" padding) with few output channels, run as one with its output channels
/// padded by zero filters to a multiple of 16 and then cut back (see <see cref="ConvolutionGuard"/>). Its parameters
/// are those of an ordinary convolution: weight <c>[out, in, k, k]</c>, bias <c>[out]</c>.
/// </summary>
public sealed class PaddedConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long _outputs;
    private readonly long _padding;

    public PaddedConv2d(long inputs, long outputs, long kernelSize) : base(nameof(PaddedConv2d))
    {
        if (kernelSize % 2 != 1) throw new ArgumentException($"the kernel size must be odd (got {kernelSize}).");
        _outputs = outputs;
        _padding = kernelSize / 2;
        double bound = 1 / Math.Sqrt(inputs * kernelSize * kernelSize);
        weight = nn.Parameter(empty(outputs, inputs, kernelSize, kernelSize).uniform_(-bound, bound));
        bias = nn.Parameter(empty(outputs).uniform_(-bound, bound));
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public Parameter Bias => bias;

    /// <param name="input">[B, in, h, w]</param>
    /// <returns>[B, out, h, w]</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long padded = ConvolutionGuard.RoundUp(_outputs);
        Tensor w = weight, b = bias;
        if (padded != _outputs)
        {
            w = cat([weight, zeros([padded - _outputs, .. weight.shape[1..]], dtype: weight.dtype, device: weight.device)]);
            b = cat([bias, zeros(padded - _outputs, dtype: bias.dtype, device: bias.device)]);
        }
        var output = nn.functional.conv2d(input, w, b, padding: [_padding, _padding]);    // [B, padded, h, w]
        return output.narrow(1, 0, _outputs).MoveToOuterDisposeScope();
    }
}
