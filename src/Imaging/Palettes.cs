namespace PerceptionEncoder.Imaging;

/// <summary>Colour palettes for label PNGs.</summary>
public static class Palettes
{
    /// <summary>
    /// The DAVIS palette (the PASCAL VOC colour map): 256 RGB triples, index 0 black, 1 (128,0,0), 2 (0,128,0)...,
    /// as in the official DAVIS annotations and results. (DINO's label propagation writes UVC's palette.txt, which
    /// differs from index 9 on: 191 for 192, then a grey ramp; evaluators read indices, so both work.)
    /// </summary>
    public static byte[] Davis { get; } = BuildVoc();

    private static byte[] BuildVoc()
    {
        var palette = new byte[256 * 3];
        for (int i = 0; i < 256; i++)
        {
            int r = 0, g = 0, b = 0, c = i;
            for (int j = 0; j < 8; j++)
            {
                r |= ((c >> 0) & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            palette[3 * i] = (byte)r;
            palette[3 * i + 1] = (byte)g;
            palette[3 * i + 2] = (byte)b;
        }
        return palette;
    }
}
