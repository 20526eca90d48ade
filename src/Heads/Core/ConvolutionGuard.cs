namespace PerceptionEncoder.Heads;

/// <summary>
/// Why the heads avoid some convolution shapes. On the project's CPU build (libtorch 2.10, oneDNN), float32
/// convolution backward-data returns wrong values or NaN when the output channels are not a multiple of 16 (for a
/// batch above 1 or a large input), 2x2 stride-2 transposed convolutions are wrong for some shapes (e.g. 96 -&gt; 48
/// channels on an 8x8 map, batch 2), and a 3x3 forward convolution with 24 input channels on a batch of one image is
/// wrong by up to 0.7 or NaN (it broke DPT depth prediction on single images). 3x3 and 1x1 convolutions whose output
/// (and, for 3x3, input) channels are multiples of 16 are right (checked against float64 over 230 random shapes). So
/// the detector uses only those, pads prediction convolutions to 16 output channels, and builds transposed
/// convolutions from a matrix product; the DPT depth head rounds its reassembled channels up to a multiple of 16.
/// </summary>
public static class ConvolutionGuard
{
    /// <summary>Channel counts of the convolutions the head runs must be multiples of this.</summary>
    public const int ChannelMultiple = 16;

    /// <summary><paramref name="channels"/> rounded up to a multiple of <see cref="ChannelMultiple"/>.</summary>
    public static long RoundUp(long channels) => (channels + ChannelMultiple - 1) / ChannelMultiple * ChannelMultiple;
}
