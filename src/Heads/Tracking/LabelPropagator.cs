using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// Label propagation through a video, one target frame at a time, as the DINO DAVIS protocol does: the context is
/// the first frame (with its one-hot labels) plus the soft masks of the last n propagated frames; each target token
/// takes the labels of its top-k affinities exp(cos/T) among the source tokens of its square neighbourhood, over all
/// context frames jointly, weighted by the affinities normalised to sum 1.
/// </summary>
/// <remarks>
/// <para>Memory is constant in the video length: only the first frame and n context frames are held.</para>
/// <para>
/// The neighbourhood is exploited rather than masked: target tokens are processed in strips along the longer grid
/// axis, and each strip is compared only with the source strips within the radius (the rest of a dense column would be
/// multiplied by 0). The result equals the dense computation of the reference (every affinity outside the window is
/// an exact 0 there, and such zeros only matter for the top-k when a window holds fewer than k candidates, where both
/// keep every candidate); only the summation order differs.
/// </para>
/// <para>Features are L2-normalised once per frame (per token, eps 1e-12), which gives the same values as
/// normalising in every call as the reference does.</para>
/// </remarks>
public sealed class LabelPropagator : IDisposable
{
    private const int DefaultTokensPerTile = 128;

    private readonly PropagationOptions _options;
    private readonly bool _stripsAreColumns;
    private readonly int _stripCount, _stripLength;
    // Context ring: slot 0 is the first frame, slots 1..n the last n frames in rotation.
    // Tokens in strip order (strip-major); [N, slots, C] and [N, slots, K].
    private readonly Tensor _features;
    private readonly Tensor _labels;
    private readonly List<Tile> _tiles;
    private int _propagated;

    /// <summary>Starts a video from its first frame.</summary>
    /// <param name="firstFeatures">[C, h, w] features of frame 0 (any norm; float32).</param>
    /// <param name="firstLabels">[K, h, w] its one-hot labels (see <see cref="FirstFrameMask.OneHot"/>).</param>
    /// <param name="options">Propagation parameters.</param>
    public LabelPropagator(Tensor firstFeatures, Tensor firstLabels, PropagationOptions options)
        : this(firstFeatures, firstLabels, options, DefaultTokensPerTile)
    {
    }

    /// <param name="firstFeatures">[C, h, w].</param>
    /// <param name="firstLabels">[K, h, w].</param>
    /// <param name="options">Propagation parameters.</param>
    /// <param name="tokensPerTile">Target tokens compared at once (rounded to whole strips); tests use small tiles.</param>
    internal LabelPropagator(Tensor firstFeatures, Tensor firstLabels, PropagationOptions options, int tokensPerTile)
    {
        _options = options.Validate();
        if (firstFeatures.dim() != 3) throw new ArgumentException($"first-frame features must be [C, h, w], got [{string.Join(", ", firstFeatures.shape)}].");
        if (firstLabels.dim() != 3 || firstLabels.shape[1] != firstFeatures.shape[1] || firstLabels.shape[2] != firstFeatures.shape[2])
            throw new ArgumentException(
                $"first-frame labels [{string.Join(", ", firstLabels.shape)}] do not lie on the feature grid [{string.Join(", ", firstFeatures.shape)}].");
        Channels = (int)firstFeatures.shape[0];
        Classes = (int)firstLabels.shape[0];
        GridHeight = (int)firstFeatures.shape[1];
        GridWidth = (int)firstFeatures.shape[2];
        _stripsAreColumns = GridWidth >= GridHeight;
        _stripCount = Math.Max(GridHeight, GridWidth);
        _stripLength = Math.Min(GridHeight, GridWidth);
        int tokens = GridHeight * GridWidth, slots = 1 + options.ContextFrames;
        _features = zeros([tokens, slots, Channels], ScalarType.Float32).DetachFromDisposeScope();
        _labels = zeros([tokens, slots, Classes], ScalarType.Float32).DetachFromDisposeScope();
        _tiles = BuildTiles(tokensPerTile);
        Store(0, firstFeatures, firstLabels);
    }

    /// <summary>Feature channels C.</summary>
    public int Channels { get; }

    /// <summary>Label channels K (background included).</summary>
    public int Classes { get; }

    public int GridHeight { get; }

    public int GridWidth { get; }

    /// <summary>Context frames used by the next call: 1 + min(frames propagated so far, n).</summary>
    public int ContextSize => 1 + Math.Min(_propagated, _options.ContextFrames);

    /// <summary>
    /// Propagates the labels to the next frame and pushes it (features and soft mask) into the context, dropping the
    /// oldest frame when n are held.
    /// </summary>
    /// <param name="features">[C, h, w] features of the target frame, on the first frame's grid.</param>
    /// <returns>[K, h, w] float32 soft mask (every cell sums to 1); the caller owns it.</returns>
    public Tensor Propagate(Tensor features)
    {
        if (features.dim() != 3 || features.shape[0] != Channels || features.shape[1] != GridHeight || features.shape[2] != GridWidth)
            throw new ArgumentException(
                $"frame features [{string.Join(", ", features.shape)}] differ from the first frame's [{Channels}, {GridHeight}, {GridWidth}].");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var target = ToStripOrder(features.to(ScalarType.Float32)); // [N, C]
        target = F.normalize(target, p: 2, dim: 1, eps: 1e-12);
        int context = ContextSize;
        var soft = empty([GridHeight * GridWidth, Classes], ScalarType.Float32); // [N, K]
        foreach (var tile in _tiles)
            PropagateTile(tile, target, context, soft);
        var result = FromStripOrder(soft); // [N, K] -> [K, h, w]

        int slot = 1 + _propagated % _options.ContextFrames;
        StoreNormalised(slot, target, soft);
        _propagated++;
        return result.MoveToOuterDisposeScope();
    }

