using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace PerceptionEncoder.Imaging;

/// <summary>
/// Exact PNG reading and writing for the two kinds of single-channel images the benchmarks use: palette
/// (or 8-bit grey) label maps read as raw indices, as <c>np.array(PIL.Image.open(f))</c> does for DAVIS masks, and
/// 16-bit grey depth maps (NYU, millimetres). General colour images go through <see cref="ImageFile"/>.
/// </summary>
public static class Png
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Reads a palette or 8-bit greyscale PNG as its raw values (palette indices, not colours).</summary>
    /// <exception cref="InvalidDataException">RGB, 16-bit or malformed files, with the path in the message.</exception>
    public static IndexedImage ReadIndexed(string path)
    {
        var png = Decode(path);
        if (png.ColorType is ColorType.Palette or ColorType.Gray && png.BitDepth <= 8)
            return new IndexedImage(png.Width, png.Height, png.Samples8(), png.Palette);
        throw new InvalidDataException(
            $"{path}: a {png.Describe()} PNG; expected a palette (indexed) or 8-bit greyscale label image " +
            "whose pixel values are object ids.");
    }

    /// <summary>Reads a 16-bit greyscale PNG (8-bit greyscale is widened).</summary>
    public static Gray16Image ReadGray16(string path)
    {
        var png = Decode(path);
        if (png.ColorType != ColorType.Gray)
            throw new InvalidDataException($"{path}: a {png.Describe()} PNG; expected a 16-bit greyscale depth image.");
        return new Gray16Image(png.Width, png.Height, png.Samples16());
    }

    /// <summary>Writes an 8-bit palette PNG (mode P) atomically.</summary>
    public static void WriteIndexed(string path, IndexedImage image)
    {
        byte[] palette = image.Palette ?? Palettes.Davis;
        AtomicFile.Write(path, stream =>
        {
            WriteHeader(stream, image.Width, image.Height, bitDepth: 8, ColorType.Palette);
            WriteChunk(stream, "PLTE", palette);
            WriteImageData(stream, image.Pixels, image.Height, bytesPerRow: image.Width);
            WriteChunk(stream, "IEND", []);
        });
    }

    /// <summary>Writes a 16-bit greyscale PNG atomically.</summary>
    public static void WriteGray16(string path, Gray16Image image)
    {
        var raw = new byte[image.Pixels.Length * 2];
        for (int i = 0; i < image.Pixels.Length; i++)
            BinaryPrimitives.WriteUInt16BigEndian(raw.AsSpan(2 * i), image.Pixels[i]);
        AtomicFile.Write(path, stream =>
        {
            WriteHeader(stream, image.Width, image.Height, bitDepth: 16, ColorType.Gray);
            WriteImageData(stream, raw, image.Height, bytesPerRow: image.Width * 2);
            WriteChunk(stream, "IEND", []);
        });
    }

    private enum ColorType : byte { Gray = 0, Rgb = 2, Palette = 3, GrayAlpha = 4, Rgba = 6 }

    private sealed record Decoded(int Width, int Height, int BitDepth, ColorType ColorType, byte[] Raw, byte[]? Palette)
    {
        public string Describe() => ColorType switch
        {
            ColorType.Rgb => $"{BitDepth}-bit RGB",
            ColorType.Rgba => $"{BitDepth}-bit RGBA",
            ColorType.GrayAlpha => $"{BitDepth}-bit grey+alpha",
            ColorType.Palette => $"{BitDepth}-bit palette",
            _ => $"{BitDepth}-bit greyscale",
        };

        public byte[] Samples8()
        {
            if (BitDepth == 8) return Raw;
            var values = new byte[Width * Height];
            int rowBytes = (Width * BitDepth + 7) / 8, mask = (1 << BitDepth) - 1;
            bool scaleGray = ColorType == ColorType.Gray; // PIL widens sub-byte grey to 0..255
            for (int y = 0; y < Height; y++)
                for (int x = 0; x < Width; x++)
                {
                    int bit = x * BitDepth;
                    int v = (Raw[y * rowBytes + bit / 8] >> (8 - BitDepth - bit % 8)) & mask;
                    values[y * Width + x] = (byte)(scaleGray ? v * 255 / mask : v);
                }
            return values;
        }

        public ushort[] Samples16()
        {
            var values = new ushort[Width * Height];
            if (BitDepth == 16)
                for (int i = 0; i < values.Length; i++)
                    values[i] = BinaryPrimitives.ReadUInt16BigEndian(Raw.AsSpan(2 * i));
            else
            {
                byte[] b = Samples8();
                for (int i = 0; i < values.Length; i++) values[i] = b[i];
            }
            return values;
        }
    }

    private static Decoded Decode(string path)
    {
        byte[] file;
        try { file = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"{path}: file not found.", path); }
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(Signature))
            throw new InvalidDataException($"{path}: not a PNG file (bad signature).");

        int pos = 8, width = 0, height = 0, bitDepth = 0, interlace = 0;
        var colorType = ColorType.Gray;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        bool sawHeader = false, sawEnd = false;
        while (pos + 12 <= file.Length && !sawEnd)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(pos));
            string type = Encoding.ASCII.GetString(file, pos + 4, 4);
            if (length < 0 || pos + 12 + length > file.Length)
                throw new InvalidDataException($"{path}: truncated PNG (chunk {type} runs past the end of the file).");
            var data = file.AsSpan(pos + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    bitDepth = data[8];
                    colorType = (ColorType)data[9];
                    interlace = data[12];
                    sawHeader = true;
                    break;
                case "PLTE": palette = data.ToArray(); break;
                case "IDAT": idat.Write(data); break;
                case "IEND": sawEnd = true; break;
            }
            pos += 12 + length;
        }
        if (!sawHeader || width <= 0 || height <= 0)
            throw new InvalidDataException($"{path}: PNG without a valid IHDR header.");
        if (!sawEnd) throw new InvalidDataException($"{path}: truncated PNG (no IEND chunk).");

        int channels = colorType switch
        {
            ColorType.Gray or ColorType.Palette => 1,
            ColorType.GrayAlpha => 2,
            ColorType.Rgb => 3,
            ColorType.Rgba => 4,
            _ => throw new InvalidDataException($"{path}: unknown PNG colour type {(int)colorType}."),
        };
        int bitsPerPixel = channels * bitDepth;
        int bytesPerPixel = Math.Max(1, bitsPerPixel / 8);
        int rowBytes = (width * bitsPerPixel + 7) / 8;
        byte[] inflated;
        try
        {
            idat.Position = 0;
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            if (interlace == 0)
            {
                // Exactly one filter byte plus one row per row.
                inflated = new byte[(long)(rowBytes + 1) * height];
                if (z.ReadAtLeast(inflated, inflated.Length, throwOnEndOfStream: false) < inflated.Length)
                    throw new InvalidDataException($"{path}: truncated PNG (image data ends early).");
            }
            else
            {
                using var output = new MemoryStream();
                z.CopyTo(output);
                inflated = output.ToArray();
            }
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: corrupt PNG image data ({e.Message}).");
        }

        var raw = new byte[rowBytes * height];
        if (interlace == 0)
            Unfilter(path, inflated, 0, raw, 0, rowBytes, height, bytesPerPixel);
        else
            Deinterlace(path, inflated, raw, width, height, bitsPerPixel, bytesPerPixel);
        return new Decoded(width, height, bitDepth, colorType, raw, palette);
    }

    private static int Unfilter(string path, byte[] src, int offset, byte[] dst, int dstOffset, int rowBytes, int rows, int bpp)
    {
        if (src.Length < offset + (rowBytes + 1) * rows)
            throw new InvalidDataException($"{path}: truncated PNG (image data ends early).");
        for (int y = 0; y < rows; y++)
        {
            int filter = src[offset];
            var line = src.AsSpan(offset + 1, rowBytes);
            var row = dst.AsSpan(dstOffset + y * rowBytes, rowBytes);
            var prior = y > 0 ? dst.AsSpan(dstOffset + (y - 1) * rowBytes, rowBytes) : default;
            // One loop per filter type: label maps are mostly "None"/"Up" rows, which become a copy or a vector add.
            switch (filter)
            {
                case 0:
                    line.CopyTo(row);
                    break;
                case 1:
                    line[..bpp].CopyTo(row);
                    for (int i = bpp; i < rowBytes; i++) row[i] = (byte)(line[i] + row[i - bpp]);
                    break;
                case 2 when y == 0:
                    line.CopyTo(row);
                    break;
                case 2:
                    AddBytes(line, prior, row);
                    break;
                case 3:
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int a = i >= bpp ? row[i - bpp] : 0, b = y > 0 ? prior[i] : 0;
                        row[i] = (byte)(line[i] + ((a + b) >> 1));
                    }
                    break;
                case 4:
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int a = i >= bpp ? row[i - bpp] : 0, b = y > 0 ? prior[i] : 0, c = y > 0 && i >= bpp ? prior[i - bpp] : 0;
                        row[i] = (byte)(line[i] + Paeth(a, b, c));
                    }
                    break;
                default:
                    throw new InvalidDataException($"{path}: corrupt PNG (row {y} has filter type {filter}).");
            }
            offset += rowBytes + 1;
        }
        return offset;
    }

    private static void AddBytes(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y, Span<byte> sum)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i + Vector<byte>.Count <= sum.Length; i += Vector<byte>.Count)
                (new Vector<byte>(x[i..]) + new Vector<byte>(y[i..])).CopyTo(sum[i..]);
        for (; i < sum.Length; i++) sum[i] = (byte)(x[i] + y[i]);
    }

    private static void Deinterlace(string path, byte[] src, byte[] raw, int width, int height, int bitsPerPixel, int bpp)
    {
        ReadOnlySpan<int> x0 = [0, 4, 0, 2, 0, 1, 0], y0 = [0, 0, 4, 0, 2, 0, 1];
        ReadOnlySpan<int> dx = [8, 8, 4, 4, 2, 2, 1], dy = [8, 8, 8, 4, 4, 2, 2];
        int fullRow = (width * bitsPerPixel + 7) / 8, offset = 0;
        for (int pass = 0; pass < 7; pass++)
        {
            int pw = (width - x0[pass] + dx[pass] - 1) / dx[pass], ph = (height - y0[pass] + dy[pass] - 1) / dy[pass];
            if (pw <= 0 || ph <= 0) continue;
            int rowBytes = (pw * bitsPerPixel + 7) / 8;
            var sub = new byte[rowBytes * ph];
            offset = Unfilter(path, src, offset, sub, 0, rowBytes, ph, bpp);
            for (int y = 0; y < ph; y++)
                for (int x = 0; x < pw; x++)
                {
                    int ty = y0[pass] + y * dy[pass], tx = x0[pass] + x * dx[pass];
                    if (bitsPerPixel >= 8)
                        Array.Copy(sub, y * rowBytes + x * bpp, raw, ty * fullRow + tx * bpp, bpp);
                    else
                    {
                        int sbit = x * bitsPerPixel, tbit = tx * bitsPerPixel, mask = (1 << bitsPerPixel) - 1;
                        int v = (sub[y * rowBytes + sbit / 8] >> (8 - bitsPerPixel - sbit % 8)) & mask;
                        raw[ty * fullRow + tbit / 8] |= (byte)(v << (8 - bitsPerPixel - tbit % 8));
                    }
                }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteHeader(Stream stream, int width, int height, int bitDepth, ColorType colorType)
    {
        stream.Write(Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = (byte)colorType;
        WriteChunk(stream, "IHDR", ihdr);
    }

    private static void WriteImageData(Stream stream, byte[] raw, int height, int bytesPerRow)
    {
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            // Filter "Up" for every row but the first: label and depth maps compress well with it.
            var row = new byte[bytesPerRow + 1];
            for (int y = 0; y < height; y++)
            {
                row[0] = (byte)(y == 0 ? 0 : 2);
                int start = y * bytesPerRow;
                for (int i = 0; i < bytesPerRow; i++)
                    row[i + 1] = (byte)(raw[start + i] - (y == 0 ? 0 : raw[start + i - bytesPerRow]));
                z.Write(row);
            }
        }
        WriteChunk(stream, "IDAT", compressed.ToArray());
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        Encoding.ASCII.GetBytes(type, header[4..]);
        stream.Write(header);
        stream.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, header[4..]), data) ^ 0xFFFFFFFFu;
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        stream.Write(crcBytes);
    }
}
