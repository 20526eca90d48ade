namespace PerceptionEncoder.Heads.Detection.Pyramid;

/// <summary>
/// One output of a feature pyramid (detectron2's ShapeSpec): level <c>p&lt;k&gt;</c> has stride
/// <c>patch * 2^(k-4)</c> pixels, i.e. 2^k for patch 16 (p4 is the backbone's own patch grid; 3.5, 7, 14, 28 ... for patch 14).
/// </summary>
/// <param name="Name"><c>p&lt;k&gt;</c>.</param>
/// <param name="Index">k.</param>
/// <param name="Stride">Pixels of the processed image per map cell.</param>
/// <param name="Channels">Channels of the level's map.</param>
public sealed record PyramidLevel(string Name, int Index, double Stride, int Channels)
{
    /// <summary>The index of the level whose stride equals the patch (scale 1).</summary>
    public const int PatchLevel = 4;

    public static PyramidLevel Of(int index, int patchSize, int channels) =>
        new($"p{index}", index, patchSize * Math.Pow(2, index - PatchLevel), channels);
}
