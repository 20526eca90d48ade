using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>
/// Random photometric changes of the pixels only (targets untouched), in this order: brightness (scale by a factor
/// in [1-b, 1+b]), contrast (blend with the mean grey), saturation (blend with each pixel's grey), hue (rotation of
/// the chroma by up to ±<c>hue</c> of a turn). Values are clamped to [0, 255] after each step.
/// </summary>
public sealed class ColorJitter : SampleTransform
{
    public ColorJitter(double brightness = 0.4, double contrast = 0.4, double saturation = 0.4, double hue = 0.05)
    {
        if (brightness < 0 || contrast < 0 || saturation < 0 || hue is < 0 or > 0.5)
            throw new ArgumentException("jitter strengths must be non-negative (hue at most 0.5).");
        Brightness = brightness;
        Contrast = contrast;
        Saturation = saturation;
        Hue = hue;
    }

    public double Brightness { get; }

    public double Contrast { get; }

    public double Saturation { get; }

    public double Hue { get; }

    public override Sample Apply(Sample sample, Random random)
    {
        float b = Factor(random, Brightness), c = Factor(random, Contrast), s = Factor(random, Saturation);
        double h = (2 * random.NextDouble() - 1) * Hue;
        if (sample.Image == null) return sample;
        byte[] src = sample.Image.Pixels;
        var dst = new byte[src.Length];
        int n = src.Length / 3;

        // Mean grey of the brightness-scaled image (what the contrast step blends towards).
        double greySum = 0;
        for (int i = 0; i < n; i++) greySum += Math.Min(255f, Grey(src[3 * i], src[3 * i + 1], src[3 * i + 2]) * b);
        float mean = (float)(greySum / Math.Max(1, n));

        // Hue: rotation of the (I, Q) chroma plane of YIQ.
        float cos = (float)Math.Cos(2 * Math.PI * h), sin = (float)Math.Sin(2 * Math.PI * h);
        for (int i = 0; i < n; i++)
        {
            float r = Math.Min(255f, src[3 * i] * b), g = Math.Min(255f, src[3 * i + 1] * b), bl = Math.Min(255f, src[3 * i + 2] * b);
            r = Clamp((r - mean) * c + mean);
            g = Clamp((g - mean) * c + mean);
            bl = Clamp((bl - mean) * c + mean);
            float grey = Grey(r, g, bl);
            r = Clamp((r - grey) * s + grey);
            g = Clamp((g - grey) * s + grey);
            bl = Clamp((bl - grey) * s + grey);
            if (h != 0)
            {
                float y = 0.299f * r + 0.587f * g + 0.114f * bl;
                float iq = 0.596f * r - 0.274f * g - 0.322f * bl;
                float q = 0.211f * r - 0.523f * g + 0.312f * bl;
                float i2 = iq * cos - q * sin, q2 = iq * sin + q * cos;
                r = Clamp(y + 0.956f * i2 + 0.621f * q2);
                g = Clamp(y - 0.272f * i2 - 0.647f * q2);
                bl = Clamp(y - 1.106f * i2 + 1.703f * q2);
            }
            dst[3 * i] = Resampling.ToByte(r);
            dst[3 * i + 1] = Resampling.ToByte(g);
            dst[3 * i + 2] = Resampling.ToByte(bl);
        }
        return sample with { Image = new RgbImage(sample.Image.Width, sample.Image.Height, dst) };
    }

    private static float Factor(Random random, double strength) =>
        (float)(Math.Max(0, 1 - strength) + (1 + strength - Math.Max(0, 1 - strength)) * random.NextDouble());

    private static float Grey(float r, float g, float b) => 0.299f * r + 0.587f * g + 0.114f * b;

    private static float Clamp(float v) => v < 0 ? 0 : v > 255 ? 255 : v;

    public override bool IsRandom => Brightness > 0 || Contrast > 0 || Saturation > 0 || Hue > 0;

    public override string Describe() => $"color-jitter b={Brightness} c={Contrast} s={Saturation} h={Hue}";
}
