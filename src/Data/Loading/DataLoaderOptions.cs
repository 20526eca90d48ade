using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Data.Loading;

/// <summary>How a <see cref="DataLoader"/> batches a source.</summary>
public sealed record DataLoaderOptions
{
    public int BatchSize { get; init; } = 8;

    /// <summary>Visit the items in a new random order each epoch (drawn from <see cref="Seed"/> and the epoch).</summary>
    public bool Shuffle { get; init; }

    /// <summary>Seeds the order and every item's transform: same seed, same batches, whatever <see cref="Workers"/> is.</summary>
    public int Seed { get; init; }

    /// <summary>Items decoded at once (threads).</summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Batches prepared ahead of the one being consumed (bounds memory).</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>Leave out the last batch when it is smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLast { get; init; }

    /// <summary>Leave out items that cannot be read (counted in <see cref="DataLoader.Skipped"/>) instead of failing.</summary>
    public bool SkipBad { get; init; }

    /// <summary>What to read per item; training from cached features leaves out <see cref="SampleParts.Image"/>.</summary>
    public SampleParts Parts { get; init; } = SampleParts.Image | SampleParts.Detection | SampleParts.Depth;

    /// <summary>Batch tensors are padded to a multiple of this (the backbone's patch size).</summary>
    public int SizeDivisibility { get; init; } = 1;
}
