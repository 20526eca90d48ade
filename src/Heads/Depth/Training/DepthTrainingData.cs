using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Heads.Training;

namespace PerceptionEncoder.Heads.Depth.Training;

/// <summary>
/// The training batches of a depth head: the loader's batches (depth and validity at the batch's pixel size) with
/// the features of the same images, computed online by the backbone or read from a feature cache.
/// </summary>
public sealed class DepthTrainingData : ITrainingData<DepthGroundTruth>
{
    private readonly DataLoader _loader;
    private readonly IFeatureSource _features;

    /// <param name="loader">Batches with <see cref="Data.Samples.SampleParts.Depth"/> (and images when <paramref name="features"/> needs them).</param>
    /// <param name="features">Where the maps of the head's layers come from.</param>
    public DepthTrainingData(DataLoader loader, IFeatureSource features)
    {
        _loader = loader;
        _features = features;
    }

    public int BatchesPerEpoch => _loader.BatchesPerEpoch;

    public IEnumerable<TrainingBatch<DepthGroundTruth>> ReadEpoch(int epoch)
    {
        foreach (var batch in _loader.Epoch(epoch))
        {
            using (batch)
            {
                var depth = batch.Depth ?? throw new InvalidDataException(
                    $"{_loader.Source.Name}: the batch of '{batch.Ids[0]}' has no depth targets; a depth head trains on a dataset with depth.");
                var maps = _features.GetFeatures(batch);
                yield return new TrainingBatch<DepthGroundTruth>(maps, new DepthGroundTruth(depth.Depth.alias(), depth.Valid.alias()));
            }
        }
    }
}
