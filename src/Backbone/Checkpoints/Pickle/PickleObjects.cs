using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints.Pickle;

/// <summary>A Python global the unpickler allows (<c>module.name</c>).</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A dict or OrderedDict, insertion-ordered.</summary>
internal sealed class PickleDict
{
    public List<KeyValuePair<object?, object?>> Items { get; } = [];

    public void Set(object? key, object? value)
    {
        for (int i = 0; i < Items.Count; i++)
            if (Equals(Items[i].Key, key))
            {
                Items[i] = new(key, value);
                return;
            }
        Items.Add(new(key, value));
    }

    public object? Get(string key) => Items.FirstOrDefault(kv => key.Equals(kv.Key)).Value;
}

/// <summary>A torch storage named by a persistent id: the zip record <c>data/&lt;Key&gt;</c> of <see cref="ElementCount"/> elements.</summary>
internal sealed record StorageRef(string Key, ScalarType DType, long ElementCount);

/// <summary>A tensor rebuilt by <c>torch._utils._rebuild_tensor_v2</c>: a strided view into a storage.</summary>
internal sealed record TensorRecord(StorageRef Storage, long StorageOffset, long[] Shape, long[] Stride);
