using PerceptionEncoder.Backbone;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Inference;

/// <summary>
/// A frozen backbone and a trained detection head, from images to detections in their own coordinates: each image
/// is squash-resized to the head's input size (as in training), the head's detections are mapped back to the
/// original pixels and labelled with the categories stored in the head checkpoint.
/// </summary>
public sealed class DetectionPipeline : IDisposable
{
    private readonly IFeatureBackbone _backbone;

    private DetectionPipeline(IFeatureBackbone backbone, FcosDetector detector, HeadMetadata metadata)
    {
        _backbone = backbone;
        Detector = detector;
        Metadata = metadata;
        Categories = new DetectionCategories(metadata.Categories!);
    }

    /// <summary>
    /// Loads a head checkpoint (its folder or its <c>head.safetensors</c>) for <paramref name="backbone"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint is not a detection head, lacks its categories, was trained
    /// on another backbone (the message names both), or its weights do not fit.</exception>
    public static DetectionPipeline Open(IFeatureBackbone backbone, string headPath)
    {
        var metadata = HeadCheckpoint.ReadMetadata(headPath);
        if (metadata.Task != FcosDetector.TaskName)
            throw new InvalidDataException($"{headPath}: a '{metadata.Task}' head, not a detection head; use `pe {metadata.Task}` with it.");
        metadata.Backbone.EnsureSameAs(BackboneSpec.Of(backbone), headPath);
        if (metadata.Categories is not { Count: > 0 })
            throw new InvalidDataException($"{headPath}: the head metadata lists no categories.");
        if (metadata.Input.Resize != "squash")
            throw new InvalidDataException($"{headPath}: input resize '{metadata.Input.Resize}' is not supported by the detector (only 'squash').");
        FcosDetector detector;
        try
        {
            detector = FcosDetector.FromConfig(metadata.Head);
        }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"{headPath}: the head config is not a valid detector ({e.Message}).", e);
        }
        try
        {
            if (detector.Settings.NumClasses != metadata.Categories.Count)
                throw new InvalidDataException(
                    $"{headPath}: the head predicts {detector.Settings.NumClasses} classes but lists {metadata.Categories.Count} categories.");
            HeadCheckpoint.LoadWeights(headPath, detector);
            detector.Module.eval();
            return new DetectionPipeline(backbone, detector, metadata);
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }

    public FcosDetector Detector { get; }

    public HeadMetadata Metadata { get; }

    public DetectionCategories Categories { get; }

    /// <summary>The square side images are resized to.</summary>
    public int InputSize => Metadata.Input.Size;

    /// <summary>Detections of each image, best first, in its original pixel coordinates.</summary>
    public IReadOnlyList<IReadOnlyList<LabeledDetection>> Detect(IReadOnlyList<RgbImage> images, DetectionPostprocessOptions? options = null)
    {
        if (images.Count == 0) return [];
        using var scope = NewDisposeScope();
        using var batch = PeImageTransform.ToBatch(images, InputSize, _backbone.PatchSize);    // [B, 3, S, S]
        using var input = batch.to(_backbone.Device);
        using var features = _backbone.Extract(input, Detector.Layers);
        var predictions = Detector.Predict(features, options ?? Detector.Settings.Postprocess);
        var results = new IReadOnlyList<LabeledDetection>[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            float scaleX = (float)images[i].Width / InputSize, scaleY = (float)images[i].Height / InputSize;
            results[i] = predictions[i]
                .Select(d => (Detection: d, Box: d.Box.Map(scaleX, scaleY).Clip(images[i].Width, images[i].Height)))
                .Where(p => p.Box.Width > 0 && p.Box.Height > 0)
                .Select(p => new LabeledDetection(p.Box, p.Detection.Score, Categories[p.Detection.ClassIndex].Id, Categories[p.Detection.ClassIndex].Name))
                .ToArray();
        }
        return results;
    }

    /// <summary>Disposes the head; the backbone belongs to the caller.</summary>
    public void Dispose() => Detector.Dispose();
}
