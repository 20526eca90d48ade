using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Heads.Training;

namespace PerceptionEncoder.Heads.Detection.Training;

/// <summary>
/// The training split of a detection dataset as the <see cref="HeadTrainer{TTargets, TPrediction}"/> reads it:
/// batches of a <see cref="DataLoader"/> (deterministic for its seed and the epoch) with their features from an
/// <see cref="IFeatureSource"/> (the backbone online, or a feature cache) and their boxes as <see cref="BoxTargets"/>.
/// </summary>
public sealed class DetectionTrainingData : ITrainingData<BoxTargets>
{
    private readonly DataLoader _loader;
    private readonly IFeatureSource _features;

    /// <param name="loader">The split's loader; it must load <see cref="SampleParts.Detection"/>, and images when the source needs them.</param>
    /// <param name="features">Where features come from.</param>
    public DetectionTrainingData(DataLoader loader, IFeatureSource features)
    {
        if ((loader.Options.Parts & SampleParts.Detection) == 0)
            throw new ArgumentException("the loader must load detection targets (SampleParts.Detection).");
        if (features.NeedsImages && (loader.Options.Parts & SampleParts.Image) == 0)
            throw new ArgumentException("online features need the images: load them (SampleParts.Image).");
        _loader = loader;
        _features = features;
    }

    public int BatchesPerEpoch => _loader.BatchesPerEpoch;

    public IEnumerable<TrainingBatch<BoxTargets>> ReadEpoch(int epoch)
    {
        foreach (var batch in _loader.Epoch(epoch))
        {
            TrainingBatch<BoxTargets> item;
            using (batch)
                item = new TrainingBatch<BoxTargets>(_features.GetFeatures(batch), TargetsOf(batch.Samples));
            yield return item;
        }
    }

    /// <summary>The boxes of loaded samples (in their current pixel frame) as head targets.</summary>
    public static BoxTargets TargetsOf(IReadOnlyList<Sample> samples) => new(samples
        .Select(s => (IReadOnlyList<GroundTruthBox>)(s.Instances ?? [])
            .Select(i => new GroundTruthBox(new BoxXyxy(i.Box.X0, i.Box.Y0, i.Box.X1, i.Box.Y1), i.Label, i.IsCrowd))
            .ToArray())
        .ToArray());
}
