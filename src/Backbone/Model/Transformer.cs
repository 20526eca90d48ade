using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>The stack of blocks; its only state is <c>resblocks.{i}</c>, as in the official module tree.</summary>
public sealed class Transformer : nn.Module
{
    private readonly ModuleList<ResidualAttentionBlock> resblocks;
    private readonly ResidualAttentionBlock[] _blocks;

    public Transformer(PeConfig config, ScalarType dtype, Device? device) : base(nameof(Transformer))
    {
        _blocks = [.. Enumerable.Range(0, config.Layers).Select(_ => new ResidualAttentionBlock(config, dtype, device))];
        resblocks = new ModuleList<ResidualAttentionBlock>(_blocks);
        register_module(nameof(resblocks), resblocks);
    }

    /// <summary>The blocks, 0-based.</summary>
    public IReadOnlyList<ResidualAttentionBlock> Blocks => _blocks;
}
