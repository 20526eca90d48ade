using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>A tensor held by a checkpoint file, read only when <see cref="Load"/> is called.</summary>
public sealed class StoredTensor
{
    private readonly Func<Tensor> _load;

    internal StoredTensor(string name, ScalarType dtype, long[] shape, Func<Tensor> load)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        _load = load;
    }

    /// <summary>The tensor's name as stored in the file.</summary>
    public string Name { get; }

    /// <summary>The stored dtype (float32, float16, bfloat16, ...).</summary>
    public ScalarType DType { get; }

    public IReadOnlyList<long> Shape { get; }

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Reads the tensor: a new contiguous CPU tensor of <see cref="DType"/>, owned by the caller.</summary>
    public Tensor Load() => _load();

    /// <summary>A tensor computed from stored ones (a renamed or reshaped view), with its own loader.</summary>
    internal StoredTensor Derive(string name, long[] shape, Func<Tensor> load) => new(name, DType, shape, load);

    internal static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"dtype {dtype}"),
    };

    internal static string Describe(IReadOnlyList<long> shape) => $"[{string.Join(", ", shape)}]";
}
