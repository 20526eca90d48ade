using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Data.Features;

/// <summary>
/// Builds a feature cache: the backbone runs once per item and its maps are stored, 2 bytes per value, in shard files
/// that are read back memory-mapped (<see cref="CachedFeatureSource"/>).
/// </summary>
/// <remarks>
/// Layout of the folder: <c>manifest.json</c>; per finished shard <c>shard-NNNNN.bin</c> (records back to back, see
/// <see cref="CacheRecordLayout"/>) and <c>shard-NNNNN.json</c> (ids in record order, items skipped). Shard k covers
/// dataset items [k·S, (k+1)·S). While shard k is written, its records go to <c>shard-NNNNN.bin.partial</c> and each
/// batch is committed by a line of <c>shard-NNNNN.journal</c>, appended after the records are flushed to disk; a
/// run killed at any point resumes after the last committed batch, dropping any bytes written after it, so no entry
/// is ever half-written and the finished cache is byte-identical to one built without interruption.
/// </remarks>
public static class FeatureCache
{
    public const string ManifestFileName = "manifest.json";
    private const string LockFileName = ".lock";

    /// <summary>Runs (or resumes) the cache of <paramref name="source"/> in <see cref="FeatureCacheOptions.Directory"/>.</summary>
    /// <param name="backbone">The frozen backbone; its name, weights id and depth go into the manifest.</param>
    /// <param name="source">The dataset; items are squash-resized to the image size, in source order.</param>
    /// <param name="options">Folder, layers, size, dtype, skip-bad, batch and shard sizes.</param>
    /// <param name="cancellation">Stops after the batch in progress is committed or dropped.</param>
    /// <param name="progress">Items done (stored or skipped) out of the source's count.</param>
    /// <exception cref="InvalidDataException">The folder holds a cache of another identity (the message says what differs).</exception>
    /// <exception cref="InvalidDataException">An unreadable item (without skip-bad); what was cached before is kept.</exception>
    public static FeatureCacheReport Build(IFeatureBackbone backbone, ISampleSource source, FeatureCacheOptions options,
        IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        string dir = Path.GetFullPath(options.Directory);
        var header = CreateHeader(backbone, source, options);
        int shardItems = header.ShardItems, batchSize = header.BatchSize;
        long recordBytes = header.Record.Bytes;

        Directory.CreateDirectory(dir);
        using var lockFile = AcquireLock(dir);
        // A run killed while writing a file atomically leaves its temporary file behind (name.<pid>.<guid>.tmp).
        foreach (string stale in Directory.EnumerateFiles(dir, "*.tmp"))
            File.Delete(stale);
        string manifestPath = Path.Combine(dir, ManifestFileName);
        if (File.Exists(manifestPath))
        {
            var existing = FeatureCacheManifest.Read(manifestPath);
            EnsureSameIdentity(manifestPath, existing, header);
            if (existing.Complete)
                return new FeatureCacheReport(dir, source.Count, existing.Stored, 0, existing.Stored, existing.Skipped, recordBytes);
        }
        else
            AtomicFile.WriteAllText(manifestPath, header.ToJson());

        // Finished shards are kept as they are.
        int shardCount = (source.Count + shardItems - 1) / shardItems;
        var shards = new List<CacheShard>();
        var skipped = new List<CacheSkippedItem>();
        int shard = 0;
        for (; shard < shardCount && File.Exists(DataPath(dir, shard)); shard++)
        {
            var index = ReadShardIndex(dir, shard, recordBytes);
            shards.Add(new CacheShard { Data = Path.GetFileName(DataPath(dir, shard)), Index = Path.GetFileName(IndexPath(dir, shard)), Count = index.Ids.Count });
            skipped.AddRange(index.Skipped);
            File.Delete(JournalPath(dir, shard)); // left over when a run stopped right after finishing the shard
        }
        int alreadyCached = shards.Sum(s => s.Count);

        // The shard being written: what its journal committed stays, anything after it is dropped.
        var committed = shard < shardCount ? ReadJournal(dir, shard, recordBytes) : [];
        alreadyCached += committed.Sum(e => e.Ids.Count);
        int resumeAt = committed.Count > 0 ? committed[^1].End : shard * shardItems;
        progress?.Report(resumeAt);

        var loader = new DataLoader(source, new SquashResize(options.ImageSize), new DataLoaderOptions
        {
            BatchSize = batchSize,
            Workers = options.Workers,
            Prefetch = 2,
            SkipBad = options.SkipBad,
            Parts = SampleParts.Image,
        });
        var layers = header.Layers;
        var scalar = options.DType.ScalarType();
        int computed = 0;
        ShardWriter? writer = shard < shardCount ? new ShardWriter(dir, shard, recordBytes, committed) : null;
        try
        {
            // A shard whose batches were all committed before the run stopped only needs finishing.
            FinishShardIfDone(resumeAt);
            var order = Enumerable.Range(resumeAt, source.Count - resumeAt).ToArray();
            foreach (var loaded in loader.Run(order, epoch: 0, cancellation))
            {
                cancellation.ThrowIfCancellationRequested();
                int start = loaded.Indices[0], end = loaded.Indices[^1] + 1;
                if (writer == null || start / shardItems != writer.Shard)
                    throw new InvalidOperationException($"batch [{start}, {end}) is outside the shard being written.");
                var ids = new List<string>();
                if (loaded.Batch is { } batch)
                {
                    using (batch)
                        writer.WriteRecords(EncodeRecords(backbone, batch, layers, scalar, header));
                    ids.AddRange(batch.Ids);
                }
                var skippedNow = loaded.Skipped.Select(s => new CacheSkippedItem { Index = s.Index, Id = s.Id, File = s.Path, Reason = s.Reason }).ToList();
                writer.Commit(new CacheJournalEntry { Start = start, End = end, Ids = ids, Skipped = skippedNow });
                computed += ids.Count;
                progress?.Report(end);
                FinishShardIfDone(end);
            }
        }
        finally
        {
            writer?.Dispose();
        }

        void FinishShardIfDone(int next)
        {
            if (writer == null || next != Math.Min(source.Count, (writer.Shard + 1) * shardItems)) return;
            var (finished, finishedSkipped) = writer.Finish();
            shards.Add(finished);
            skipped.AddRange(finishedSkipped);
            writer.Dispose();
            writer = writer.Shard + 1 < shardCount ? new ShardWriter(dir, writer.Shard + 1, recordBytes, []) : null;
        }

        var manifest = header with { Complete = true, Stored = shards.Sum(s => s.Count), Skipped = skipped, Shards = shards };
        AtomicFile.WriteAllText(manifestPath, manifest.ToJson());
        return new FeatureCacheReport(dir, source.Count, manifest.Stored, computed, alreadyCached, skipped, recordBytes);
    }

