using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads.Detection;
using PerceptionEncoder.Heads.Training;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Detection;

/// <summary>
/// Feature maps with objects drawn straight into them (no backbone): on a [C, h, w] map of patch 16, an object of
/// class k covering cells [r0, r1) x [c0, c1) sets channel k to 1 over those cells, over small noise. Its box is
/// the cells' pixels. Deterministic for a seed.
/// </summary>
internal sealed class ToyFeatureScenes(int seed, int images, int batchSize) : ITrainingData<BoxTargets>
{
    public const int Channels = 8, Size = 8, Patch = 16, Classes = 2;

    public int BatchesPerEpoch => images / batchSize;

    public IEnumerable<TrainingBatch<BoxTargets>> ReadEpoch(int epoch)
    {
        for (int b = 0; b < BatchesPerEpoch; b++)
            yield return Batch(Enumerable.Range(b * batchSize, batchSize));
    }

    public TrainingBatch<BoxTargets> Batch(IEnumerable<int> indices)
    {
        var maps = new List<Tensor>();
        var targets = new List<IReadOnlyList<GroundTruthBox>>();
        foreach (int index in indices)
        {
            var (map, objects) = Scene(index);
            maps.Add(map);
            targets.Add(objects);
        }
        var features = stack(maps);                                          // [B, C, h, w]
        foreach (var m in maps) m.Dispose();
        return new TrainingBatch<BoxTargets>(new FeatureMaps([0], [features], null), new BoxTargets(targets));
    }

    public (Tensor Map, GroundTruthBox[] Objects) Scene(int index)
    {
        var random = new Random(seed * 7919 + index);
        var generator = new Generator((ulong)(seed * 7919 + index));
        var map = randn(Channels, Size, Size, generator: generator) * 0.1f;
        var objects = new List<GroundTruthBox>();
        int count = 1 + random.Next(2);
        for (int o = 0; o < count; o++)
        {
            int k = random.Next(Classes);
            int height = 2 + random.Next(3), width = 2 + random.Next(3);
            int r0 = random.Next(Size - height + 1), c0 = random.Next(Size - width + 1);
            map[k, r0..(r0 + height), c0..(c0 + width)] = tensor(1f);
            objects.Add(new GroundTruthBox(new BoxXyxy(c0 * Patch, r0 * Patch, (c0 + width) * Patch, (r0 + height) * Patch), k));
        }
        return (map, objects.ToArray());
    }
}
