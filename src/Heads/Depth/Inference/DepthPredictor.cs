using PerceptionEncoder.Backbone;
using PerceptionEncoder.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using DepthMap = PerceptionEncoder.Eval.Formats.Nyu.DepthMap;

namespace PerceptionEncoder.Heads.Depth.Inference;

/// <summary>
/// Depth for whole images: the backbone's preprocessing (squash-resize to N×N, or the native size floored to the
/// patch), the backbone, the head, then the prediction brought back to the image's own size (bilinear,
/// align_corners=true; in native mode the few rows/columns the patch grid drops are filled from the edge) and
/// clamped to the head's range. Does not own the backbone or the head.
/// </summary>
public sealed class DepthPredictor
{
    private readonly IFeatureBackbone _backbone;
    private readonly DepthHead _head;

    /// <param name="imageSize">Squash-resize to this square size; null: native size (floored to the patch).</param>
    public DepthPredictor(IFeatureBackbone backbone, DepthHead head, int? imageSize)
    {
        head.Backbone.EnsureSameAs(BackboneSpec.Of(backbone), "the depth head");
        _backbone = backbone;
        _head = head;
        ImageSize = imageSize;
    }

    public int? ImageSize { get; }

    /// <summary>Depth in metres at the image's size, float32 [H, W] row-major.</summary>
    /// <exception cref="InvalidDataException">The prediction holds NaN (the features did), naming <paramref name="name"/>.</exception>
    public DepthMap Predict(RgbImage image, string name = "image") => PredictBatch([image], [name])[0];

    /// <summary>Depth for several images in one backbone pass (they must share the processed size: squash mode, or equal sizes).</summary>
    public IReadOnlyList<DepthMap> PredictBatch(IReadOnlyList<RgbImage> images, IReadOnlyList<string>? names = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _head.eval();
        var input = PeImageTransform.ToBatch(images, ImageSize, _backbone.PatchSize).to(_backbone.Device); // [B, 3, H, W]
        using var features = _backbone.Extract(input, _head.Layers);
        var depth = _head.Predict(features).to(CPU); // [B, 1, H', W']
        var results = new List<DepthMap>();
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            var one = depth.narrow(0, i, 1); // [1, 1, H', W']
            if (ImageSize is null)
                one = nn.functional.pad(one, [0, image.Width - one.shape[3], 0, image.Height - one.shape[2]], PaddingModes.Replicate);
            var full = DepthResize.ToSize(one, image.Height, image.Width).clamp(_head.Range.Min, _head.Range.Max).contiguous();
            var metres = full.data<float>().ToArray();
            if (metres.Any(float.IsNaN))
                throw new InvalidDataException($"{names?[i] ?? $"image {i}"}: the depth head predicted NaN (the backbone features hold NaN or infinities).");
            results.Add(new DepthMap(image.Height, image.Width, metres));
        }
        return results;
    }
}
