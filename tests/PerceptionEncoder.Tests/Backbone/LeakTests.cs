using PerceptionEncoder.Backbone;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Backbone;

/// <summary>Inference must leave no tensor behind (thousands of images with flat memory).</summary>
public sealed class LeakTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Extract_ThenDisposeMaps_LeavesNoLiveTensors(ScalarType dtype)
    {
        using var backbone = PeBackbone.CreateRandom(TinyModels.Full, seed: 1, dtype);
        using var images = rand(2, 3, 40, 48) * 2 - 1;
        // Warm up: the RoPE table of this grid is cached once (owned by the model).
        backbone.Extract(images, [0, -1]).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++)
        {
            using var maps = backbone.Extract(images, [0, -1]);
            Assert.Equal([2, 32, 5, 6], maps[1].shape);
        }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void ForwardAndForwardFeatures_ThenDisposeOutputs_LeaveNoLiveTensors()
    {
        using var backbone = PeBackbone.CreateRandom(TinyModels.Full, seed: 2);
        using var images = rand(1, 3, 32, 32);
        backbone.Forward(images).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
        {
            using var output = backbone.Forward(images);
            using var features = backbone.ForwardFeatures(images, layerIndex: 0, norm: true, stripClassToken: true);
            Assert.Equal([1, 16], output.shape);
            Assert.Equal([1, 16, 32], features.shape);
        }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
