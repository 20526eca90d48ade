namespace PerceptionEncoder.Data.Synthetic;

/// <summary>The outline of a synthetic object.</summary>
public enum ShapeKind { Disc, Block, Cone, Star, Cross, Diamond }

/// <summary>The surface pattern of a synthetic object, in object-local metres (so it shrinks with distance).</summary>
public enum PatternKind { Shaded, Checker, Stripes, Dots, Diagonals, Grid }

/// <summary>
/// A category of synthetic objects: a COCO-style id (with gaps, as COCO's) and name, an outline, a hue and a
/// pattern: each category is recognisable from local colour and texture as well as from its shape.
/// </summary>
public sealed record SyntheticCategory(int Id, string Name, ShapeKind Shape, double Hue, PatternKind Pattern, double Aspect)
{
    /// <summary>The six categories, in id order.</summary>
    public static IReadOnlyList<SyntheticCategory> All { get; } =
    [
        new(1, "disc", ShapeKind.Disc, 0, PatternKind.Shaded, 1.0),
        new(2, "block", ShapeKind.Block, 220, PatternKind.Checker, 1.0),
        new(3, "cone", ShapeKind.Cone, 45, PatternKind.Stripes, 0.9),
        new(5, "star", ShapeKind.Star, 120, PatternKind.Dots, 1.0),
        new(7, "cross", ShapeKind.Cross, 300, PatternKind.Diagonals, 1.0),
        new(9, "diamond", ShapeKind.Diamond, 180, PatternKind.Grid, 0.7),
    ];
}
