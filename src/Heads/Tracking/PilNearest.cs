namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// Nearest-neighbour resizing exactly as Pillow's <c>Image.resize(size, NEAREST)</c> (ImagingScaleAffine): with
/// s = in/out in double, the source index of output k is trunc(s/2 + s + … + s), the position accumulated by
/// repeated addition. This differs from floor((k + 0.5)·s) where that product is an exact integer
/// (e.g. 832 → 854 at output 640), so label maps must go through here to match the reference files.
/// </summary>
public static class PilNearest
{
    /// <summary>For each of <paramref name="outSize"/> output positions, the source position in [0, inSize).</summary>
    public static int[] SourceIndices(int inSize, int outSize)
    {
        if (inSize < 1 || outSize < 1) throw new ArgumentException($"cannot resize {inSize} -> {outSize}.");
        var indices = new int[outSize];
        double step = (double)inSize / outSize, position = step * 0.5;
        for (int k = 0; k < outSize; k++)
        {
            indices[k] = Math.Min((int)position, inSize - 1);
            position += step;
        }
        return indices;
    }

    /// <summary>Resizes a row-major [H, W] map to [newHeight, newWidth].</summary>
    public static T[] Resize<T>(ReadOnlySpan<T> source, int height, int width, int newHeight, int newWidth)
    {
        if (source.Length != height * width)
            throw new ArgumentException($"a {height}×{width} map needs {height * width} values, got {source.Length}.");
        int[] rows = SourceIndices(height, newHeight), cols = SourceIndices(width, newWidth);
        var result = new T[newHeight * newWidth];
        for (int y = 0; y < newHeight; y++)
        {
            var srcRow = source.Slice(rows[y] * width, width);
            var dstRow = result.AsSpan(y * newWidth, newWidth);
            for (int x = 0; x < newWidth; x++) dstRow[x] = srcRow[cols[x]];
        }
        return result;
    }
}
