using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Heads.Training;

namespace PerceptionEncoder.Heads.Depth.Training;

/// <summary>
/// Everything a depth-head training run needs. Features come online from <see cref="Backbone"/> (images
/// squash-resized to <see cref="ImageSize"/>, optionally flipped) or from feature caches made by <c>pe cache</c>
/// (<see cref="TrainCache"/>, <see cref="ValidationCache"/>; no augmentation is possible then); targets always come
/// from the dataset sources.
/// </summary>
public sealed record DepthTrainingSetup
{
    public required DepthHeadConfig Head { get; init; }

    public required TrainOptions Options { get; init; }

    /// <summary>The head's folder: resume state, head.safetensors + head.json, loss.csv, metrics.json, baselines.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>The training split (NYU layout).</summary>
    public required ISampleSource Train { get; init; }

    /// <summary>The validation split; null: no validation (and no baselines).</summary>
    public ISampleSource? Validation { get; init; }

    /// <summary>The frozen backbone for online features (and validation without a validation cache); not disposed here.</summary>
    public IFeatureBackbone? Backbone { get; init; }

    /// <summary>A feature cache of the training split; null: features online from <see cref="Backbone"/>.</summary>
    public string? TrainCache { get; init; }

    /// <summary>A feature cache of the validation split; null: validation features online (needs <see cref="Backbone"/>).</summary>
    public string? ValidationCache { get; init; }

    /// <summary>Square input size for online features; null: the backbone's pretraining size. A cache fixes its own.</summary>
    public int? ImageSize { get; init; }

    /// <summary>Random horizontal flips of online training images (p = 0.5).</summary>
    public bool Flip { get; init; } = true;

    public int BatchSize { get; init; } = 8;

    /// <summary>Images decoded at once.</summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Score validation inside the Eigen crop (rows 45..470, columns 41..600, sliced as numpy does on smaller maps).</summary>
    public bool EigenCrop { get; init; } = true;

    /// <summary>Grid [height, width] of the per-pixel median baseline.</summary>
    public (int Height, int Width) BaselineGrid { get; init; } = (120, 160);
}
