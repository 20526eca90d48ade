using TorchSharp;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>
/// The tensors of a checkpoint under the official names: <c>module.</c> removed, only the <c>visual.</c> tower of a
/// CLIP checkpoint kept, timm names mapped back (docs PE_ARCHITECTURE §1.3).
/// </summary>
public sealed partial class CheckpointKeys
{
    private CheckpointKeys(Dictionary<string, StoredTensor> tensors, KeyStyle style, string? stripped, int droppedOtherTowers, List<string> ignored)
    {
        Tensors = tensors;
        Style = style;
        StrippedPrefix = stripped;
        DroppedOtherTowers = droppedOtherTowers;
        Ignored = ignored;
    }

    /// <summary>The tensors by official key, in file order; loading gives the official layout.</summary>
    public IReadOnlyDictionary<string, StoredTensor> Tensors { get; }

    public KeyStyle Style { get; }

    /// <summary>The prefix(es) removed from the keys (<c>module.</c>, <c>visual.</c>), or null.</summary>
    public string? StrippedPrefix { get; }

    /// <summary>Tensors dropped because they are not in the <c>visual.</c> tower (the text tower of CLIP checkpoints).</summary>
    public int DroppedOtherTowers { get; }

    /// <summary>Stored tensors deliberately not loaded: RoPE tables (derived constants) and timm's zero head bias.</summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>Maps the stored names of <paramref name="file"/> to the official ones.</summary>
    public static CheckpointKeys Normalize(CheckpointFile file)
    {
        var stripped = new List<string>();
        IEnumerable<StoredTensor> tensors = file.Tensors;
        // The official loader removes "module." anywhere in a key (DataParallel / DDP wrappers).
        if (tensors.Any(t => t.Name.Contains("module.", StringComparison.Ordinal)))
        {
            stripped.Add("module.");
            tensors = tensors.Select(t => t.Derive(t.Name.Replace("module.", "", StringComparison.Ordinal), [.. t.Shape], t.Load)).ToList();
        }
        int dropped = 0;
        if (tensors.Any(t => t.Name.StartsWith("visual.", StringComparison.Ordinal)))
        {
            stripped.Add("visual.");
            var list = tensors.ToList();
            var visual = list.Where(t => t.Name.StartsWith("visual.", StringComparison.Ordinal)).ToList();
            dropped = list.Count - visual.Count;
            tensors = visual.Select(t => t.Derive(t.Name["visual.".Length..], [.. t.Shape], t.Load)).ToList();
        }
        var all = tensors.ToList();
        var ignored = new List<string>();
        bool timm = all.Any(t => t.Name is "patch_embed.proj.weight" or "pos_embed" or "cls_token" || t.Name.StartsWith("blocks.", StringComparison.Ordinal));
        var result = new Dictionary<string, StoredTensor>();
        if (timm) FromTimm(file.Path, all, result, ignored);
        else
            foreach (var t in all)
            {
                if (IsRope(t.Name)) ignored.Add(t.Name);
                else result[t.Name] = t;
            }
        return new CheckpointKeys(result, timm ? KeyStyle.Timm : KeyStyle.Official,
            stripped.Count == 0 ? null : string.Concat(stripped), dropped, ignored);
    }

    private static bool IsRope(string name) => name.StartsWith("rope.", StringComparison.Ordinal) || name.Contains(".rope.", StringComparison.Ordinal);

