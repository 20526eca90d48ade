using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Layers;

/// <summary>
/// Group normalisation of a <c>[B, C, h, w]</c> map with its affine parameters initialised to the identity.
/// TorchSharp 0.107's <c>nn.GroupNorm</c> module is not used: it leaves them uninitialised (arbitrary memory).
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
    public override Tensor forward(Tensor input) => nn.functional.group_norm(input, _groups, weight, bias, _eps);
}
