namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// The frame resize rule of the protocol: the short side becomes <see cref="ShortSide"/>, the long side is scaled
/// proportionally and floored to a multiple of <see cref="LongSideMultiple"/> (480 and 64 by default: DAVIS 854×480
/// becomes 832×480). The feature grid is then floor(size / patch), as the backbone computes it.
/// </summary>
public sealed record FramePreprocessing
{
    public int ShortSide { get; init; } = 480;

    public int LongSideMultiple { get; init; } = 64;

    public PixelNormalization Normalization { get; init; } = PixelNormalization.Pe;

    /// <summary>
    /// The processed size of a frame of <paramref name="height"/>×<paramref name="width"/>. As the reference's
    /// read_frame: portrait (height &gt; width) keeps the width at the short side, otherwise (landscape or square)
    /// the height is the short side and the width is floored.
    /// </summary>
    public (int Height, int Width) ProcessedSize(int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"frame size {width}×{height} is empty.");
        if (height > width)
            return (FloorToMultiple((double)ShortSide * height / width), ShortSide);
        return (ShortSide, FloorToMultiple((double)ShortSide * width / height));
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid value.</summary>
    public FramePreprocessing Validate()
    {
        if (ShortSide < 1) throw new ArgumentException($"short side must be positive (got {ShortSide}).");
        if (LongSideMultiple < 1) throw new ArgumentException($"long-side multiple must be positive (got {LongSideMultiple}).");
        if (Normalization.Mean.Length != 3 || Normalization.Std.Length != 3)
            throw new ArgumentException("pixel normalisation needs 3 means and 3 standard deviations (RGB).");
        return this;
    }

    private int FloorToMultiple(double size)
    {
        int floored = (int)(Math.Floor(size / LongSideMultiple) * LongSideMultiple);
        if (floored < LongSideMultiple)
            throw new ArgumentException(
                $"the long side ({size:0.#} px after scaling the short side to {ShortSide}) is below one multiple of {LongSideMultiple}.");
        return floored;
    }
}