    /// <summary>The manifest (incomplete, without shards) a build of these inputs makes.</summary>
    public static FeatureCacheManifest CreateHeader(IFeatureBackbone backbone, ISampleSource source, FeatureCacheOptions options)
    {
        int p = backbone.PatchSize;
        if (options.ImageSize < p || options.ImageSize % p != 0)
            throw new ArgumentException(
                $"image size {options.ImageSize} is not a multiple of the patch size {p}; use {Math.Max(p, options.ImageSize / p * p)} or {(options.ImageSize / p + 1) * p}.");
        if (options.BatchSize < 1) throw new ArgumentException("batch size must be at least 1.");
        if (source.Count == 0) throw new InvalidDataException($"{source.Name}: the dataset has no items to cache.");
        var layers = backbone.ResolveLayers(options.Layers).ToArray();
        if (layers.Distinct().Count() != layers.Length)
            throw new ArgumentException($"layers [{string.Join(", ", options.Layers)}] name the same block twice.");
        int grid = options.ImageSize / p, c = backbone.Width;
        var entries = new List<CacheRecordEntry>();
        long offset = 0;
        foreach (int layer in layers)
        {
            entries.Add(new CacheRecordEntry { Name = $"layer_{layer}", Offset = offset, Shape = [c, grid, grid] });
            offset += 2L * c * grid * grid;
        }
        if (backbone.HasClassToken)
            foreach (int layer in layers)
            {
                entries.Add(new CacheRecordEntry { Name = $"cls_{layer}", Offset = offset, Shape = [c] });
                offset += 2L * c;
            }
        int shardItems = Math.Max(1, (options.ShardItems + options.BatchSize - 1) / options.BatchSize) * options.BatchSize;
        return new FeatureCacheManifest
        {
            Backbone = new CacheBackbone
            {
                Name = backbone.Name,
                Weights = backbone.WeightsId,
                RandomWeights = backbone.IsRandom,
                PatchSize = p,
                Width = c,
                Depth = backbone.Depth,
                ClassToken = backbone.HasClassToken,
                Config = options.BackboneConfig,
            },
            Layers = layers,
            ImageSize = options.ImageSize,
            Grid = [grid, grid],
            Transform = new SquashResize(options.ImageSize).Describe(),
            DType = options.DType.Name(),
            Dataset = new CacheDataset
            {
                Kind = options.DatasetKind,
                Split = options.Split,
                Items = source.Count,
                IdsSha256 = IdsHash(source),
            },
            Record = new CacheRecordLayout { Bytes = offset, Entries = entries },
            BatchSize = options.BatchSize,
            ShardItems = shardItems,
        };
    }

