using System.IO.Compression;
using System.Text;
using PerceptionEncoder.Backbone.Checkpoints.Pickle;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>Writes a state_dict as a <c>torch.save</c> zip file that <c>torch.load(weights_only=True)</c> reads.</summary>
public static class TorchZipWriter
{
    /// <summary>
    /// Writes <paramref name="stateDict"/> (CPU or not; float32/float16/bfloat16/float64/int64) to <paramref name="path"/>
    /// atomically, optionally nested as <c>{wrapper: state_dict}</c>.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> stateDict, string? wrapper = null)
    {
        var tensors = stateDict.ToList();
        var records = tensors.Select((kv, i) => (kv.Key, kv.Value.dtype, kv.Value.shape, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        byte[] pickle = StateDictPickler.Write(records, wrapper);
        const string archive = "archive";
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            WriteEntry(zip, $"{archive}/data.pkl", s => s.Write(pickle));
            WriteEntry(zip, $"{archive}/byteorder", s => s.Write(Encoding.ASCII.GetBytes("little")));
            for (int i = 0; i < tensors.Count; i++)
            {
                var t = tensors[i].Value;
                WriteEntry(zip, $"{archive}/data/{records[i].Item4}", s =>
                {
                    using var contiguous = t.detach().cpu().contiguous();
                    s.Write(contiguous.bytes);
                });
            }
            WriteEntry(zip, $"{archive}/version", s => s.Write(Encoding.ASCII.GetBytes("3\n")));
        });
    }

    private static void WriteEntry(ZipArchive zip, string name, Action<Stream> write)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var s = entry.Open();
        write(s);
    }
}
