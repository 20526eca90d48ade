using static TorchSharp.torch;

namespace PerceptionEncoder.Data.Features;

/// <summary>How feature values are stored in a cache: 2 bytes each.</summary>
public enum CacheDType
{
    /// <summary>bfloat16 (the float32 exponent range, 8-bit mantissa): the default.</summary>
    BFloat16,
    /// <summary>IEEE float16 (finer mantissa, values beyond ±65504 overflow).</summary>
    Float16,
}

public static class CacheDTypes
{
    public static string Name(this CacheDType dtype) => dtype == CacheDType.BFloat16 ? "bf16" : "fp16";

    public static ScalarType ScalarType(this CacheDType dtype) =>
        dtype == CacheDType.BFloat16 ? TorchSharp.torch.ScalarType.BFloat16 : TorchSharp.torch.ScalarType.Float16;

    /// <summary>Parses <c>bf16</c> / <c>fp16</c> (also <c>bfloat16</c>, <c>float16</c>).</summary>
    public static CacheDType Parse(string text) => text.ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => CacheDType.BFloat16,
        "fp16" or "float16" or "half" => CacheDType.Float16,
        _ => throw new ArgumentException($"dtype '{text}' is not one of bf16, fp16."),
    };
}
