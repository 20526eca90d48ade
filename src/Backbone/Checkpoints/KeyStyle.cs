namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>The naming of a checkpoint's tensors.</summary>
public enum KeyStyle
{
    /// <summary>The official <c>VisionTransformer</c> names (<c>conv1.weight</c>, <c>transformer.resblocks.0...</c>).</summary>
    Official,

    /// <summary>timm's names for PE (<c>patch_embed.proj.weight</c>, <c>blocks.0...</c>; <c>_convert_pe</c> in eva.py).</summary>
    Timm,
}