    private static void FromTimm(string path, List<StoredTensor> tensors, Dictionary<string, StoredTensor> result, List<string> ignored)
    {
        var byName = tensors.ToDictionary(t => t.Name);
        foreach (var t in tensors)
        {
            string name = t.Name;
            switch (name)
            {
                case "patch_embed.proj.weight":
                    Add(result, t.Derive("conv1.weight", [.. t.Shape], t.Load));
                    continue;
                case "pos_embed" when t.Shape is [1, var n, var c]:
                    Add(result, t.Derive("positional_embedding", [n, c], () => Squeeze(t, 0)));
                    continue;
                case "cls_token" when t.Shape is [1, 1, var c]:
                    Add(result, t.Derive("class_embedding", [c], () => Reshape(t, [c])));
                    continue;
                case "attn_pool.latent":
                    Add(result, t.Derive("attn_pool.probe", [.. t.Shape], t.Load));
                    continue;
                case "head.weight" when t.Shape is [var o, var c]:
                    Add(result, t.Derive("proj", [c, o], () => Transposed(t)));
                    continue;
                case "head.bias":
                    // timm's converter adds a zero bias that the official projection does not have.
                    using (var bias = t.Load())
                        if (bias.count_nonzero().item<long>() != 0)
                            throw new InvalidDataException($"{path}: head.bias is not zero; PE's projection has no bias, so this is not a converted PE checkpoint.");
                    ignored.Add(name);
                    continue;
                case "attn_pool.q.weight" or "attn_pool.q.bias":
                {
                    string suffix = name.EndsWith("weight", StringComparison.Ordinal) ? "weight" : "bias";
                    if (byName.TryGetValue($"attn_pool.kv.{suffix}", out var kv))
                    {
                        long[] shape = [t.Shape[0] + kv.Shape[0], .. t.Shape.Skip(1)];
                        Add(result, t.Derive($"attn_pool.attn.in_proj_{suffix}", shape, () => Concatenated(t, kv)));
                    }
                    else Add(result, t); // reported as unexpected, with its kv half missing
                    continue;
                }
                case "attn_pool.kv.weight" or "attn_pool.kv.bias":
                    if (!byName.ContainsKey(name.Replace(".kv.", ".q.", StringComparison.Ordinal))) Add(result, t);
                    continue;
            }
            if (IsRope(name))
            {
                ignored.Add(name);
                continue;
            }
            Add(result, t.Derive(RenameTimm(name), [.. t.Shape], t.Load));
        }
    }

    private static string RenameTimm(string name)
    {
        var block = BlockKey().Match(name);
        if (block.Success)
        {
            string rest = block.Groups[2].Value switch
            {
                var r when r.StartsWith("norm1.", StringComparison.Ordinal) => "ln_1." + r[6..],
                var r when r.StartsWith("norm2.", StringComparison.Ordinal) => "ln_2." + r[6..],
                "gamma_1" => "ls_1.gamma",
                "gamma_2" => "ls_2.gamma",
                "attn.qkv.weight" => "attn.in_proj_weight",
                "attn.qkv.bias" => "attn.in_proj_bias",
                var r when r.StartsWith("attn.proj.", StringComparison.Ordinal) => "attn.out_proj." + r[10..],
                var r when r.StartsWith("mlp.fc1.", StringComparison.Ordinal) => "mlp.c_fc." + r[8..],
                var r when r.StartsWith("mlp.fc2.", StringComparison.Ordinal) => "mlp.c_proj." + r[8..],
                var r => "?" + r,
            };
            return rest.StartsWith('?') ? name : $"transformer.resblocks.{block.Groups[1].Value}.{rest}";
        }
        return name switch
        {
            "norm_pre.weight" => "ln_pre.weight",
            "norm_pre.bias" => "ln_pre.bias",
            "norm.weight" => "ln_post.weight",
            "norm.bias" => "ln_post.bias",
            var n when n.StartsWith("attn_pool.proj.", StringComparison.Ordinal) => "attn_pool.attn.out_proj." + n["attn_pool.proj.".Length..],
            var n when n.StartsWith("attn_pool.norm.", StringComparison.Ordinal) => "attn_pool.layernorm." + n["attn_pool.norm.".Length..],
            var n when n.StartsWith("attn_pool.mlp.fc1.", StringComparison.Ordinal) => "attn_pool.mlp.c_fc." + n["attn_pool.mlp.fc1.".Length..],
            var n when n.StartsWith("attn_pool.mlp.fc2.", StringComparison.Ordinal) => "attn_pool.mlp.c_proj." + n["attn_pool.mlp.fc2.".Length..],
            _ => name,
        };
    }

    private static void Add(Dictionary<string, StoredTensor> result, StoredTensor t) => result[t.Name] = t;

