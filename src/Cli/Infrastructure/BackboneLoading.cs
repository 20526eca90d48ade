using System.Globalization;
using PerceptionEncoder.Backbone;
using static TorchSharp.torch;

namespace PerceptionEncoder.Cli.Infrastructure;

/// <summary>How every command turns <c>--checkpoint</c>, <c>--config</c> and <c>--dtype</c> into a backbone.</summary>
internal static class BackboneLoading
{
    /// <summary>The compute dtype named by a <c>--dtype</c> value (<c>bf16</c>, else float32).</summary>
    public static ScalarType DTypeOf(string? name) => name == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>
    /// The backbone of <paramref name="checkpoint"/>: a checkpoint file, or <c>random:SEED</c> (with a config) for
    /// the random-weight backbone the demo and the benchmarks use.
    /// </summary>
    public static PeBackbone Open(string checkpoint, string? config, ScalarType dtype, Device device)
    {
        var parsed = config == null ? null : PeConfigs.Resolve(config);
        if (checkpoint.StartsWith("random:", StringComparison.Ordinal))
        {
            if (!int.TryParse(checkpoint["random:".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed))
                throw new CliUsageException($"--checkpoint {checkpoint}: expected random:SEED with an integer seed.");
            if (parsed == null) throw new CliUsageException("--checkpoint random:SEED needs --config (a released name or a JSON file).");
            return PeBackbone.CreateRandom(parsed, seed, dtype, device);
        }
        return PeBackbone.Load(checkpoint, parsed, dtype, device);
    }

    /// <summary>What identifies a loaded backbone's outputs in a resume journal: name, weights and compute dtype.</summary>
    public static string Identity(IFeatureBackbone backbone) => $"{backbone.Name} {backbone.WeightsId} {backbone.DType}";
}
