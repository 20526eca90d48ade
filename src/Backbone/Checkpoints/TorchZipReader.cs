using System.IO.Compression;
using System.Text;
using PerceptionEncoder.Backbone.Checkpoints.Pickle;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>Reads the tensors of a <c>torch.save</c> zip file (torch &gt;= 1.6) through the safe state_dict unpickler.</summary>
internal static class TorchZipReader
{
    /// <summary>The unpickled root object and a function that reads a storage record as a 1-D tensor.</summary>
    public static (object? Root, Func<StorageRef, Tensor> ReadStorage) Open(string path, ZipArchive zip)
    {
        var pickles = zip.Entries.Where(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal) && e.FullName.Count(ch => ch == '/') <= 1).ToList();
        if (pickles.Count != 1)
            throw new InvalidDataException($"{path}: a zip file but not a torch checkpoint (expected one <name>/data.pkl record, found {pickles.Count}).");
        var pickle = pickles[0];
        string prefix = pickle.FullName[..^"data.pkl".Length];
        var byteOrder = zip.GetEntry(prefix + "byteorder");
        if (byteOrder != null)
        {
            using var reader = new StreamReader(byteOrder.Open(), Encoding.ASCII);
            string order = reader.ReadToEnd().Trim();
            if (order != "little") throw new InvalidDataException($"{path}: tensors are stored {order}-endian; only little-endian checkpoints are read.");
        }
        byte[] data;
        using (var stream = pickle.Open())
        using (var buffer = new MemoryStream())
        {
            stream.CopyTo(buffer);
            data = buffer.ToArray();
        }
        object? root = StateDictUnpickler.Load(path, data);
        Tensor ReadStorage(StorageRef storage)
        {
            var entry = zip.GetEntry($"{prefix}data/{storage.Key}")
                ?? throw new InvalidDataException($"{path}: the storage record data/{storage.Key} is missing (truncated or corrupt file).");
            int elementSize = StoredTensor.ElementSize(storage.DType);
            long expected = storage.ElementCount * elementSize;
            if (entry.Length < expected)
                throw new InvalidDataException($"{path}: storage data/{storage.Key} holds {entry.Length} bytes, {expected} expected (truncated file).");
            var tensor = empty([storage.ElementCount], dtype: storage.DType);
            try
            {
                using var stream = entry.Open();
                ReadExactly(stream, tensor.bytes, path, storage.Key);
            }
            catch
            {
                tensor.Dispose();
                throw;
            }
            return tensor;
        }
        return (root, ReadStorage);
    }

    private static void ReadExactly(Stream stream, Span<byte> target, string path, string key)
    {
        try
        {
            stream.ReadExactly(target);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: storage data/{key} ends early (truncated file).", e);
        }
    }

    /// <summary>Rebuilds a (possibly strided) tensor from its storage as a new contiguous tensor.</summary>
    public static Tensor Rebuild(string path, string name, TensorRecord record, Func<StorageRef, Tensor> readStorage)
    {
        long extent = record.StorageOffset + 1 + record.Shape.Zip(record.Stride).Sum(p => (p.First - 1) * p.Second);
        if (record.Shape.Any(s => s == 0)) extent = 0;
        if (record.Shape.Any(s => s < 0) || record.Stride.Any(s => s < 0) || extent > record.Storage.ElementCount)
            throw new InvalidDataException($"{path}: tensor {name} ({StoredTensor.Describe(record.Shape)}) does not fit its storage of {record.Storage.ElementCount} elements.");
        using var storage = readStorage(record.Storage);
        if (record.StorageOffset == 0 && IsContiguous(record.Shape, record.Stride) && storage.shape[0] == record.Shape.Aggregate(1L, (a, b) => a * b))
            return storage.view(record.Shape).alias();
        using var view = storage.as_strided(record.Shape, record.Stride, record.StorageOffset);
        return view.contiguous().clone();
    }

    private static bool IsContiguous(long[] shape, long[] stride)
    {
        long expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }
}
