using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// Tracks the objects of a first-frame annotation through a video and writes the DAVIS results of the sequence:
/// <c>&lt;out&gt;/&lt;frame id&gt;.png</c> palette PNGs at the original frame size, frame 0 being the annotation itself.
/// </summary>
/// <param name="options">Propagation parameters.</param>
/// <param name="patchSize">Upsampling factor from the feature grid to the processed frame (the backbone's patch).</param>
public sealed class VideoTracker(PropagationOptions options, int patchSize)
{
    private readonly PropagationOptions _options = options.Validate();

    public int PatchSize { get; } = patchSize >= 1 ? patchSize : throw new ArgumentException($"patch must be positive (got {patchSize}).");

    /// <summary>
    /// Propagates the first-frame annotation through every frame of <paramref name="frames"/>.
    /// </summary>
    /// <param name="frames">The video's features, frame 0 first.</param>
    /// <param name="firstMaskPath">Annotation of frame 0 (object ids; see <see cref="FirstFrameMask.Read"/>).</param>
    /// <param name="outputDirectory">Where <c>&lt;frame id&gt;.png</c> go (created); null writes nothing.</param>
    /// <param name="progress">Receives the number of frames done (frame 0 included).</param>
    /// <param name="observer">Called for every propagated frame (t ≥ 1).</param>
    public void Track(IFrameFeatureSource frames, string firstMaskPath, string? outputDirectory,
        IProgress<int>? progress = null, Action<PropagatedFrame>? observer = null)
    {
        var mask = FirstFrameMask.Read(firstMaskPath);
        var (height, width) = frames.OriginalSize ?? (mask.Height, mask.Width);
        if ((mask.Height, mask.Width) != (height, width))
            throw new InvalidDataException(
                $"{firstMaskPath}: the mask is {mask.Width}×{mask.Height} but the frames are {width}×{height}.");

        using (var first = frames.Features(0))
        using (var oneHot = FirstFrameMask.OneHot(mask, (int)first.shape[1], (int)first.shape[2]))
        using (var propagator = new LabelPropagator(first, oneHot, _options))
        {
            if (outputDirectory != null)
            {
                Directory.CreateDirectory(outputDirectory);
                Png.WriteIndexed(Path.Combine(outputDirectory, frames.FrameIds[0] + ".png"), mask with { Palette = Palettes.Davis });
            }
            progress?.Report(1);
            for (int t = 1; t < frames.FrameIds.Count; t++)
            {
                using var features = frames.Features(t);
                if (features.shape[1] != first.shape[1] || features.shape[2] != first.shape[2] || features.shape[0] != first.shape[0])
                    throw new InvalidDataException(
                        $"frame {frames.FrameIds[t]}: features [{string.Join(", ", features.shape)}] differ from frame " +
                        $"{frames.FrameIds[0]}'s [{string.Join(", ", first.shape)}].");
                using var soft = propagator.Propagate(features);
                var (processed, labels) = MaskDecoding.Decode(soft, PatchSize, height, width);
                if (outputDirectory != null)
                    Png.WriteIndexed(Path.Combine(outputDirectory, frames.FrameIds[t] + ".png"), labels);
                observer?.Invoke(new PropagatedFrame(t, frames.FrameIds[t], soft, processed, labels));
                progress?.Report(t + 1);
            }
        }
    }
}