    private static Tensor Squeeze(StoredTensor t, int dim)
    {
        using var loaded = t.Load();
        return loaded.squeeze(dim).contiguous();
    }

    private static Tensor Reshape(StoredTensor t, long[] shape)
    {
        using var loaded = t.Load();
        return loaded.reshape(shape).contiguous();
    }

    private static Tensor Transposed(StoredTensor t)
    {
        using var loaded = t.Load();
        return loaded.t().contiguous();
    }

    private static Tensor Concatenated(StoredTensor first, StoredTensor second)
    {
        using var a = first.Load();
        using var b = second.Load();
        return torch.cat([a, b.to(a.dtype)], dim: 0);
    }

    /// <summary>
    /// The official state_dict renamed as timm's PE converter does (<c>_convert_pe</c>): the attention-pool qkv split
    /// into q and kv, <c>proj</c> transposed into <c>head.weight</c> with a zero <c>head.bias</c>, pos/cls embeddings
    /// with batch dims. New tensors are created where the layout changes.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, Tensor>> ToTimm(IEnumerable<KeyValuePair<string, Tensor>> official)
    {
        foreach (var (key, value) in official)
        {
            switch (key)
            {
                case "conv1.weight": yield return new("patch_embed.proj.weight", value); break;
                case "positional_embedding": yield return new("pos_embed", value.unsqueeze(0)); break;
                case "class_embedding": yield return new("cls_token", value.view(1, 1, -1)); break;
                case "ln_pre.weight" or "ln_pre.bias": yield return new("norm_pre." + key[7..], value); break;
                case "ln_post.weight" or "ln_post.bias": yield return new("norm." + key[8..], value); break;
                case "proj":
                    yield return new("head.weight", value.t().contiguous());
                    yield return new("head.bias", torch.zeros(value.shape[1], dtype: value.dtype));
                    break;
                case "attn_pool.probe": yield return new("attn_pool.latent", value); break;
                case "attn_pool.attn.in_proj_weight" or "attn_pool.attn.in_proj_bias":
                {
                    string suffix = key.EndsWith("weight", StringComparison.Ordinal) ? "weight" : "bias";
                    long c = value.shape[0] / 3;
                    yield return new($"attn_pool.q.{suffix}", value.narrow(0, 0, c).contiguous());
                    yield return new($"attn_pool.kv.{suffix}", value.narrow(0, c, 2 * c).contiguous());
                    break;
                }
                default: yield return new(ToTimmName(key), value); break;
            }
        }
    }

    private static string ToTimmName(string key)
    {
        const string blocks = "transformer.resblocks.";
        if (key.StartsWith(blocks, StringComparison.Ordinal))
        {
            int dot = key.IndexOf('.', blocks.Length);
            string index = key[blocks.Length..dot], rest = key[(dot + 1)..];
            rest = rest switch
            {
                "ls_1.gamma" => "gamma_1",
                "ls_2.gamma" => "gamma_2",
                "attn.in_proj_weight" => "attn.qkv.weight",
                "attn.in_proj_bias" => "attn.qkv.bias",
                _ => rest.Replace("ln_1.", "norm1.", StringComparison.Ordinal).Replace("ln_2.", "norm2.", StringComparison.Ordinal)
                    .Replace("attn.out_proj.", "attn.proj.", StringComparison.Ordinal)
                    .Replace("mlp.c_fc.", "mlp.fc1.", StringComparison.Ordinal).Replace("mlp.c_proj.", "mlp.fc2.", StringComparison.Ordinal),
            };
            return $"blocks.{index}.{rest}";
        }
        return key.Replace("attn_pool.attn.out_proj.", "attn_pool.proj.", StringComparison.Ordinal)
            .Replace("attn_pool.layernorm.", "attn_pool.norm.", StringComparison.Ordinal)
            .Replace("attn_pool.mlp.c_fc.", "attn_pool.mlp.fc1.", StringComparison.Ordinal)
            .Replace("attn_pool.mlp.c_proj.", "attn_pool.mlp.fc2.", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^blocks\.(\d+)\.(.+)$")]
    private static partial Regex BlockKey();
}
