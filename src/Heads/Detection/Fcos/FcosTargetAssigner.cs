using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Fcos;

/// <summary>
/// FCOS's assignment of ground-truth boxes to locations. A location is a candidate for a box when it lies inside
/// the box's centre region (a square of radius <see cref="CentreSamplingRadius"/> strides around the box centre,
/// clipped to the box; the whole box when the radius is 0) and the largest of its four side distances lies in its
/// level's size range. Among several candidate boxes it takes the one of smallest area (the first on equal areas).
/// Crowd boxes are never assigned; an unassigned location inside one is ignored.
/// </summary>
public sealed class FcosTargetAssigner(double centreSamplingRadius)
{
    /// <summary>Matched-index value of a location that is background.</summary>
    public const long Background = -1;

    /// <summary>Matched-index value of a location that is excluded from the classification loss.</summary>
    public const long Ignored = -2;

    public double CentreSamplingRadius { get; } = centreSamplingRadius >= 0 ? centreSamplingRadius
        : throw new ArgumentException($"the centre sampling radius must be >= 0 (got {centreSamplingRadius}).");

    /// <summary>Assigns the boxes of one image.</summary>
    public FcosAssignment Assign(FcosLocations locations, IReadOnlyList<GroundTruthBox> objects)
    {
        using var scope = NewDisposeScope();
        long n = locations.Count;
        var device = locations.Points.device;
        var candidates = objects.Where(o => !o.IsCrowd).ToArray();
        var crowds = objects.Where(o => o.IsCrowd).ToArray();
        var matched = full(n, Background, dtype: ScalarType.Int64, device: device);
        var classes = full(n, -1L, dtype: ScalarType.Int64, device: device);
        var boxes = zeros(n, 4, device: device);

        if (candidates.Length > 0)
        {
            var gtBoxes = BoxTensor(candidates).to(device);                                            // [M, 4]
            var points = locations.Points.unsqueeze(1);                                     // [N, 1, 2]
            var sides = cat([points - gtBoxes[.., ..2].unsqueeze(0),                         // [N, M, 4]: l, t, r, b
                             gtBoxes[.., 2..].unsqueeze(0) - points], 2);
            var inside = CentreRegionContains(locations, gtBoxes);                         // [N, M]
            var reach = sides.amax([2]);                                                    // [N, M]
            var range = locations.SizeRanges.unsqueeze(1);                                  // [N, 1, 2]
            var inRange = reach.ge(range[.., .., 0]).logical_and(reach.le(range[.., .., 1]));
            var areas = BoxOps.Area(gtBoxes).unsqueeze(0).expand(n, -1);                    // [N, M]
            var candidateAreas = where(inside.logical_and(inRange), areas, full_like(areas, float.PositiveInfinity));
            var (minArea, best) = candidateAreas.min(1);                                    // [N], [N]
            var positive = minArea.isfinite();
            matched = where(positive, best, matched);
            var gtClasses = tensor(candidates.Select(o => (long)o.ClassIndex).ToArray()).to(device);
            classes = where(positive, gtClasses.index_select(0, best), classes);
            boxes = where(positive.unsqueeze(1), gtBoxes.index_select(0, best), boxes);
        }

        if (crowds.Length > 0)
        {
            var crowdBoxes = BoxTensor(crowds).to(device);                                             // [Mc, 4]
            var points = locations.Points.unsqueeze(1);                                     // [N, 1, 2]
            var insideCrowd = cat([points - crowdBoxes[.., ..2].unsqueeze(0), crowdBoxes[.., 2..].unsqueeze(0) - points], 2)
                .amin([2]).gt(0).any(1);                                                    // [N]
            matched = where(insideCrowd.logical_and(matched.eq(Background)), full_like(matched, Ignored), matched);
        }

        return new FcosAssignment(
            matched.MoveToOuterDisposeScope(), classes.MoveToOuterDisposeScope(), boxes.MoveToOuterDisposeScope());
    }

    /// <summary>[N, M]: whether each location lies strictly inside each box's (clipped) centre region.</summary>
    private Tensor CentreRegionContains(FcosLocations locations, Tensor gtBoxes)
    {
        using var scope = NewDisposeScope();
        var points = locations.Points.unsqueeze(1);                                         // [N, 1, 2]
        Tensor regionTopLeft, regionBottomRight;
        if (CentreSamplingRadius > 0)
        {
            var centres = ((gtBoxes[.., ..2] + gtBoxes[.., 2..]) / 2).unsqueeze(0);          // [1, M, 2]
            var radius = (locations.Strides * CentreSamplingRadius).view(-1, 1, 1);          // [N, 1, 1]
            regionTopLeft = maximum(centres - radius, gtBoxes[.., ..2].unsqueeze(0));       // [N, M, 2]
            regionBottomRight = minimum(centres + radius, gtBoxes[.., 2..].unsqueeze(0));   // [N, M, 2]
        }
        else
        {
            regionTopLeft = gtBoxes[.., ..2].unsqueeze(0);
            regionBottomRight = gtBoxes[.., 2..].unsqueeze(0);
        }
        var margins = cat([points - regionTopLeft, regionBottomRight - points], 2);         // [N, M, 4]
        return margins.amin([2]).gt(0).MoveToOuterDisposeScope();
    }

    private static Tensor BoxTensor(IReadOnlyList<GroundTruthBox> objects)
    {
        var values = new float[objects.Count * 4];
        for (int i = 0; i < objects.Count; i++)
        {
            var b = objects[i].Box;
            values[4 * i] = b.X1;
            values[4 * i + 1] = b.Y1;
            values[4 * i + 2] = b.X2;
            values[4 * i + 3] = b.Y2;
        }
        return tensor(values).view(objects.Count, 4);
    }
}

/// <summary>The targets of every location of one image.</summary>
/// <param name="MatchedIndex">[N] int64: index of the assigned box among the image's non-crowd boxes (in their order), or <see cref="FcosTargetAssigner.Background"/> or <see cref="FcosTargetAssigner.Ignored"/>.</param>
/// <param name="Classes">[N] int64: class index of the assigned box, -1 elsewhere.</param>
/// <param name="Boxes">[N, 4]: the assigned box (x1, y1, x2, y2), zeros elsewhere.</param>
public sealed record FcosAssignment(Tensor MatchedIndex, Tensor Classes, Tensor Boxes) : IDisposable
{
    public void Dispose()
    {
        MatchedIndex.Dispose();
        Classes.Dispose();
        Boxes.Dispose();
    }
}
