using PerceptionEncoder.Heads.Detection.Layers;
using PerceptionEncoder.Heads.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Fcos;

/// <summary>
/// The FCOS prediction head, shared by every pyramid level: a classification tower and a box tower (3x3
/// convolutions, GroupNorm, ReLU), class logits from the first, box codes and a quality logit (centreness or IoU)
/// from the second, and one learnt scale per level on the box codes.
/// </summary>
public sealed class FcosHeadModule : nn.Module<Tensor[], FcosRawOutput>
{
    private readonly Sequential cls_tower;
    private readonly Sequential bbox_tower;
    private readonly PaddedConv2d cls_logits;
    private readonly PaddedConv2d bbox_pred;
    private readonly PaddedConv2d quality;
    private readonly Parameter scales;

    /// <param name="channels">Channels of every pyramid level.</param>
    /// <param name="numClasses">K, the number of categories.</param>
    /// <param name="towerConvs">3x3 convolutions per tower (FCOS uses 4).</param>
    /// <param name="numLevels">Pyramid levels the head runs on (one box scale each).</param>
    /// <param name="priorProbability">The initial foreground probability of every class logit (focal-loss initialisation).</param>
    public FcosHeadModule(int channels, int numClasses, int towerConvs, int numLevels, double priorProbability = 0.01)
        : base(nameof(FcosHeadModule))
    {
        NumClasses = numClasses;
        cls_tower = Tower(channels, towerConvs);
        bbox_tower = Tower(channels, towerConvs);
        cls_logits = new PaddedConv2d(channels, numClasses, 3);
        bbox_pred = new PaddedConv2d(channels, 4, 3);
        quality = new PaddedConv2d(channels, 1, 3);
        scales = nn.Parameter(ones(numLevels));
        RegisterComponents();

        using (no_grad())
        {
            // Convolutions N(0, 0.01) with zero bias as FCOS does, norms the identity.
            foreach (var (name, parameter) in named_parameters())
            {
                bool isNorm = name.Contains(".norm", StringComparison.Ordinal);
                if (name.EndsWith(".weight", StringComparison.Ordinal))
                {
                    if (isNorm) nn.init.ones_(parameter);
                    else nn.init.normal_(parameter, std: 0.01);
                }
                else if (name.EndsWith(".bias", StringComparison.Ordinal))
                {
                    nn.init.zeros_(parameter);
                }
            }
            nn.init.constant_(cls_logits.Bias, -Math.Log((1 - priorProbability) / priorProbability));
        }
    }

    public int NumClasses { get; }

    /// <summary>Runs the head on every level.</summary>
    /// <param name="levels">Per level [B, channels, h_l, w_l].</param>
    /// <returns>Outputs flattened over the levels' locations in (level, y, x) order.</returns>
    public override FcosRawOutput forward(Tensor[] levels)
    {
        using var scope = NewDisposeScope();
        var logits = new List<Tensor>();
        var codes = new List<Tensor>();
        var qualities = new List<Tensor>();
        var sizes = new (long, long)[levels.Length];
        for (int l = 0; l < levels.Length; l++)
        {
            sizes[l] = (levels[l].shape[2], levels[l].shape[3]);
            var clsFeatures = cls_tower.forward(levels[l]);
            var boxFeatures = bbox_tower.forward(levels[l]);
            logits.Add(Flatten(cls_logits.forward(clsFeatures)));                  // [B, h*w, K]
            codes.Add(Flatten(bbox_pred.forward(boxFeatures) * scales[l]));        // [B, h*w, 4]
            qualities.Add(Flatten(quality.forward(boxFeatures)).squeeze(-1));      // [B, h*w]
        }
        return new FcosRawOutput(
            cat(logits, 1).MoveToOuterDisposeScope(),
            cat(codes, 1).MoveToOuterDisposeScope(),
            cat(qualities, 1).MoveToOuterDisposeScope(),
            sizes);
    }

    private static Tensor Flatten(Tensor map) => map.flatten(2).transpose(1, 2);   // [B, C, h, w] -> [B, h*w, C]

    private static Sequential Tower(int channels, int convs)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < convs; i++)
        {
            modules.Add(($"conv{i}", nn.Conv2d(channels, channels, kernel_size: 3, padding: 1)));
            modules.Add(($"norm{i}", new GroupNorm2d(GroupCount(channels), channels)));
            modules.Add(($"relu{i}", nn.ReLU()));
        }
        return nn.Sequential(modules);
    }

    /// <summary>32 groups as FCOS uses, or the largest divisor of the channels below that.</summary>
    private static int GroupCount(int channels)
    {
        for (int g = 32; g > 1; g--)
            if (channels % g == 0) return g;
        return 1;
    }
}

/// <summary>The FCOS head's outputs for a batch, flattened over all levels' locations N (level, y, x order).</summary>
/// <param name="ClassLogits">[B, N, K]</param>
/// <param name="BoxCodes">[B, N, 4], see <see cref="BoxCoder"/>.</param>
/// <param name="QualityLogits">[B, N]: centreness or IoU logit.</param>
/// <param name="LevelSizes">Per pyramid level its map size (h, w); N is the sum of h * w.</param>
public sealed record FcosRawOutput(Tensor ClassLogits, Tensor BoxCodes, Tensor QualityLogits,
    IReadOnlyList<(long Height, long Width)> LevelSizes) : IDisposable
{
    public void Dispose()
    {
        ClassLogits.Dispose();
        BoxCodes.Dispose();
        QualityLogits.Dispose();
    }
}
