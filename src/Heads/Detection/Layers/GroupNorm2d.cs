using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Layers;

/// <summary>
/// Group normalisation of a <c>[B, C, h, w]</c> map from elementary operations. TorchSharp 0.107's
/// <c>nn.GroupNorm</c> is not used: it leaves its affine parameters uninitialised (arbitrary memory).
/// </summary>
public sealed class GroupNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long _groups;
    private readonly double _eps;

    public GroupNorm2d(long groups, long channels, double eps = 1e-5) : base(nameof(GroupNorm2d))
    {
        if (groups < 1 || channels % groups != 0)
            throw new ArgumentException($"GroupNorm needs channels divisible by groups (got {channels} channels, {groups} groups).");
        weight = nn.Parameter(ones(channels));
        bias = nn.Parameter(zeros(channels));
        _groups = groups;
        _eps = eps;
        RegisterComponents();
    }

    /// <param name="input">[B, C, h, w]</param>
    /// <returns>[B, C, h, w]: each group of C / groups channels normalised over its channels and locations, then scaled and shifted per channel.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var shape = input.shape;
        var grouped = input.reshape(shape[0], _groups, -1);                             // [B, C, h, w] -> [B, G, C/G*h*w]
        var mean = grouped.mean([2], keepdim: true);
        var centred = grouped - mean;
        var variance = centred.square().mean([2], keepdim: true);
        var normalised = (centred * (variance + _eps).rsqrt()).reshape(shape);         // [B, G, C/G*h*w] -> [B, C, h, w]
        var output = normalised * weight.view(1, -1, 1, 1) + bias.view(1, -1, 1, 1);
        return output.MoveToOuterDisposeScope();
    }
}
