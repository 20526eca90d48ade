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
/// The neighbourhood is exploited rather than masked: target tokens are processed in tiles of strips along the longer
/// grid axis, and each tile is compared only with the source strips within the radius (the rest of a dense column
/// would be multiplied by 0); the window mask then restricts each token to its own square. The result equals the dense computation of the reference (every affinity outside the window is
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
    private readonly TilePlan _tiles;
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
        var soft = PropagateTiles(target, context); // [N, K]
        var result = FromStripOrder(soft); // [N, K] -> [K, h, w]

        int slot = 1 + _propagated % _options.ContextFrames;
        StoreNormalised(slot, target, soft);
        _propagated++;
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// All tiles at once: one GEMM per tile into a shared [T, Q, S] buffer, then every elementwise step, the top-k
    /// and the label product as single batched operations (few parallel regions: robust on a busy machine).
    /// </summary>
    private Tensor PropagateTiles(Tensor target, int context)
    {
        var plan = _tiles;
        int b = _stripLength, queries = plan.StripsPerTile * b, span = plan.SourceStrips * b, sources = span * context;
        var affinity = empty([plan.Count, queries, sources], ScalarType.Float32); // [T, Q, S], S = U·ctx
        for (int t = 0; t < plan.Count; t++)
        {
            using var tileScope = NewDisposeScope();
            var query = target.narrow(0, plan.Starts[t] * b, queries); // [Q, C]
            var sourceFeatures = _features.narrow(0, plan.SourceStarts[t] * b, span).narrow(1, 0, context)
                .reshape(sources, Channels); // [U, ctx, C] -> [U·ctx, C] (a view once the context is full)
            affinity[t].copy_(query.mm(sourceFeatures.t()));
        }
        affinity.div_(_options.Temperature).exp_();
        if (plan.Window is { } window)
            affinity.view(plan.Count, queries, span, context).mul_(window.unsqueeze(3)); // [T, Q, U] -> [T, Q, U, 1]

        // k-th largest candidate per target token, over all context frames jointly (the reference's top-k). Zeros
        // of the masked window are candidates there too; they only matter when fewer than k are non-zero, where the
        // k-th value is 0 and every candidate is kept, as here (k is clamped to the candidates present).
        int k = Math.Min(_options.TopK, sources);
        var kth = affinity.topk(k, dim: 2, largest: true, sorted: true).values.narrow(2, k - 1, 1); // [T, Q, 1]
        affinity.masked_fill_(affinity.lt(kth), 0);
        affinity.div_(affinity.sum(2, keepdim: true));

        var sourceLabels = _labels.index_select(0, plan.SourceTokens).narrow(1, 0, context)
            .reshape(plan.Count, sources, Classes); // [T·U, slots, K] -> [T, U·ctx, K]
        var tileLabels = affinity.bmm(sourceLabels); // [T, Q, K]
        int n = GridHeight * GridWidth;
        var soft = empty([n + 1, Classes], ScalarType.Float32); // [N + 1, K]: row N takes the tokens a tile repeats
        soft.index_copy_(0, plan.QueryTokens, tileLabels.view(plan.Count * queries, Classes));
        return soft.narrow(0, 0, n); // [N, K]
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
    /// Target tokens in <see cref="Count"/> tiles of <see cref="StripsPerTile"/> strips starting at <see cref="Starts"/>
    /// (the last tile is moved back to end at the grid's end, overlapping its neighbour: equal shapes for batching),
    /// each compared with the <see cref="SourceStrips"/> strips from <see cref="SourceStarts"/> that cover its
    /// neighbourhood (clamped inside the grid), with the window mask [T, Q, U] (1 inside the square neighbourhood),
    /// or none when every pair is inside.
    /// </summary>
    private sealed record TilePlan(int Count, int StripsPerTile, int SourceStrips, int[] Starts, int[] SourceStarts,
        Tensor? Window, Tensor QueryTokens, Tensor SourceTokens) : IDisposable
    {
        public void Dispose()
        {
            Window?.Dispose();
            QueryTokens.Dispose();
            SourceTokens.Dispose();
        }
    }

    private TilePlan BuildTiles(int tokensPerTile)
    {
        int r = _options.Radius, a = _stripCount, b = _stripLength;
        bool unrestricted = r == 0 || r >= a - 1 && r >= b - 1;
        int width = unrestricted ? a : Math.Clamp(tokensPerTile / b, 1, a);
        int span = unrestricted ? a : Math.Min(a, width + 2 * r);
        int count = (a + width - 1) / width;
        var starts = new int[count];
        var sourceStarts = new int[count];
        for (int t = 0; t < count; t++)
        {
            starts[t] = Math.Min(t * width, a - width);
            sourceStarts[t] = Math.Clamp(starts[t] - r, 0, a - span);
        }

        // Where the last tile overlaps its neighbour, its copy of a token goes to the spare row N (discarded), so
        // that every token is written once.
        var queryTokens = new long[count * width * b];
        var sourceTokens = new long[count * span * b];
        for (int t = 0; t < count; t++)
        {
            int firstNew = t == 0 ? starts[t] : starts[t - 1] + width;
            for (int i = 0; i < width * b; i++)
                queryTokens[t * width * b + i] = starts[t] * b + i >= firstNew * b ? starts[t] * b + i : (long)a * b;
            for (int i = 0; i < span * b; i++) sourceTokens[t * span * b + i] = sourceStarts[t] * b + i;
        }

        Tensor? window = null;
        if (!unrestricted)
        {
            var mask = new float[count * width * b * span * b];
            int index = 0;
            for (int t = 0; t < count; t++)
                for (int qa = starts[t]; qa < starts[t] + width; qa++)
                    for (int qb = 0; qb < b; qb++)
                        for (int sa = sourceStarts[t]; sa < sourceStarts[t] + span; sa++)
                            for (int sb = 0; sb < b; sb++)
                                mask[index++] = Math.Abs(qa - sa) <= r && Math.Abs(qb - sb) <= r ? 1f : 0f;
            window = tensor(mask, [count, width * b, span * b]).DetachFromDisposeScope();
        }
        return new TilePlan(count, width, span, starts, sourceStarts, window,
            tensor(queryTokens).DetachFromDisposeScope(), tensor(sourceTokens).DetachFromDisposeScope());
    }

    public void Dispose()
    {
        _features.Dispose();
        _labels.Dispose();
        _tiles.Dispose();
    }
}