    private void PropagateTile(Tile tile, Tensor target, int context, Tensor soft)
    {
        using var scope = NewDisposeScope();
        int b = _stripLength, queries = (tile.End - tile.Start) * b, sources = (tile.SourceEnd - tile.SourceStart) * b;
        var query = target.narrow(0, tile.Start * b, queries); // [Q, C]
        var sourceFeatures = _features.narrow(0, tile.SourceStart * b, sources).narrow(1, 0, context)
            .reshape(sources * context, Channels); // [U, ctx, C] -> [U·ctx, C]
        var affinity = query.mm(sourceFeatures.t()).div_(_options.Temperature).exp_(); // [Q, U·ctx]
        if (tile.Window is { } window)
            affinity.view(queries, sources, context).mul_(window.unsqueeze(2)); // [Q, U] -> [Q, U, 1]

        // k-th largest candidate per target token (the reference's top-k over all context sources; zeros of the
        // masked window count as candidates there, which can only matter when fewer than k are non-zero: then the
        // k-th value is 0 and every candidate is kept, exactly as here with k clamped to the candidates present).
        int k = Math.Min(_options.TopK, sources * context);
        var kth = affinity.topk(k, dim: 1, largest: true, sorted: true).values.narrow(1, k - 1, 1); // [Q, 1]
        affinity.masked_fill_(affinity.lt(kth), 0);
        affinity.div_(affinity.sum(1, keepdim: true));

        var sourceLabels = _labels.narrow(0, tile.SourceStart * b, sources).narrow(1, 0, context)
            .reshape(sources * context, Classes); // [U, ctx, K] -> [U·ctx, K]
        soft.narrow(0, tile.Start * b, queries).copy_(affinity.mm(sourceLabels)); // [Q, K]
    }

    private void Store(int slot, Tensor features, Tensor labels)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var normalised = F.normalize(ToStripOrder(features.to(ScalarType.Float32)), p: 2, dim: 1, eps: 1e-12);
        StoreNormalised(slot, normalised, ToStripOrder(labels.to(ScalarType.Float32)));
    }

    private void StoreNormalised(int slot, Tensor features, Tensor labels)
    {
        _features.select(1, slot).copy_(features);
        _labels.select(1, slot).copy_(labels);
    }

    /// <summary>[X, h, w] -> [N, X], tokens in strip order.</summary>
    private Tensor ToStripOrder(Tensor map) =>
        _stripsAreColumns
            ? map.permute(2, 1, 0).reshape(-1, map.shape[0]) // [X, h, w] -> [w, h, X] -> [w·h, X]
            : map.permute(1, 2, 0).reshape(-1, map.shape[0]); // [X, h, w] -> [h, w, X] -> [h·w, X]

    /// <summary>[N, X] in strip order -> [X, h, w].</summary>
    private Tensor FromStripOrder(Tensor tokens) =>
        _stripsAreColumns
            ? tokens.view(GridWidth, GridHeight, -1).permute(2, 1, 0).contiguous() // [w, h, X] -> [X, h, w]
            : tokens.view(GridHeight, GridWidth, -1).permute(2, 0, 1).contiguous(); // [h, w, X] -> [X, h, w]

    /// <summary>
    /// Target strips [Start, End) and the source strips [SourceStart, SourceEnd) within the radius, with the window
    /// mask [Q, U] (1 inside the square neighbourhood, 0 outside), or no mask when every pair is inside.
    /// </summary>
    private sealed record Tile(int Start, int End, int SourceStart, int SourceEnd, Tensor? Window);

    private List<Tile> BuildTiles(int tokensPerTile)
    {
        int r = _options.Radius, b = _stripLength;
        if (r == 0) return [new Tile(0, _stripCount, 0, _stripCount, null)];
        int width = Math.Max(1, tokensPerTile / b);
        var tiles = new List<Tile>();
        for (int start = 0; start < _stripCount; start += width)
        {
            int end = Math.Min(start + width, _stripCount);
            int sourceStart = Math.Max(0, start - r), sourceEnd = Math.Min(_stripCount, end + r);
            var window = new float[(end - start) * b * (sourceEnd - sourceStart) * b];
            bool masks = false;
            int index = 0;
            for (int qa = start; qa < end; qa++)
                for (int qb = 0; qb < b; qb++)
                    for (int sa = sourceStart; sa < sourceEnd; sa++)
                        for (int sb = 0; sb < b; sb++)
                        {
                            bool inside = Math.Abs(qa - sa) <= r && Math.Abs(qb - sb) <= r;
                            window[index++] = inside ? 1f : 0f;
                            masks |= !inside;
                        }
            var mask = masks ? tensor(window, [(end - start) * b, (sourceEnd - sourceStart) * b]).DetachFromDisposeScope() : null;
            tiles.Add(new Tile(start, end, sourceStart, sourceEnd, mask));
        }
        return tiles;
    }

    public void Dispose()
    {
        _features.Dispose();
        _labels.Dispose();
        foreach (var tile in _tiles) tile.Window?.Dispose();
    }
}
