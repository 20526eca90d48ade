namespace PerceptionEncoder.Heads;

/// <summary>
/// Why the heads avoid some convolution shapes. On the project's CPU build (libtorch 2.10, oneDNN), float32
/// convolution backward-data returns wrong values or NaN when the output channels are not a multiple of 16 (for a
/// batch above 1 or a large input; a DPT head with 8 fusion channels hit NaN losses within two steps), transposed
/// convolutions are wrong for some shapes (2x2 stride 2, 96 -&gt; 48 channels on an 8x8 map, batch 2; 4x4 stride 4,
/// 48 channels, one image: off by 0.29), and a 3x3 forward convolution with 24 input channels on a batch of one image
/// is wrong by up to 0.7 or NaN. 3x3 and 1x1 convolutions whose output (and, for 3x3, input) channels are multiples of
/// 16 are right (checked against float64 over 230 random shapes). So the heads use only those: prediction
/// convolutions with few outputs are padded to 16 (<c>Layers.PaddedConv2d</c>), transposed convolutions are a matrix
/// product (<c>Layers.UpsamplingTransposedConv</c>), and the DPT head rounds its reassembled channels up to a
/// multiple of 16 and takes fusion channels in multiples of 32 (its output convolution halves them).
/// </summary>
public static class ConvolutionGuard
{
    /// <summary>Channel counts of the convolutions the head runs must be multiples of this.</summary>
    public const int ChannelMultiple = 16;

    /// <summary><paramref name="channels"/> rounded up to a multiple of <see cref="ChannelMultiple"/>.</summary>
    public static long RoundUp(long channels) => (channels + ChannelMultiple - 1) / ChannelMultiple * ChannelMultiple;
}
