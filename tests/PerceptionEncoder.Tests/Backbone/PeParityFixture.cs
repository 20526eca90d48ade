using System.Text.Json;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Testing;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Backbone;

/// <summary>
/// Reads ../shared/fixtures/pe_parity: the official implementation's configs, inputs and activations (raw float32
/// blobs located by manifest.json), and the paths of its <c>.pt</c> state dicts.
/// </summary>
internal static class PeParityFixture
{
    public static readonly string[] Models = ["tiny_spatial", "tiny_spatial_nocls", "tiny_core"];
    public static readonly string[] Inputs = ["in_64x64", "in_48x80"];

    /// <summary>Every (model, input) pair of the fixture, for theories.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in Models)
            foreach (string input in Inputs)
                data.Add(model, input);
        return data;
    }

    private static readonly Lazy<JsonElement> Manifest = new(() =>
        JsonDocument.Parse(File.ReadAllText(SharedData.Path("fixtures", "pe_parity", "manifest.json"))).RootElement);

    public static string Folder => SharedData.Path("fixtures", "pe_parity");

    public static string StateDictPath(string model) => Path.Combine(Folder, $"{model}.state_dict.pt");

    /// <summary>The official constructor arguments of a fixture model as a <see cref="PeConfig"/>.</summary>
    public static PeConfig Config(string model) =>
        PeConfigJson.Parse(ModelEntry(model).GetProperty("config").GetRawText(), $"manifest.json models.{model}.config", model);

    /// <summary>The official constructor arguments of a fixture model as the manifest stores them (a JSON object).</summary>
    public static string ConfigJson(string model) => ModelEntry(model).GetProperty("config").GetRawText();

    /// <summary>An input batch [2, 3, H, W] float32 in [-1, 1].</summary>
    public static Tensor Input(string name) =>
        ReadTensor(Path.Combine(Folder, "inputs.bin"), Manifest.Value.GetProperty("inputs").GetProperty("tensors").EnumerateArray()
            .First(e => e.GetProperty("name").GetString() == name));

    /// <summary>Every reference activation of a model for one input: tensor name (without the input prefix) -> tensor.</summary>
    public static Dictionary<string, Tensor> Activations(string model, string input)
    {
        string file = Path.Combine(Folder, ModelEntry(model).GetProperty("activations_file").GetString()!);
        return ModelEntry(model).GetProperty("activations").EnumerateArray()
            .Where(e => e.GetProperty("name").GetString()!.StartsWith(input + "/", StringComparison.Ordinal))
            .ToDictionary(e => e.GetProperty("name").GetString()![(input.Length + 1)..], e => ReadTensor(file, e));
    }

    private static JsonElement ModelEntry(string model) => Manifest.Value.GetProperty("models").GetProperty(model);

    private static Tensor ReadTensor(string file, JsonElement entry)
    {
        long[] shape = [.. entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];
        long offset = entry.GetProperty("offset_bytes").GetInt64(), count = entry.GetProperty("nbytes").GetInt64();
        var tensor = empty(shape, dtype: ScalarType.Float32);
        using var stream = File.OpenRead(file);
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(tensor.bytes[..checked((int)count)]);
        return tensor;
    }
}
