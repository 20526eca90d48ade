using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Training;

namespace PerceptionEncoder.Heads.Detection.Training;

/// <summary>Everything a detection training run needs (see <see cref="DetectionTraining.Run"/>).</summary>
public sealed record DetectionTrainingSetup
{
    /// <summary>The training split (COCO layout; item ids are image ids).</summary>
    public required CocoSampleSource TrainSource { get; init; }

    /// <summary>Features of the training split (online or a cache of that split).</summary>
    public required IFeatureSource TrainFeatures { get; init; }

    /// <summary>Train on the first this many images only (null: all).</summary>
    public int? TrainImages { get; init; }

    /// <summary>The validation split, or null for none.</summary>
    public CocoSampleSource? ValSource { get; init; }

    /// <summary>Features of the validation split (required with <see cref="ValSource"/>).</summary>
    public IFeatureSource? ValFeatures { get; init; }

    /// <summary>Validate on the first this many images only (null: all).</summary>
    public int? ValImages { get; init; }

    /// <summary>The backbone the features come from (stored in the checkpoint; a resumed run must match it).</summary>
    public required BackboneSpec Backbone { get; init; }

    /// <summary>Images are squash-resized to this square size (a cache's own size when features come from one).</summary>
    public required int InputSize { get; init; }

    /// <summary>
    /// The head's shape; its layers, backbone width, patch and class count are filled in from the features and the
    /// dataset.
    /// </summary>
    public FcosConfig? Head { get; init; }

    public required TrainOptions Train { get; init; }

    public int BatchSize { get; init; } = 8;

    /// <summary>Random horizontal flips (online features only: a cache holds fixed images).</summary>
    public bool Flip { get; init; } = true;

    /// <summary>Loader threads.</summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>The output folder: resume state, head checkpoint, loss.csv.</summary>
    public required string OutputDirectory { get; init; }

    public bool Resume { get; init; }
}
