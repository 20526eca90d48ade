using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Tests.Data;

/// <summary>A source of generated samples; items listed in <see cref="Bad"/> fail as a corrupt file would.</summary>
internal sealed class InMemorySource(Func<int, Sample> make, int count) : ISampleSource
{
    private int _inFlight;
    private int _maxIndexLoaded = -1;

    public HashSet<int> Bad { get; } = [];

    public string Name => "in-memory";

    public int Count => count;

    public CategoryMap? Categories => null;

    public int MaxIndexLoaded => Volatile.Read(ref _maxIndexLoaded);

    public int MaxConcurrent { get; private set; }

    public string ItemId(int index) => $"item-{index:D4}";

    public string ItemPath(int index) => $"/nowhere/item-{index:D4}.jpg";

    public Sample Load(int index, SampleParts parts)
    {
        int now = Interlocked.Increment(ref _inFlight);
        lock (Bad) MaxConcurrent = Math.Max(MaxConcurrent, now);
        try
        {
            int seen;
            while ((seen = Volatile.Read(ref _maxIndexLoaded)) < index && Interlocked.CompareExchange(ref _maxIndexLoaded, index, seen) != seen) { }
            if (Bad.Contains(index)) throw new InvalidDataException($"{ItemPath(index)}: not a readable image (test).");
            var s = make(index) with { Id = ItemId(index), SourcePath = ItemPath(index) };
            return (parts & SampleParts.Image) != 0 ? s : s with { Image = null };
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
