using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;
using static TorchSharp.torch;

namespace PerceptionEncoder.Data.Loading;

/// <summary>Turns transformed samples into a <see cref="Batch"/> of tensors.</summary>
public static class BatchCollator
{
    /// <summary>x = pixel/255·2-1 in float32, as the backbone's preprocessing computes it.</summary>
    private static readonly float[] Normalised = Enumerable.Range(0, 256).Select(p => p / 255f * 2f - 1f).ToArray();

    /// <summary>Stacks <paramref name="samples"/> (pixels, when present, and targets) padded to a common size.</summary>
    /// <param name="samples">Transformed samples; all or none with pixels, with each kind of target.</param>
    /// <param name="sizeDivisibility">The batch size is rounded up to a multiple of it (the patch size).</param>
    /// <param name="includeMasks">Whether instance masks become tensors (when the samples have them).</param>
    public static Batch Collate(IReadOnlyList<Sample> samples, int sizeDivisibility = 1, bool includeMasks = true)
    {
        if (samples.Count == 0) throw new ArgumentException("cannot collate an empty batch.", nameof(samples));
        int h = SampleOps.RoundUp(samples.Max(s => s.CanvasHeight), sizeDivisibility);
        int w = SampleOps.RoundUp(samples.Max(s => s.CanvasWidth), sizeDivisibility);
        int b = samples.Count, plane = h * w;

        Tensor? images = null;
        if (samples.All(s => s.Image != null))
        {
            var data = new float[b * 3 * plane];
            for (int n = 0; n < b; n++)
            {
                var img = samples[n].Image!;
                int baseOffset = n * 3 * plane;
                // [h, w, 3] bytes -> [3, H, W] floats at the top-left.
                for (int y = 0; y < img.Height; y++)
                {
                    int src = y * img.Width * 3, dst = baseOffset + y * w;
                    for (int x = 0; x < img.Width; x++)
                    {
                        data[dst + x] = Normalised[img.Pixels[src + 3 * x]];
                        data[dst + plane + x] = Normalised[img.Pixels[src + 3 * x + 1]];
                        data[dst + 2 * plane + x] = Normalised[img.Pixels[src + 3 * x + 2]];
                    }
                }
            }
            images = tensor(data, [b, 3, h, w]);
        }

        DetectionTargets? detection = null;
        if (samples.All(s => s.Instances != null))
        {
            var boxes = new List<Tensor>();
            var labels = new List<Tensor>();
            var ids = new List<Tensor>();
            var crowd = new List<Tensor>();
            List<Tensor>? masks = includeMasks && samples.All(s => s.Instances!.All(i => i.Mask != null)) ? [] : null;
            foreach (var s in samples)
            {
                var inst = s.Instances!;
                boxes.Add(tensor(inst.SelectMany(i => new[] { i.Box.X0, i.Box.Y0, i.Box.X1, i.Box.Y1 }).ToArray(), [inst.Count, 4]));
                labels.Add(tensor(inst.Select(i => (long)i.Label).ToArray(), [inst.Count]));
                ids.Add(tensor(inst.Select(i => (long)i.CategoryId).ToArray(), [inst.Count]));
                crowd.Add(tensor(inst.Select(i => i.IsCrowd).ToArray(), [inst.Count]));
                if (masks != null)
                {
                    var m = new bool[inst.Count * plane];
                    for (int k = 0; k < inst.Count; k++)
                    {
                        var mask = inst[k].Mask!;
                        for (int y = 0; y < mask.Height; y++)
                            for (int x = 0; x < mask.Width; x++)
                                m[k * plane + y * w + x] = mask.Pixels[y * mask.Width + x] != 0;
                    }
                    masks.Add(tensor(m, [inst.Count, h, w]));
                }
            }
            detection = new DetectionTargets(boxes, labels, ids, crowd, masks);
        }

        DepthTargets? depth = null;
        if (samples.All(s => s.Depth != null))
        {
            var metres = new float[b * plane];
            var valid = new bool[b * plane];
            for (int n = 0; n < b; n++)
            {
                var d = samples[n].Depth!;
                for (int y = 0; y < d.Height; y++)
                {
                    Array.Copy(d.Metres, y * d.Width, metres, n * plane + y * w, d.Width);
                    Array.Copy(d.Valid, y * d.Width, valid, n * plane + y * w, d.Width);
                }
            }
            depth = new DepthTargets(tensor(metres, [b, 1, h, w]), tensor(valid, [b, 1, h, w]));
        }

        var kept = samples.Select(s => s with { Image = null }).ToList();
        return new Batch(kept, h, w, images, detection, depth);
    }
}
