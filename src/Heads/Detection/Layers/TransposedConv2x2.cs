using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Layers;

/// <summary>
/// The 2x2, stride-2 transposed convolution of ViTDet's pyramid (doubles the resolution), computed as a matrix product
/// and a pixel rearrangement instead of libtorch's transposed convolution (see <see cref="ConvolutionGuard"/>). Same
/// parameters as <c>ConvTranspose2d(in, out, 2, stride 2)</c>: weight <c>[in, out, 2, 2]</c>, bias <c>[out]</c>;
/// output pixel (2i + di, 2j + dj) of channel o is <c>bias[o] + sum_c x[c, i, j] * weight[c, o, di, dj]</c>.
/// </summary>
public sealed class TransposedConv2x2 : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    public TransposedConv2x2(long inputs, long outputs) : base(nameof(TransposedConv2x2))
    {
        double bound = 1 / Math.Sqrt(outputs * 4);                   // PyTorch's default for a transposed convolution
        weight = nn.Parameter(empty(inputs, outputs, 2, 2).uniform_(-bound, bound));
        bias = nn.Parameter(empty(outputs).uniform_(-bound, bound));
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public Parameter Bias => bias;

    /// <param name="input">[B, in, h, w]</param>
    /// <returns>[B, out, 2h, 2w]</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0], height = input.shape[2], width = input.shape[3];
        long inputs = weight.shape[0], outputs = weight.shape[1];
        var pixels = input.permute(0, 2, 3, 1);                                             // [B, in, h, w] -> [B, h, w, in]
        var expanded = pixels.matmul(weight.view(inputs, outputs * 4));                     // [B, h, w, out * 2 * 2]
        var output = expanded.view(batch, height, width, outputs, 2, 2)
            .permute(0, 3, 1, 4, 2, 5)                                                       // -> [B, out, h, 2, w, 2]
            .reshape(batch, outputs, height * 2, width * 2);                                 // -> [B, out, 2h, 2w]
        return (output + bias.view(1, -1, 1, 1)).MoveToOuterDisposeScope();
    }
}
