using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Data.Loading;

/// <summary>Views of sample sources.</summary>
public static class SampleSources
{
    /// <summary>The items of <paramref name="source"/> at <paramref name="indices"/>, in that order.</summary>
    public static ISampleSource Subset(this ISampleSource source, IEnumerable<int> indices) => new SubsetSource(source, indices.ToArray());

    /// <summary>The items whose id satisfies <paramref name="keep"/> (e.g. those a feature cache holds).</summary>
    public static ISampleSource WhereId(this ISampleSource source, Func<string, bool> keep) =>
        new SubsetSource(source, Enumerable.Range(0, source.Count).Where(i => keep(source.ItemId(i))).ToArray());

    /// <summary>The first <paramref name="count"/> items.</summary>
    public static ISampleSource Take(this ISampleSource source, int count) =>
        new SubsetSource(source, Enumerable.Range(0, Math.Min(count, source.Count)).ToArray());

    private sealed class SubsetSource(ISampleSource inner, int[] indices) : ISampleSource
    {
        public string Name => inner.Name;

        public int Count => indices.Length;

        public CategoryMap? Categories => inner.Categories;

        public string ItemId(int index) => inner.ItemId(indices[index]);

        public string ItemPath(int index) => inner.ItemPath(indices[index]);

        public Sample Load(int index, SampleParts parts) => inner.Load(indices[index], parts);
    }
}
