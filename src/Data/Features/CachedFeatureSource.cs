using System.IO.MemoryMappedFiles;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Transforms;
using static TorchSharp.torch;

namespace PerceptionEncoder.Data.Features;

/// <summary>
/// Features read from a cache made by <see cref="FeatureCache.Build"/> (<c>pe cache</c>): the shards are
/// memory-mapped and each batch's maps are copied out and widened to float32. The cached images were
/// squash-resized and not augmented, so items must be given <see cref="FixedTransform"/> for their targets to line
/// up. Thread-safe for reading.
/// </summary>
public sealed unsafe class CachedFeatureSource : IFeatureSource
{
    private readonly List<(MemoryMappedFile File, MemoryMappedViewAccessor View, IntPtr Pointer)> _shards = [];
    private readonly Dictionary<string, (int Shard, int Slot)> _index = new(StringComparer.Ordinal);
    private readonly CacheRecordEntry[] _mapEntries;
    private readonly CacheRecordEntry[]? _tokenEntries;
    private readonly ScalarType _stored;
    private readonly string _directory;

    private CachedFeatureSource(string directory, FeatureCacheManifest manifest, IReadOnlyList<int> layers, Device device)
    {
        _directory = directory;
        Manifest = manifest;
        _stored = CacheDTypes.Parse(manifest.DType).ScalarType();
        var byName = manifest.Record.Entries.ToDictionary(e => e.Name);
        _mapEntries = layers.Select(l => byName[$"layer_{l}"]).ToArray();
        _tokenEntries = manifest.Backbone.ClassToken ? layers.Select(l => byName[$"cls_{l}"]).ToArray() : null;
        Info = new FeatureSourceInfo(manifest.Backbone.Name, manifest.Backbone.Weights, manifest.Backbone.RandomWeights,
            manifest.Backbone.PatchSize, manifest.Backbone.Width, layers, manifest.Backbone.ClassToken, manifest.ImageSize, device);
        FixedTransform = new SquashResize(manifest.ImageSize);
        try
        {
            for (int s = 0; s < manifest.Shards.Count; s++)
            {
                var index = FeatureCache.ReadShardIndex(directory, s, manifest.Record.Bytes);
                for (int slot = 0; slot < index.Ids.Count; slot++)
                    if (!_index.TryAdd(index.Ids[slot], (s, slot)))
                        throw new InvalidDataException($"{FeatureCache.IndexPath(directory, s)}: item '{index.Ids[slot]}' appears twice in the cache.");
                MapShard(FeatureCache.DataPath(directory, s), index.Ids.Count);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the cache in <paramref name="directory"/>.
    /// </summary>
    /// <param name="directory">A folder written by <c>pe cache</c>.</param>
    /// <param name="layers">The layers to deliver (block indices, negative from the end; a subset of the cached ones); null: all.</param>
    /// <param name="device">Where maps are delivered (default CPU).</param>
    /// <exception cref="InvalidDataException">
    /// Not a cache, an unfinished one, or one without the requested layers; the message names the folder and says what to do.
    /// </exception>
    public static CachedFeatureSource Open(string directory, IEnumerable<int>? layers = null, Device? device = null)
    {
        string dir = Path.GetFullPath(directory);
        string manifestPath = Path.Combine(dir, FeatureCache.ManifestFileName);
        if (!File.Exists(manifestPath))
            throw new FileNotFoundException($"{manifestPath}: not found; {dir} is not a feature cache (make one with 'pe cache').", manifestPath);
        var manifest = FeatureCacheManifest.Read(manifestPath);
        if (manifest.Format != FeatureCacheManifest.CurrentFormat)
            throw new InvalidDataException($"{manifestPath}: cache format '{manifest.Format}' is not '{FeatureCacheManifest.CurrentFormat}'; rebuild it.");
        if (!manifest.Complete)
            throw new InvalidDataException($"{manifestPath}: the cache is unfinished; run the same 'pe cache' command again to complete it.");
        var resolved = layers == null ? manifest.Layers.ToList() : layers.Select(l => ResolveLayer(manifestPath, manifest, l)).ToList();
        return new CachedFeatureSource(dir, manifest, resolved, device ?? CPU);
    }

    private static int ResolveLayer(string path, FeatureCacheManifest manifest, int layer)
    {
        int depth = manifest.Backbone.Depth;
        int resolved = layer < 0 ? depth + layer : layer;
        if (!manifest.Layers.Contains(resolved))
            throw new InvalidDataException(
                $"{path}: the cache holds layers [{string.Join(", ", manifest.Layers)}] of {manifest.Backbone.Name}, not layer {layer}" +
                (layer < 0 ? $" (= {resolved})" : "") + "; make a cache with that layer.");
        return resolved;
    }

    public FeatureCacheManifest Manifest { get; }

    public FeatureSourceInfo Info { get; }

    public bool NeedsImages => false;

    public SampleTransform? FixedTransform { get; }

    /// <summary>Ids of the cached items (items skipped at caching time are absent).</summary>
    public IReadOnlyCollection<string> Ids => _index.Keys;

    public bool Contains(string id) => _index.ContainsKey(id);

    /// <summary>Bytes one item takes in the shards (all cached layers).</summary>
    public long BytesPerItem => Manifest.Record.Bytes;

    /// <summary>
    /// Refuses (with a message saying what differs) a cache made with another backbone or weights than
    /// <paramref name="backboneName"/> / <paramref name="weightsId"/>.
    /// </summary>
    public void EnsureBackbone(string backboneName, string weightsId)
    {
        if (Manifest.Backbone.Name != backboneName || Manifest.Backbone.Weights != weightsId)
            throw new InvalidDataException(
                $"{Path.Combine(_directory, FeatureCache.ManifestFileName)}: the cache was made with {Manifest.Backbone.Name} ({Manifest.Backbone.Weights}), " +
                $"not {backboneName} ({weightsId}); make a cache with this backbone or use the one it was made with.");
    }

    public FeatureMaps GetFeatures(Batch batch)
    {
        int size = Manifest.ImageSize;
        if (batch.Height != size || batch.Width != size)
            throw new InvalidOperationException(
                $"the batch is {batch.Width}x{batch.Height} but the cache holds features of {size}x{size} images: " +
                "load items with the source's FixedTransform.");
        return GetFeatures(batch.Ids);
    }

    /// <summary>The maps of the items <paramref name="ids"/>, in that order: per layer [B, C, h, w] float32.</summary>
    /// <exception cref="KeyNotFoundException">An id the cache does not hold (e.g. skipped when it was made).</exception>
    public FeatureMaps GetFeatures(IReadOnlyList<string> ids)
    {
        var slots = ids.Select(id => _index.TryGetValue(id, out var slot) ? slot
            : throw new KeyNotFoundException($"item '{id}' is not in the feature cache {_directory} (skipped or from another dataset).")).ToArray();
        var maps = _mapEntries.Select(e => Read(e, slots)).ToList();
        var tokens = _tokenEntries?.Select(e => Read(e, slots)).ToList();
        return new FeatureMaps(Info.Layers, maps, tokens);
    }

    private Tensor Read(CacheRecordEntry entry, (int Shard, int Slot)[] slots)
    {
        using var scope = NewDisposeScope();
        long[] shape = [slots.Length, .. entry.Shape.Select(s => (long)s)];
        long per = entry.Shape.Aggregate(2L, (a, s) => a * s);
        var stored = empty(shape, _stored);
        var destination = stored.bytes;
        for (int n = 0; n < slots.Length; n++)
        {
            var (shard, slot) = slots[n];
            byte* source = (byte*)_shards[shard].Pointer + slot * Manifest.Record.Bytes + entry.Offset;
            new ReadOnlySpan<byte>(source, checked((int)per)).CopyTo(destination.Slice(checked((int)(n * per)), (int)per));
        }
        return stored.to(ScalarType.Float32).to(Info.Device).MoveToOuterDisposeScope();
    }

    private void MapShard(string path, int records)
    {
        if (records == 0)
        {
            _shards.Add((null!, null!, IntPtr.Zero));
            return;
        }
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _shards.Add((file, view, (IntPtr)(pointer + view.PointerOffset)));
    }

    public void Dispose()
    {
        foreach (var (file, view, pointer) in _shards)
        {
            if (pointer == IntPtr.Zero) continue;
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            file.Dispose();
        }
        _shards.Clear();
    }
}
