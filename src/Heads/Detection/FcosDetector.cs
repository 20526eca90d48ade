using System.Text.Json;
using System.Text.Json.Nodes;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Detection.Postprocessing;
using PerceptionEncoder.Heads.Detection.Pyramid;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection;

/// <summary>
/// A one-stage anchor-free detector (FCOS: centre sampling, focal loss, GIoU loss, centreness or IoU quality) on a
/// ViTDet simple feature pyramid built from frozen PE maps. Predictions are in the processed pixel frame of the
/// features: an input map [B, C, h, w] of patch p covers an image of h*p x w*p pixels.
/// </summary>
public sealed class FcosDetector : IDenseHead<BoxTargets, IReadOnlyList<IReadOnlyList<DetectedObject>>>
{
    public const string TaskName = "detection";

    private readonly FcosModel _model;
    private readonly FcosTargetAssigner _assigner;

    /// <param name="config">The detector's shape; validated.</param>
    /// <param name="initSeed">Seeds torch before the weights are initialised (deterministic heads for a seed).</param>
    public FcosDetector(FcosConfig config, int? initSeed = null)
    {
        config.Validate();
        Settings = config;
        if (initSeed is int seed) manual_seed(seed);
        _model = new FcosModel(config);
        _assigner = new FcosTargetAssigner(config.CentreSamplingRadius);
    }

    /// <summary>Rebuilds a detector from the <see cref="Config"/> JSON of another (e.g. stored in a head checkpoint).</summary>
    public static FcosDetector FromConfig(JsonObject config) =>
        new(config.Deserialize<FcosConfig>() ?? throw new InvalidDataException("empty detector config"));

    public FcosConfig Settings { get; }

    public string Task => TaskName;

    public IReadOnlyList<int> Layers => Settings.Layers;

    public nn.Module Module => _model;

    public JsonObject Config => JsonSerializer.SerializeToNode(Settings)!.AsObject();

    /// <summary>The feature pyramid (names, strides, channels of its levels), for other heads on the same pyramid.</summary>
    public SimpleFeaturePyramid Pyramid => _model.Pyramid;

    public HeadLoss Loss(FeatureMaps features, BoxTargets targets)
    {
        using var scope = NewDisposeScope();
        var input = SimpleFeaturePyramid.Concatenate(features, Layers);                     // [B, C*L, h, w]
        long batch = input.shape[0];
        if (targets.Count != batch)
            throw new ArgumentException($"a batch of {batch} feature maps came with targets for {targets.Count} images.");
        using var raw = _model.forward(input);
        using var locations = new FcosLocations(Pyramid.OutputShape, raw.LevelSizes, input.device);

        var assignments = targets.Images.Select(objects => _assigner.Assign(locations, objects)).ToArray();
        var matched = stack(assignments.Select(a => a.MatchedIndex));                      // [B, N]
        var classes = stack(assignments.Select(a => a.Classes));                           // [B, N]
        var targetBoxes = stack(assignments.Select(a => a.Boxes));                         // [B, N, 4]
        foreach (var a in assignments) a.Dispose();

        var positive = matched.ge(0);                                                      // [B, N]
        var valid = matched.ne(FcosTargetAssigner.Ignored);                                // [B, N]
        double numPositive = Math.Max(1.0, positive.sum().item<long>());

        var oneHot = nn.functional.one_hot(classes.clamp(min: 0), Settings.NumClasses)
            .mul(positive.unsqueeze(-1)).to_type(raw.ClassLogits.dtype);                   // [B, N, K]
        var classLoss = FcosLosses.SigmoidFocal(raw.ClassLogits[valid], oneHot[valid],
            Settings.FocalAlpha, Settings.FocalGamma) / numPositive;

        var points = locations.Points.unsqueeze(0).expand(batch, -1, -1)[positive];         // [P, 2]
        var strides = locations.Strides.unsqueeze(0).expand(batch, -1)[positive];           // [P]
        var predicted = BoxCoder.Decode(points, raw.BoxCodes[positive], strides);           // [P, 4]
        var assigned = targetBoxes[positive];                                               // [P, 4]
        var qualityLogits = raw.QualityLogits[positive];                                    // [P]
        Tensor boxLoss, qualityLoss;
        if (Settings.Quality == FcosQuality.Centreness)
        {
            var centreness = FcosLosses.Centreness(BoxCoder.Distances(points, assigned));  // [P]
            boxLoss = FcosLosses.GIoU(predicted, assigned, centreness) / centreness.sum().clamp(min: 1e-6);
            qualityLoss = FcosLosses.QualityBce(qualityLogits, centreness) / numPositive;
        }
        else
        {
            Tensor iou;
            using (no_grad())
                iou = BoxOps.PairedIoU(predicted, assigned).IoU.clamp(min: 0);              // [P]
            boxLoss = FcosLosses.GIoU(predicted, assigned) / numPositive;
            qualityLoss = FcosLosses.QualityBce(qualityLogits, iou) / numPositive;
        }
        var total = classLoss + boxLoss + qualityLoss;
        return new HeadLoss(total.MoveToOuterDisposeScope(), new Dictionary<string, Tensor>
        {
            ["cls"] = classLoss.MoveToOuterDisposeScope(),
            ["box"] = boxLoss.MoveToOuterDisposeScope(),
            ["quality"] = qualityLoss.MoveToOuterDisposeScope(),
        });
    }

    public IReadOnlyList<IReadOnlyList<DetectedObject>> Predict(FeatureMaps features) => Predict(features, Settings.Postprocess);

    /// <summary>Detections of each image of the batch, best first, in the processed pixel frame.</summary>
    public IReadOnlyList<IReadOnlyList<DetectedObject>> Predict(FeatureMaps features, DetectionPostprocessOptions options)
    {
        options.Validate();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = SimpleFeaturePyramid.Concatenate(features, Layers);                     // [B, C*L, h, w]
        float imageHeight = input.shape[2] * Settings.PatchSize;
        float imageWidth = input.shape[3] * Settings.PatchSize;
        using var raw = _model.forward(input);
        using var locations = new FcosLocations(Pyramid.OutputShape, raw.LevelSizes, input.device);
        var results = new IReadOnlyList<DetectedObject>[input.shape[0]];
        for (int b = 0; b < results.Length; b++)
        {
            results[b] = FcosPostprocessor.Run(raw.ClassLogits[b], raw.BoxCodes[b], raw.QualityLogits[b],
                locations, imageWidth, imageHeight, options);
        }
        return results;
    }

    public void Dispose() => _model.Dispose();
}
