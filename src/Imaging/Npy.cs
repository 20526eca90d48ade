using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PerceptionEncoder.Imaging;

/// <summary>NumPy <c>.npy</c> arrays (format 1.0/2.0/3.0), C order. Reads float32, float64, uint16 and uint8 as float32.</summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads an array as float32 values in C order, with its shape.</summary>
    public static (float[] Data, int[] Shape) ReadFloat32(string path) => Read(path, requireFloat32: false);

    /// <summary>
    /// Reads a float32 (<c>'&lt;f4'</c>) array of any rank in C order, with its shape, without conversion: any other dtype is
    /// an <see cref="InvalidDataException"/> naming the file and the dtype.
    /// </summary>
    public static (float[] Data, int[] Shape) ReadFloat32Only(string path) => Read(path, requireFloat32: true);

    private static (float[] Data, int[] Shape) Read(string path, bool requireFloat32)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 10 || !file.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a .npy file (bad magic).");
        int major = file[6];
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8)) : BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(8));
        int dataStart = (major == 1 ? 10 : 12) + headerLength;
        if (dataStart > file.Length) throw new InvalidDataException($"{path}: truncated .npy header.");
        string header = Encoding.Latin1.GetString(file, major == 1 ? 10 : 12, headerLength);

        string descr = DescrPattern().Match(header) is { Success: true } d ? d.Groups[1].Value
            : throw new InvalidDataException($"{path}: .npy header without 'descr': {header.Trim()}");
        if (FortranPattern().IsMatch(header))
            throw new InvalidDataException($"{path}: Fortran-ordered .npy arrays are not supported; save with C order.");
        var shapeMatch = ShapePattern().Match(header);
        if (!shapeMatch.Success) throw new InvalidDataException($"{path}: .npy header without 'shape'.");
        int[] shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n
                : throw new InvalidDataException($"{path}: bad .npy shape ({shapeMatch.Groups[1].Value}).")).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);

        if (requireFloat32 && descr != "<f4")
            throw new InvalidDataException($"{path}: dtype '{descr}', expected float32 ('<f4').");
        int itemSize = descr switch { "<f4" => 4, "<f8" => 8, "<u2" => 2, "|u1" => 1, _ => 0 };
        if (itemSize == 0)
            throw new InvalidDataException($"{path}: dtype '{descr}' is not supported; expected float32 ('<f4'), float64, uint16 or uint8.");
        if (dataStart + count * itemSize > file.Length)
            throw new InvalidDataException($"{path}: truncated .npy data ({file.Length - dataStart} bytes for {count} values of {descr}).");
        var data = new float[count];
        var raw = file.AsSpan(dataStart);
        for (long i = 0; i < count; i++)
        {
            int o = (int)(i * itemSize);
            data[i] = descr switch
            {
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(raw[o..]),
                "<f8" => (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[o..]),
                "<u2" => BinaryPrimitives.ReadUInt16LittleEndian(raw[o..]),
                _ => raw[o],
            };
        }
        return (data, shape);
    }

    /// <summary>Writes float32 values in C order with the given shape, atomically.</summary>
    public static void WriteFloat32(string path, ReadOnlySpan<float> data, params int[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count != data.Length)
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {count} values but {data.Length} were given.");
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeText}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var bytes = new byte[10 + header.Length + data.Length * 4];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        for (int i = 0; i < data.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(10 + header.Length + 4 * i), data[i]);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*True")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
