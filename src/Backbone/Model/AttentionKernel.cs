namespace PerceptionEncoder.Backbone.Model;

/// <summary>How attention is computed; all give the same result up to rounding.</summary>
public enum AttentionKernel
{
    /// <summary>
    /// The fastest measured on CPU: libtorch's fused kernel for float32; for bfloat16 the project's native kernel
    /// where <see cref="NativeAttention.Applies"/>, else matmuls.
    /// </summary>
    Auto,

    /// <summary>libtorch's fused <c>scaled_dot_product_attention</c> (flash attention on CPU).</summary>
    Fused,

    /// <summary>Batched matmuls and a softmax, over chunks of heads (score matrices of about 32 MB).</summary>
    Matmul,

    /// <summary>The project's fused bfloat16 kernel (<see cref="NativeAttention"/>); an error where it does not apply.</summary>
    Native,
}
