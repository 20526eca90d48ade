namespace PerceptionEncoder.Data.Samples;

/// <summary>An instance mask: row-major [H, W], 1 inside the object, 0 outside.</summary>
public sealed record BinaryMask(int Width, int Height, byte[] Pixels)
{
    public bool this[int row, int column] => Pixels[row * Width + column] != 0;

    /// <summary>Number of pixels inside.</summary>
    public int Area => Pixels.Count(p => p != 0);

    /// <summary>The tight box of the pixels inside (pixel edges), or null when the mask is empty.</summary>
    public BoxF? Bounds()
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int y = 0; y < Height; y++)
        {
            int row = y * Width;
            for (int x = 0; x < Width; x++)
            {
                if (Pixels[row + x] == 0) continue;
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                y1 = y;
            }
        }
        return x1 < 0 ? null : new BoxF(x0, y0, x1 + 1, y1 + 1);
    }
}
