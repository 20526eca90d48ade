using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// One propagated frame, as handed to an observer of <see cref="VideoTracker.Track"/>. The tensor is only valid during
/// the callback (copy what you keep).
/// </summary>
/// <param name="Index">Frame index t ≥ 1 (frame 0 is the annotation).</param>
/// <param name="FrameId">File name without extension.</param>
/// <param name="Soft">[K, h, w] soft mask, exactly what enters the context.</param>
/// <param name="ProcessedLabels">Argmax labels at the processed size [h·p, w·p].</param>
/// <param name="Labels">Labels at the original frame size, as written.</param>
public sealed record PropagatedFrame(int Index, string FrameId, Tensor Soft, IndexedImage ProcessedLabels, IndexedImage Labels);
