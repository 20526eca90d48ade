namespace PerceptionEncoder.Backbone.Model;

/// <summary>How attention is computed; all give the same result up to rounding.</summary>
public enum AttentionKernel
{
    /// <summary>Fused for float32, matmuls for bfloat16: the fastest measured on CPU.</summary>
    Auto,

    /// <summary>libtorch's fused <c>scaled_dot_product_attention</c> (flash attention on CPU).</summary>
    Fused,

    /// <summary>Batched matmuls and a softmax, over chunks of heads (score matrices of about 32 MB).</summary>
    Matmul,
}
