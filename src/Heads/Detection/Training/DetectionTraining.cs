using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;
using PerceptionEncoder.Heads.Detection.Evaluation;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Training;

namespace PerceptionEncoder.Heads.Detection.Training;

/// <summary>
/// A detection training run from a COCO-layout split: builds the detector for the dataset's categories and the
/// features' backbone, trains it with the shared <see cref="HeadTrainer{TTargets, TPrediction}"/> (resume file
/// and head checkpoint after every epoch), and evaluates COCO bbox AP on the validation split every
/// <see cref="TrainOptions.EvalEvery"/> epochs and after the last.
/// </summary>
public static class DetectionTraining
{
    /// <summary>Runs (or resumes) the training.</summary>
    /// <param name="setup">What to train on and how.</param>
    /// <param name="onStep">Called after every optimiser step.</param>
    /// <param name="onEvaluation">Called with every validation result (its COCO summary is in <see cref="DetectionValidationResult.Evaluation"/>).</param>
    /// <param name="cancel">Stops the run between steps (the last finished epoch stays on disk).</param>
    public static DetectionTrainingOutcome Run(DetectionTrainingSetup setup, Action<StepRecord>? onStep = null,
        Action<int, DetectionValidationResult>? onEvaluation = null, CancellationToken cancel = default)
    {
        if (setup.ValSource != null && setup.ValFeatures == null)
            throw new ArgumentException("a validation split needs its feature source.");
        var features = setup.TrainFeatures.Info;
        if (features.ImageSize is { } cached && cached != setup.InputSize)
            throw new ArgumentException($"the feature cache holds {cached}x{cached} images but the input size is {setup.InputSize}.");
        var categories = setup.TrainSource.Categories;
        var config = (setup.Head ?? new FcosConfig { Layers = [], BackboneWidth = 0, PatchSize = 0, NumClasses = 0 }) with
        {
            Layers = features.Layers,
            BackboneWidth = features.Channels,
            PatchSize = features.PatchSize,
            NumClasses = categories.Count,
        };
        using var detector = new FcosDetector(config, initSeed: setup.Train.Seed);
        var metadata = new HeadMetadata
        {
            Task = detector.Task,
            Head = detector.Config,
            Layers = detector.Layers,
            Backbone = setup.Backbone,
            Input = new HeadInput("squash", setup.InputSize),
            Categories = categories.Categories.Select(c => new HeadCategory(c.Id, c.Name)).ToArray(),
        };

        var squash = new SquashResize(setup.InputSize);
        var transform = setup.TrainFeatures.FixedTransform
            ?? (setup.Flip ? SampleTransform.Compose(squash, new HorizontalFlip()) : squash);
        var trainItems = setup.TrainImages is { } limit ? setup.TrainSource.Take(limit) : setup.TrainSource;
        if (trainItems.Count == 0) throw new InvalidDataException($"{setup.TrainSource.AnnotationFile}: no training images.");
        var loader = new DataLoader(trainItems, transform, new DataLoaderOptions
        {
            BatchSize = setup.BatchSize,
            Shuffle = true,
            DropLast = trainItems.Count >= setup.BatchSize,
            Seed = setup.Train.Seed,
            Workers = setup.Workers,
            SizeDivisibility = features.PatchSize,
            Parts = setup.TrainFeatures.NeedsImages ? SampleParts.Image | SampleParts.Detection : SampleParts.Detection,
        });
        var data = new DetectionTrainingData(loader, setup.TrainFeatures);

        DetectionValidationResult? last = null;
        Func<int, IReadOnlyDictionary<string, double>>? evaluate = null;
        if (setup.ValSource != null)
        {
            evaluate = epoch =>
            {
                last = DetectionValidation.Run(detector, setup.ValFeatures!, setup.ValSource, squash, setup.BatchSize,
                    images: setup.ValImages);
                onEvaluation?.Invoke(epoch, last);
                return last.Metrics;
            };
        }

        var trainer = new HeadTrainer<BoxTargets, IReadOnlyList<IReadOnlyList<DetectedObject>>>(
            detector, setup.Backbone, setup.Train, setup.OutputDirectory, metadata);
        if (onStep != null) trainer.StepDone += onStep;
        var progress = trainer.Train(data, setup.Resume, evaluate, cancel);
        return new DetectionTrainingOutcome(progress, last, metadata with { EpochsTrained = progress.EpochsDone });
    }
}

/// <summary>What a training run ended with.</summary>
/// <param name="Progress">Losses and metrics of every step and evaluation (resumed runs included).</param>
/// <param name="LastValidation">The last validation run of this process, or null.</param>
/// <param name="Metadata">The metadata of the exported head.</param>
public sealed record DetectionTrainingOutcome(TrainingProgress Progress, DetectionValidationResult? LastValidation, HeadMetadata Metadata);
