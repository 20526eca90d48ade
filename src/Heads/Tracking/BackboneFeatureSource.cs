using PerceptionEncoder.Backbone;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// Features computed on the fly by a backbone: each frame is read and resized as the protocol does
/// (<see cref="FrameLoader"/>), normalised for the backbone (PE: x = pixel/255·2 − 1), and one block's patch map is
/// taken. Every frame's size is checked up front (headers only).
/// </summary>
public sealed class BackboneFeatureSource : IFrameFeatureSource
{
    private readonly IFeatureBackbone _backbone;
    private readonly IReadOnlyList<string> _frames;
    private readonly FramePreprocessing _preprocessing;
    private readonly int _layer;

    /// <param name="backbone">The feature extractor (not owned).</param>
    /// <param name="framePaths">The frames' image files in order (JPEG, PNG…).</param>
    /// <param name="layer">Block index, negative from the end (-1 = last, PE-Spatial's choice).</param>
    /// <param name="preprocessing">Resize rule and pixel normalisation.</param>
    public BackboneFeatureSource(IFeatureBackbone backbone, IReadOnlyList<string> framePaths, int layer = -1,
        FramePreprocessing? preprocessing = null)
    {
        if (framePaths.Count == 0) throw new ArgumentException("no frames given.");
        _backbone = backbone;
        _frames = framePaths;
        _preprocessing = (preprocessing ?? new FramePreprocessing()).Validate();
        _layer = backbone.ResolveLayers([layer])[0];
        FrameIds = framePaths.Select(Path.GetFileNameWithoutExtension).Select(s => s!).ToArray();
        var size = FrameLoader.ReadSize(framePaths[0]);
        foreach (string frame in framePaths.Skip(1))
        {
            var other = FrameLoader.ReadSize(frame);
            if (other != size)
                throw new InvalidDataException(
                    $"{frame}: frame of {other.Width}×{other.Height} but {framePaths[0]} is {size.Width}×{size.Height}; " +
                    "all frames of a video must have the same size.");
        }
        OriginalSize = size;
    }

    public IReadOnlyList<string> FrameIds { get; }

    public (int Height, int Width)? OriginalSize { get; }

    /// <summary>The 0-based block whose output is used.</summary>
    public int Layer => _layer;

    public Tensor Features(int index)
    {
        using var scope = NewDisposeScope();
        var (image, height, width) = FrameLoader.Read(_frames[index], _preprocessing);
        if ((height, width) != OriginalSize)
            throw new InvalidDataException($"{_frames[index]}: decoded as {width}×{height}, its header said {OriginalSize!.Value.Width}×{OriginalSize.Value.Height}.");
        var batch = image.unsqueeze(0).to(_backbone.Device); // [3, H, W] -> [1, 3, H, W]
        using var maps = _backbone.Extract(batch, [_layer]);
        return maps[_layer][0].to(ScalarType.Float32, CPU).contiguous().MoveToOuterDisposeScope(); // [1, C, h, w] -> [C, h, w]
    }

    public void Dispose() { }
}
