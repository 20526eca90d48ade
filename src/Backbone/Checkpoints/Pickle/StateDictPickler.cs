using System.Buffers.Binary;
using System.Text;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints.Pickle;

/// <summary>
/// Writes the <c>data.pkl</c> of a state_dict as <c>torch.save</c> does (protocol 2): an OrderedDict of
/// <c>_rebuild_tensor_v2</c> calls whose storages are persistent ids ('storage', torch.&lt;T&gt;Storage, key, 'cpu', numel).
/// </summary>
internal static class StateDictPickler
{
    public static byte[] Write(IReadOnlyList<(string Name, ScalarType DType, long[] Shape, string StorageKey)> tensors, string? wrapper)
    {
        using var s = new MemoryStream();
        s.Write([0x80, 2]); // PROTO 2
        if (wrapper != null)
        {
            s.WriteByte((byte)'}'); // EMPTY_DICT
            Unicode(s, wrapper);
        }
        Global(s, "collections", "OrderedDict");
        s.WriteByte((byte)')'); // EMPTY_TUPLE
        s.WriteByte((byte)'R'); // REDUCE
        if (tensors.Count > 0) s.WriteByte((byte)'('); // MARK
        foreach (var (name, dtype, shape, key) in tensors)
        {
            Unicode(s, name);
            Global(s, "torch._utils", "_rebuild_tensor_v2");
            s.WriteByte((byte)'('); // MARK (arguments)
            s.WriteByte((byte)'('); // MARK (persistent id)
            Unicode(s, "storage");
            Global(s, "torch", StorageClass(dtype));
            Unicode(s, key);
            Unicode(s, "cpu");
            Int(s, shape.Aggregate(1L, (a, b) => a * b));
            s.WriteByte((byte)'t'); // TUPLE
            s.WriteByte((byte)'Q'); // BINPERSID
            Int(s, 0); // storage offset
            Tuple(s, shape);
            Tuple(s, ContiguousStrides(shape));
            s.WriteByte(0x89); // NEWFALSE (requires_grad)
            Global(s, "collections", "OrderedDict");
            s.WriteByte((byte)')');
            s.WriteByte((byte)'R'); // backward_hooks = OrderedDict()
            s.WriteByte((byte)'t'); // TUPLE
            s.WriteByte((byte)'R'); // REDUCE
        }
        if (tensors.Count > 0) s.WriteByte((byte)'u'); // SETITEMS
        if (wrapper != null) s.WriteByte((byte)'s'); // SETITEM
        s.WriteByte((byte)'.'); // STOP
        return s.ToArray();
    }

    private static string StorageClass(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "FloatStorage",
        ScalarType.Float16 => "HalfStorage",
        ScalarType.BFloat16 => "BFloat16Storage",
        ScalarType.Float64 => "DoubleStorage",
        ScalarType.Int64 => "LongStorage",
        _ => throw new NotSupportedException($"saving {dtype} tensors is not supported"),
    };

    private static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }
        return strides;
    }

    private static void Global(Stream s, string module, string name)
    {
        s.WriteByte((byte)'c');
        s.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private static void Unicode(Stream s, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, bytes.Length);
        s.WriteByte((byte)'X');
        s.Write(len);
        s.Write(bytes);
    }

    private static void Tuple(Stream s, long[] values)
    {
        if (values.Length == 0)
        {
            s.WriteByte((byte)')');
            return;
        }
        s.WriteByte((byte)'(');
        foreach (long v in values) Int(s, v);
        s.WriteByte((byte)'t');
    }

    private static void Int(Stream s, long value)
    {
        if (value is >= 0 and < 256)
        {
            s.WriteByte((byte)'K');
            s.WriteByte((byte)value);
        }
        else if (value is >= 0 and < 65536)
        {
            s.WriteByte((byte)'M');
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
            s.Write(b);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            s.WriteByte((byte)'J');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)value);
            s.Write(b);
        }
        else
        {
            s.WriteByte(0x8a); // LONG1
            s.WriteByte(8);
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(b, value);
            s.Write(b);
        }
    }
}
