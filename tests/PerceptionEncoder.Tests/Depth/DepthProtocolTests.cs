using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Depth;
using PerceptionEncoder.Heads.Depth.Dpt;
using PerceptionEncoder.Heads.Depth.Evaluation;
using PerceptionEncoder.Heads.Depth.Inference;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Tests.Backbone;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Depth;

/// <summary>Inputs the NYU protocol has to say something about: no valid GT, NaN predictions, sizes that differ.</summary>
public sealed class DepthProtocolTests
{
    private static readonly PeConfig Tiny = TinyModels.SpatialLike("tiny-depth", patchSize: 16, width: 32, layers: 2, heads: 2, imageSize: 32, mlpRatio: 2);

    [Fact]
    public void Validate_ImageWithoutValidGroundTruth_IsLeftOutAndCounted()
    {
        using var backbone = PeBackbone.CreateRandom(Tiny, seed: 1);
        manual_seed(2);
        using var head = new DptDepthConfig { Features = 32 }.Create(BackboneSpec.Of(backbone));
        var source = new DepthSource([
            Item("with-depth", 40, 30, 2.5f),
            Item("no-depth", 40, 30, 0f),
        ]);
        using var features = new OnlineFeatureSource(backbone, head.Layers);
        var result = DepthValidation.Evaluate(head, features, source, new SquashResize(32), eigenCrop: false);
        Assert.Equal(1, result.Head["count"]);
        Assert.Equal(1, result.Head["skipped"]);
        Assert.True(double.IsFinite(result.Head["abs_rel"]));
    }

    [Fact]
    public void Predict_FeaturesWithNaN_IsRejectedNamingTheImage()
    {
        using var backbone = new NaNBackbone(PeBackbone.CreateRandom(Tiny, seed: 1));
        using var head = new DptDepthConfig { Features = 32 }.Create(BackboneSpec.Of(backbone));
        var predictor = new DepthPredictor(backbone, head, imageSize: 32);
        var image = new RgbImage(20, 10, new byte[20 * 10 * 3]);
        var e = Assert.Throws<InvalidDataException>(() => predictor.Predict(image, "kitchen/rgb_1.jpg"));
        Assert.Contains("kitchen/rgb_1.jpg", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void Predict_ImageOfAnyAspect_ComesBackAtItsOwnSizeInRange()
    {
        using var backbone = PeBackbone.CreateRandom(Tiny, seed: 1);
        using var head = new DptDepthConfig { Features = 32 }.Create(BackboneSpec.Of(backbone));
        var image = new RgbImage(37, 21, Enumerable.Range(0, 37 * 21 * 3).Select(i => (byte)(i * 7)).ToArray());
        foreach (int? size in new int?[] { 32, null })
        {
            var depth = new DepthPredictor(backbone, head, size).Predict(image);
            Assert.Equal((21, 37), (depth.Height, depth.Width));
            Assert.All(depth.Metres, v => Assert.InRange(v, DepthRange.Nyu.Min, DepthRange.Nyu.Max));
        }
    }

    [Fact]
    public void Predictor_HeadOfAnotherBackbone_IsRefused()
    {
        using var backbone = PeBackbone.CreateRandom(Tiny, seed: 1);
        using var other = PeBackbone.CreateRandom(Tiny, seed: 2);
        using var head = new DptDepthConfig { Features = 32 }.Create(BackboneSpec.Of(other));
        var e = Assert.Throws<InvalidDataException>(() => new DepthPredictor(backbone, head, 32));
        Assert.Contains("random:2", e.Message);
    }

    private static Sample Item(string id, int width, int height, float metres)
    {
        var pixels = new byte[width * height * 3];
        new Random(id.Length).NextBytes(pixels);
        var depth = Enumerable.Repeat(metres, width * height).ToArray();
        return Sample.Create(id, width, height) with
        {
            Image = new RgbImage(width, height, pixels),
            Depth = new DepthTarget(width, height, depth, [.. depth.Select(d => d > 0)]),
        };
    }

    private sealed class DepthSource(IReadOnlyList<Sample> samples) : ISampleSource
    {
        public string Name => "test depth";
        public int Count => samples.Count;
        public CategoryMap? Categories => null;
        public string ItemId(int index) => samples[index].Id;
        public string ItemPath(int index) => samples[index].Id + ".png";

        public Sample Load(int index, SampleParts parts) => (parts & SampleParts.Image) != 0 ? samples[index] : samples[index] with { Image = null };
    }

    /// <summary>A backbone whose maps are all NaN.</summary>
    private sealed class NaNBackbone(PeBackbone inner) : IFeatureBackbone
    {
        public string Name => inner.Name;
        public string WeightsId => inner.WeightsId;
        public bool IsRandom => true;
        public int PatchSize => inner.PatchSize;
        public int Width => inner.Width;
        public int Depth => inner.Depth;
        public int ImageSize => inner.ImageSize;
        public bool HasClassToken => inner.HasClassToken;
        public Device Device => inner.Device;
        public ScalarType DType => inner.DType;
        public IReadOnlyList<int> ResolveLayers(IEnumerable<int> layers) => inner.ResolveLayers(layers);

        public FeatureMaps Extract(Tensor images, IReadOnlyList<int> layers)
        {
            using var maps = inner.Extract(images, layers);
            return new FeatureMaps(maps.Layers, [.. maps.Layers.Select(l => full_like(maps[l], float.NaN))],
                [.. maps.Layers.Select(l => full_like(maps.ClassToken(l)!, float.NaN))]);
        }

        public void Dispose() => inner.Dispose();
    }
}
