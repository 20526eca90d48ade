using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Layers;

/// <summary>
/// A transposed convolution whose kernel equals its stride (<c>ConvTranspose2d(in, out, f, stride: f)</c>: every input
/// pixel becomes an f x f block), computed as a matrix product and a pixel rearrangement instead of libtorch's
/// transposed convolution, which is wrong for some shapes on this CPU build (see <see cref="ConvolutionGuard"/>). Same
/// parameters: weight <c>[in, out, f, f]</c>, bias <c>[out]</c>; output pixel (f i + di, f j + dj) of channel o is
/// <c>bias[o] + sum_c x[c, i, j] * weight[c, o, di, dj]</c>.
/// </summary>
public sealed class UpsamplingTransposedConv : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long _factor;

    public UpsamplingTransposedConv(long inputs, long outputs, long factor) : base(nameof(UpsamplingTransposedConv))
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The upsampling factor must be at least 1.");
        _factor = factor;
        double bound = 1 / Math.Sqrt(outputs * factor * factor);     // PyTorch's default for a transposed convolution
        weight = nn.Parameter(empty(inputs, outputs, factor, factor).uniform_(-bound, bound));
        bias = nn.Parameter(empty(outputs).uniform_(-bound, bound));
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public Parameter Bias => bias;

    /// <param name="input">[B, in, h, w]</param>
    /// <returns>[B, out, f h, f w]</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0], height = input.shape[2], width = input.shape[3], f = _factor;
        long inputs = weight.shape[0], outputs = weight.shape[1];
        var pixels = input.permute(0, 2, 3, 1);                                             // [B, in, h, w] -> [B, h, w, in]
        var expanded = pixels.matmul(weight.view(inputs, outputs * f * f));                 // [B, h, w, out * f * f]
        var output = expanded.view(batch, height, width, outputs, f, f)
            .permute(0, 3, 1, 4, 2, 5)                                                       // -> [B, out, h, f, w, f]
            .reshape(batch, outputs, height * f, width * f);                                 // -> [B, out, f h, f w]
        return (output + bias.view(1, -1, 1, 1)).MoveToOuterDisposeScope();
    }
}
