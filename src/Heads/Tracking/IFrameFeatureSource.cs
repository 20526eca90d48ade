using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// The frames of one video as feature maps, produced one at a time so that a video of any length is tracked in
/// constant memory.
/// </summary>
public interface IFrameFeatureSource : IDisposable
{
    /// <summary>Frame ids in order (file names without extension); results are written as <c>&lt;id&gt;.png</c>.</summary>
    IReadOnlyList<string> FrameIds { get; }

    /// <summary>The original frame size (from the frames themselves), or null when only features are known.</summary>
    (int Height, int Width)? OriginalSize { get; }

    /// <summary>The features of frame <paramref name="index"/>.</summary>
    /// <returns>[C, h, w] float32 on the CPU, the same grid for every frame; the caller owns it.</returns>
    /// <exception cref="InvalidDataException">An unreadable or inconsistent frame; the message names its file.</exception>
    Tensor Features(int index);
}
