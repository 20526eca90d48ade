namespace PerceptionEncoder.Eval.Nyu;

/// <summary>The evaluation crop applied to the valid mask.</summary>
public enum DepthCrop
{
    /// <summary>Every pixel.</summary>
    None,

    /// <summary>
    /// Eigen et al.'s NYU crop: rows 45..470 and columns 41..600 inclusive (numpy <c>[45:471, 41:601]</c>) of a
    /// 480x640 map. On another size it is applied as the numpy slice would be (truncated), as the reference does.
    /// </summary>
    Eigen,
}