    private static void EnsureSameIdentity(string path, FeatureCacheManifest existing, FeatureCacheManifest wanted)
    {
        if (existing.Format != FeatureCacheManifest.CurrentFormat)
            throw new InvalidDataException($"{path}: cache format '{existing.Format}' is not '{FeatureCacheManifest.CurrentFormat}'; use another --out folder.");
        var differences = existing.Identity().Zip(wanted.Identity())
            .Where(p => p.First.Value != p.Second.Value)
            .Select(p => $"{p.First.What} {p.First.Value} (this run: {p.Second.Value})")
            .ToList();
        if (differences.Count > 0)
            throw new InvalidDataException(
                $"{path}: this folder holds a feature cache made with another {string.Join("; ", differences)}. " +
                "Refusing to mix them: use another --out folder, or delete this one.");
    }

    /// <summary>[B items] of record bytes: for every item, each layer's map then each class token, in the cache dtype.</summary>
    private static byte[][] EncodeRecords(IFeatureBackbone backbone, Batch batch, IReadOnlyList<int> layers, ScalarType dtype, FeatureCacheManifest header)
    {
        using var scope = NewDisposeScope();
        using var input = batch.Images!.to(backbone.Device);
        using var maps = backbone.Extract(input, layers);
        int b = batch.Count;
        var records = Enumerable.Range(0, b).Select(_ => new byte[header.Record.Bytes]).ToArray();
        foreach (var entry in header.Record.Entries)
        {
            bool isMap = entry.Name.StartsWith("layer_", StringComparison.Ordinal);
            int layer = int.Parse(entry.Name[(entry.Name.IndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            var t = isMap ? maps[layer] : maps.ClassToken(layer)
                ?? throw new InvalidOperationException($"backbone {backbone.Name} returned no class token for layer {layer}.");
            long[] expected = [b, .. entry.Shape.Select(s => (long)s)];
            if (!t.shape.SequenceEqual(expected))
                throw new InvalidOperationException(
                    $"backbone {backbone.Name} returned {entry.Name} of shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", expected)}].");
            using var stored = t.to(dtype).cpu().contiguous();
            var bytes = stored.bytes;
            int per = checked((int)(bytes.Length / b));
            for (int n = 0; n < b; n++)
                bytes.Slice(n * per, per).CopyTo(records[n].AsSpan((int)entry.Offset, per));
        }
        return records;
    }

    private static string IdsHash(ISampleSource source)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < source.Count; i++)
            sha.AppendData(Encoding.UTF8.GetBytes(source.ItemId(i) + "\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static FileStream AcquireLock(string dir)
    {
        try
        {
            return new FileStream(Path.Combine(dir, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e)
        {
            throw new IOException($"{dir}: another 'pe cache' is writing this folder ({e.Message}).", e);
        }
    }

    internal static string DataPath(string dir, int shard) => Path.Combine(dir, $"shard-{shard:D5}.bin");

    internal static string IndexPath(string dir, int shard) => Path.Combine(dir, $"shard-{shard:D5}.json");

    private static string PartialPath(string dir, int shard) => DataPath(dir, shard) + ".partial";

    private static string JournalPath(string dir, int shard) => Path.Combine(dir, $"shard-{shard:D5}.journal");

    internal static CacheShardIndex ReadShardIndex(string dir, int shard, long recordBytes)
    {
        string path = IndexPath(dir, shard);
        CacheShardIndex index;
        try
        {
            index = JsonSerializer.Deserialize<CacheShardIndex>(File.ReadAllText(path), FeatureCacheManifest.JsonOptions)
                ?? throw new InvalidDataException($"{path}: empty shard index.");
        }
        catch (FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: missing index of {Path.GetFileName(DataPath(dir, shard))}; the cache is damaged, delete the folder and rebuild it.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: corrupt shard index ({e.Message}); delete the folder and rebuild it.", e);
        }
        long length = new FileInfo(DataPath(dir, shard)).Length;
        if (length != index.Ids.Count * recordBytes)
            throw new InvalidDataException(
                $"{DataPath(dir, shard)}: {length} bytes, expected {index.Ids.Count} records of {recordBytes}; the cache is damaged, delete the folder and rebuild it.");
        return index;
    }

    /// <summary>The committed batches of a shard's journal; a torn last line (a run killed while writing it) is ignored.</summary>
    private static List<CacheJournalEntry> ReadJournal(string dir, int shard, long recordBytes)
    {
        string path = JournalPath(dir, shard);
        var entries = new List<CacheJournalEntry>();
        if (!File.Exists(path)) return entries;
        string text = File.ReadAllText(path);
        int lineStart = 0;
        while (true)
        {
            int newline = text.IndexOf('\n', lineStart);
            if (newline < 0) break; // no newline: never committed
            string line = text[lineStart..newline];
            lineStart = newline + 1;
            CacheJournalEntry? entry;
            try { entry = JsonSerializer.Deserialize<CacheJournalEntry>(line); }
            catch (JsonException) { break; }
            if (entry == null) break;
            entries.Add(entry);
        }
        long records = entries.Sum(e => e.Ids.Count);
        long partialLength = File.Exists(PartialPath(dir, shard)) ? new FileInfo(PartialPath(dir, shard)).Length : 0;
        if (partialLength < records * recordBytes)
            throw new InvalidDataException(
                $"{PartialPath(dir, shard)}: {partialLength} bytes but its journal commits {records} records of {recordBytes}; delete the folder and rebuild it.");
        return entries;
    }

    /// <summary>Appends records and journal lines of one shard, then turns them into the finished shard.</summary>
    private sealed class ShardWriter : IDisposable
    {
        private readonly string _dir;
        private readonly long _recordBytes;
        private readonly FileStream _data;
        private readonly FileStream _journal;
        private readonly List<CacheJournalEntry> _entries;

        public ShardWriter(string dir, int shard, long recordBytes, List<CacheJournalEntry> committed)
        {
            _dir = dir;
            Shard = shard;
            _recordBytes = recordBytes;
            _entries = [.. committed];
            long records = committed.Sum(e => e.Ids.Count);
            _data = new FileStream(PartialPath(dir, shard), FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
            _data.SetLength(records * recordBytes); // drops bytes written after the last commit
            _data.Position = _data.Length;
            _journal = new FileStream(JournalPath(dir, shard), FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
            // Rewrites the journal without any torn last line.
            _journal.SetLength(0);
            foreach (var e in committed) _journal.Write(Line(e));
            _journal.Flush(flushToDisk: true);
        }

        public int Shard { get; }

        public void WriteRecords(byte[][] records)
        {
            foreach (var r in records)
            {
                if (r.Length != _recordBytes) throw new InvalidOperationException("record of the wrong size.");
                _data.Write(r);
            }
            _data.Flush(flushToDisk: true);
        }

        public void Commit(CacheJournalEntry entry)
        {
            _journal.Write(Line(entry));
            _journal.Flush(flushToDisk: true);
            _entries.Add(entry);
        }

        public (CacheShard Shard, IReadOnlyList<CacheSkippedItem> Skipped) Finish()
        {
            var index = new CacheShardIndex
            {
                Ids = _entries.SelectMany(e => e.Ids).ToList(),
                Skipped = _entries.SelectMany(e => e.Skipped).ToList(),
            };
            AtomicFile.WriteAllText(IndexPath(_dir, Shard), JsonSerializer.Serialize(index, FeatureCacheManifest.JsonOptions) + "\n");
            _data.Flush(flushToDisk: true);
            _data.Dispose();
            File.Move(PartialPath(_dir, Shard), DataPath(_dir, Shard), overwrite: true);
            _journal.Dispose();
            File.Delete(JournalPath(_dir, Shard));
            return (new CacheShard { Data = Path.GetFileName(DataPath(_dir, Shard)), Index = Path.GetFileName(IndexPath(_dir, Shard)), Count = index.Ids.Count },
                index.Skipped);
        }

        private static byte[] Line(CacheJournalEntry e) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(e) + "\n");

        public void Dispose()
        {
            _data.Dispose();
            _journal.Dispose();
        }
    }
}
