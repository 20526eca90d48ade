using System.Globalization;
using System.Text;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Bench;

/// <summary>
/// Mode "backbone --profile": where the time of one PE block goes, op by op, in float32 and bfloat16 at the shapes of a
/// 512x512 batch (random weights). Explains the bf16-over-fp32 ratio of the backbone table: each op is timed alone
/// (best of N, inputs warm in cache), then the whole block as the model runs it.
/// <code>bench backbone --profile [--models T,S,B] [--batch 8] [--repeats 5] [--threads 2]</code>
/// </summary>
public static class BackboneProfile
{
    private const int Size = 512;

    public static int Run(string[] models, int batch, int repeats, int threads)
    {
        torch.set_num_threads(threads);
        var sb = new StringBuilder();
        sb.AppendLine("### Where the time of one block goes (`bench/run.sh backbone --profile`)");
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"One block of each model at batch {batch}, {Size}x{Size} ({Size / 16 * (Size / 16) + 1} tokens), {threads} threads, ms per block (best of {repeats}); ")
            + "each op alone with its real shapes, then the whole block as the model runs it. Attention as run is RoPE then libtorch's " +
            "fused kernel (SDPA) in fp32 and, in bf16, the project's native kernel, RoPE included, where this CPU runs it (" +
            (NativeAttention.IsAvailable ? "it does here" : $"not here: {NativeAttention.Unavailable}") + "). libtorch's own bf16 path is " +
            "RoPE, then batched matmuls with a softmax over chunks of heads; the \"of which\" rows are its parts, timed in both dtypes.");
        foreach (string model in models)
        {
            var config = PeConfigs.Get($"PE-Spatial-{model}16-512");
            var fp32 = Profile(config, ScalarType.Float32, batch, repeats);
            var bf16 = Profile(config, ScalarType.BFloat16, batch, repeats);
            sb.AppendLine();
            sb.AppendLine($"PE-Spatial-{model}16-512 (width {config.Width}, {config.Heads} heads of {config.Width / config.Heads}):");
            sb.AppendLine();
            sb.AppendLine("| op | fp32 ms | bf16 ms | bf16 speed-up | share of the bf16 block |");
            sb.AppendLine("|---|---:|---:|---:|---:|");
            double block = bf16[^1].Ms;
            for (int i = 0; i < fp32.Count; i++)
            {
                string share = fp32[i].Name.StartsWith('(') ? "" : string.Create(CultureInfo.InvariantCulture, $"{100 * bf16[i].Ms / block:F0}%");
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {fp32[i].Name} | {fp32[i].Ms:F2} | {bf16[i].Ms:F2} | {fp32[i].Ms / bf16[i].Ms:F2}x | {share} |"));
            }
            Console.Error.WriteLine($"profile: {model} done");
        }
        sb.AppendLine();
        Console.Write(sb.ToString());
        return 0;
    }

    private static List<(string Name, double Ms)> Profile(PeConfig config, ScalarType dtype, int batch, int repeats)
    {
        using var backbone = PeBackbone.CreateRandom(config, seed: 0, dtype); // also tunes malloc as the model does
        var model = backbone.Model;
        int grid = Size / config.PatchSize;
        long c = config.Width, heads = config.Heads, d = c / heads, t = grid * grid + config.PrefixTokens, hidden = config.MlpWidth;
        using var scope = NewDisposeScope();
        Tensor Random(params long[] shape) => (randn(shape) * 0.05).to(dtype);
        var x = Random(batch, t, c); // [B, T, C]
        var rotation = model.RopeRotation(grid, grid)!;
        var qkvWeight = Random(3 * c, c);
        var outWeight = Random(c, c);
        var fc1 = Random(hidden, c);
        var fc2 = Random(c, hidden);
        var bias3 = Random(3 * c);
        var biasC = Random(c);
        var biasH = Random(hidden);
        var lnWeight = ones(c).to(dtype);
        var gamma = Random(c);
        var qkv = nn.functional.linear(x, qkvWeight, bias3).view(batch, t, 3, heads, d); // [B, T, 3, H, D]
        var q = qkv.select(2, 0).transpose(1, 2).contiguous(); // [B, H, T, D]
        var k = qkv.select(2, 1).transpose(1, 2).contiguous();
        var v = qkv.select(2, 2).transpose(1, 2).contiguous();
        var qs = q.reshape(batch * heads, t, d); // [BH, T, D]
        var kt = k.reshape(batch * heads, t, d).transpose(1, 2); // [BH, D, T]
        var vs = v.reshape(batch * heads, t, d);
        var scores = bmm(qs, kt); // [BH, T, T]
        var probabilities = scores.softmax(-1);
        var mlpHidden = nn.functional.linear(x, fc1, biasH); // [B, T, hidden]
        var ops = new List<(string, Func<Tensor>)>
        {
            ("LayerNorm x2", () => { nn.functional.layer_norm(x, [c], lnWeight, biasC, 1e-5); return nn.functional.layer_norm(x, [c], lnWeight, biasC, 1e-5); }),
            ("qkv projection", () => nn.functional.linear(x, qkvWeight, bias3)),
            ("RoPE + attention as run (Auto)", () => MultiheadAttention.SelfAttend(qkv, rotation)),
            ("RoPE + attention, libtorch only (SDPA fp32, matmuls bf16)",
                () => MultiheadAttention.SelfAttend(qkv, rotation, dtype == ScalarType.BFloat16 ? AttentionKernel.Matmul : AttentionKernel.Fused)),
            ("- of which RoPE on q and k (float32 inside)", () => Rope2D.Apply(qkv.narrow(2, 0, 2), rotation)),
            ("- of which scores q kᵀ (bmm)", () => bmm(qs, kt)),
            ("- of which softmax (float32 inside)", () => ChunkedSoftmax(scores)),
            ("- of which weights x v (bmm)", () => bmm(probabilities, vs)),
            ("(fused attention, SDPA: fp32's path)", () => nn.functional.scaled_dot_product_attention(q, k, v)),
            ("out projection", () => nn.functional.linear(x, outWeight, biasC)),
            ("MLP fc1", () => nn.functional.linear(x, fc1, biasH)),
            ("GELU", () => nn.functional.gelu(mlpHidden)),
            ("MLP fc2", () => nn.functional.linear(mlpHidden, fc2, biasC)),
            ("layer scale and residual x2", () => { var y = x + x * gamma; return y + y * gamma; }),
            ("whole block as run", () => model.Blocks[0].Forward(x, rotation)),
        };
        var timings = new List<(string, double)>();
        foreach (var (name, op) in ops)
        {
            double seconds = BenchUtil.BestSeconds(() =>
            {
                using var opScope = NewDisposeScope();
                op();
            }, repeats, warmup: 2);
            timings.Add((name, 1000 * seconds));
        }
        return timings;
    }

    /// <summary>Softmax over the score rows in the head chunks <see cref="MultiheadAttention.Attend"/> uses (about 32 MB each).</summary>
    private static Tensor ChunkedSoftmax(Tensor scores)
    {
        long heads = scores.shape[0], chunk = Math.Max(1, (32L << 20) / (scores.shape[1] * scores.shape[2] * 2));
        for (long start = 0; start < heads; start += chunk)
        {
            using var chunkScope = NewDisposeScope();
            scores.narrow(0, start, Math.Min(chunk, heads - start)).softmax(-1);
        }
        return scores;
    }
}
