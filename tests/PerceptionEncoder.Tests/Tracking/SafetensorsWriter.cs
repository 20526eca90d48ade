using System.Buffers.Binary;
using System.Text;

namespace PerceptionEncoder.Tests.Tracking;

/// <summary>Writes float32 tensors in the safetensors layout, for feature files made by tests.</summary>
internal static class SafetensorsWriter
{
    public static void Write(string path, params (string Name, float[] Data, long[] Shape)[] tensors)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, data, shape) in tensors)
        {
            if (header.Length > 1) header.Append(',');
            header.Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + 4L * data.Length}]}}");
            offset += 4L * data.Length;
        }
        header.Append('}');
        while ((header.Length + 8) % 8 != 0) header.Append(' ');
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
        stream.Write(length);
        stream.Write(headerBytes);
        foreach (var (_, data, _) in tensors)
        {
            var bytes = new byte[4 * data.Length];
            for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), data[i]);
            stream.Write(bytes);
        }
    }
}
