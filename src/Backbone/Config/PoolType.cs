namespace PerceptionEncoder.Backbone;

/// <summary>How <c>forward</c> turns the token sequence into the model output (official <c>pool_type</c>).</summary>
public enum PoolType
{
    /// <summary><c>"none"</c>: every token, class token included: [B, T, C] (PE-Spatial, PE-Lang).</summary>
    None,

    /// <summary><c>"attn"</c>: attention pooling with a learned probe: [B, C] (PE-Core).</summary>
    Attn,

    /// <summary><c>"tok"</c>: the first token: [B, C]. No released config uses it.</summary>
    Tok,

    /// <summary><c>"avg"</c>: the mean over tokens: [B, C]. No released config uses it.</summary>
    Avg,
}
