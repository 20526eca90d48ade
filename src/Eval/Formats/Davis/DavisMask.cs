using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Eval.Formats.Davis;

/// <summary>DAVIS label maps: palette PNGs whose indices are object ids (0 background, 255 void), row-major [H, W].</summary>
public static class DavisMask
{
    /// <summary>The void label of DAVIS annotations (object boundaries and ambiguous pixels).</summary>
    public const byte Void = 255;

    /// <summary>
    /// Reads a DAVIS mask as raw indices (<c>np.array(PIL.Image.open(path))</c>): palette or 8-bit greyscale PNG.
    /// </summary>
    /// <exception cref="InvalidDataException">An RGB/RGBA/16-bit PNG (a colour image, not a label map) or a corrupt file.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static IndexedImage Read(string path)
    {
        try
        {
            return Png.ReadIndexed(path);
        }
        catch (InvalidDataException e) when (e.Message.Contains("RGB", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{e.Message} DAVIS masks must be palette PNGs (mode P) whose indices are object ids; " +
                "convert colour masks with the DAVIS palette (Palettes.Davis) to indices first.", e);
        }
    }

    /// <summary>K = the largest id of a (first-frame) annotation, ignoring void.</summary>
    public static int ObjectCount(IndexedImage firstFrame)
    {
        int max = 0;
        foreach (byte v in firstFrame.Pixels)
            if (v != Void && v > max) max = v;
        return max;
    }

    /// <summary>The binary mask <c>[H, W]</c> (row-major, 0/1) of one object id.</summary>
    public static byte[] ObjectMask(IndexedImage labels, int objectId)
    {
        var mask = new byte[labels.Pixels.Length];
        for (int i = 0; i < mask.Length; i++) mask[i] = labels.Pixels[i] == objectId ? (byte)1 : (byte)0;
        return mask;
    }
}
