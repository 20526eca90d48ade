using PerceptionEncoder.Eval.Numerics;

namespace PerceptionEncoder.Eval.Coco;

/// <summary>COCOeval parameters; the defaults are pycocotools' for bbox and segm.</summary>
public sealed record CocoEvalParams
{
    public CocoIouType IouType { get; init; } = CocoIouType.Bbox;

    /// <summary>Images to evaluate (null: every GT image, including images without annotations). Sorted and de-duplicated.</summary>
    public IReadOnlyList<long>? ImageIds { get; init; }

    /// <summary>Categories to evaluate (null: every GT category). Sorted and de-duplicated.</summary>
    public IReadOnlyList<long>? CategoryIds { get; init; }

    /// <summary><c>np.linspace(.5, .95, 10)</c>, bit-exact (see <see cref="NumpyCompat.Linspace"/>).</summary>
    public IReadOnlyList<double> IouThresholds { get; init; } = NumpyCompat.Linspace(0.5, 0.95, 10);

    /// <summary><c>np.linspace(0, 1, 101)</c>, bit-exact.</summary>
    public IReadOnlyList<double> RecallThresholds { get; init; } = NumpyCompat.Linspace(0, 1, 101);

    /// <summary>Detections kept per image and category; sorted ascending, the largest is used for matching.</summary>
    public IReadOnlyList<int> MaxDetections { get; init; } = [1, 10, 100];

    /// <summary>all, small, medium, large.</summary>
    public IReadOnlyList<CocoAreaRange> AreaRanges { get; init; } =
        [CocoAreaRange.All, CocoAreaRange.Small, CocoAreaRange.Medium, CocoAreaRange.Large];

    /// <summary>Worker threads (null: the number of cores). Results do not depend on it.</summary>
    public int? MaxDegreeOfParallelism { get; init; }
}
