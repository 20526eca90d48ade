using System.Collections.Concurrent;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;

namespace PerceptionEncoder.Data.Loading;

/// <summary>
/// Reads, transforms and batches a source on worker threads with bounded prefetch. Deterministic: the item order of
/// an epoch is drawn from (seed, epoch) and each item's transform from (seed, epoch, item index), so batches are the
/// same whatever the number of workers.
/// </summary>
public sealed class DataLoader
{
    private readonly ConcurrentDictionary<int, SkippedItem> _skipped = new();

    public DataLoader(ISampleSource source, SampleTransform? transform, DataLoaderOptions options)
    {
        if (options.BatchSize < 1 || options.Workers < 1 || options.Prefetch < 0 || options.SizeDivisibility < 1)
            throw new ArgumentException("batch size, workers and size divisibility must be positive; prefetch non-negative.");
        Source = source;
        Transform = transform ?? SampleTransform.Identity;
        Options = options;
    }

    public ISampleSource Source { get; }

    public SampleTransform Transform { get; }

    public DataLoaderOptions Options { get; }

    /// <summary>Number of batches in an epoch (before any item is skipped).</summary>
    public int BatchesPerEpoch => Options.DropLast ? Source.Count / Options.BatchSize
        : (Source.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Items left out so far because they could not be read (skip-bad mode), by source index.</summary>
    public IReadOnlyList<SkippedItem> Skipped => _skipped.Values.OrderBy(s => s.Index).ToList();

    /// <summary>The item order of <paramref name="epoch"/>.</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, Source.Count).ToArray();
        if (!Options.Shuffle) return order;
        var random = Seeds.Random(Options.Seed, epoch, -1);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>Reads and transforms one item as the loader does in <paramref name="epoch"/>.</summary>
    public Sample LoadItem(int index, int epoch) =>
        Transform.Apply(Source.Load(index, Options.Parts), Seeds.Random(Options.Seed, epoch, index));

    /// <summary>
    /// The batches of <paramref name="epoch"/>, read ahead on worker threads. Dispose each batch; stopping early
    /// cancels the work in flight. Without <see cref="DataLoaderOptions.SkipBad"/>, an unreadable item fails the
    /// batch it belongs to with an <see cref="InvalidDataException"/> or <see cref="IOException"/> naming the file.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancellation = default)
    {
        foreach (var loaded in Run(Order(epoch), epoch, cancellation))
            if (loaded.Batch != null) yield return loaded.Batch;
    }

    /// <summary>
    /// Reads the items at <paramref name="order"/> (source indices) in chunks of the batch size, each chunk with the
    /// items it covered and those skipped: what a consumer needs that must account for every item (the feature
    /// cache). Items get the transform draws of <paramref name="epoch"/>.
    /// </summary>
    public IEnumerable<LoadedBatch> Run(IReadOnlyList<int> order, int epoch, CancellationToken cancellation = default)
    {
        int size = Options.BatchSize;
        var chunks = order.Chunk(size).Where(c => !Options.DropLast || c.Length == size).ToList();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var limiter = new SemaphoreSlim(Options.Workers);
        var pending = new Queue<Task<LoadedBatch>>();
        int next = 0;
        try
        {
            while (next < chunks.Count && pending.Count <= Options.Prefetch)
                pending.Enqueue(StartBatch(chunks[next++], epoch, limiter, cts.Token));
            while (pending.Count > 0)
            {
                var loaded = pending.Dequeue().GetAwaiter().GetResult();
                if (next < chunks.Count) pending.Enqueue(StartBatch(chunks[next++], epoch, limiter, cts.Token));
                yield return loaded;
            }
        }
        finally
        {
            cts.Cancel();
            foreach (var task in pending)
            {
                try { task.GetAwaiter().GetResult().Batch?.Dispose(); }
                catch (Exception) { /* the consumer stopped; failures of abandoned work do not matter */ }
            }
        }
    }

    private Task<LoadedBatch> StartBatch(int[] indices, int epoch, SemaphoreSlim limiter, CancellationToken token) => Task.Run(async () =>
    {
        var items = await Task.WhenAll(indices.Select(index => Task.Run(async () =>
        {
            await limiter.WaitAsync(token).ConfigureAwait(false);
            try
            {
                token.ThrowIfCancellationRequested();
                return LoadOrSkip(index, epoch);
            }
            finally { limiter.Release(); }
        }, token))).ConfigureAwait(false);
        var kept = items.Where(r => r.Sample != null).Select(r => r.Sample!).ToList();
        var skipped = items.Where(r => r.Skipped != null).Select(r => r.Skipped!).ToList();
        var batch = kept.Count == 0 ? null
            : BatchCollator.Collate(kept, Options.SizeDivisibility, (Options.Parts & SampleParts.Masks) != 0);
        return new LoadedBatch(indices, batch, skipped);
    }, token);

    private (Sample? Sample, SkippedItem? Skipped) LoadOrSkip(int index, int epoch)
    {
        try
        {
            return (LoadItem(index, epoch), null);
        }
        catch (Exception e) when (Options.SkipBad && SkippedItem.IsBadItem(e))
        {
            var skipped = new SkippedItem(index, Source.ItemId(index), Source.ItemPath(index), e.Message);
            _skipped[index] = skipped;
            return (null, skipped);
        }
    }
}
