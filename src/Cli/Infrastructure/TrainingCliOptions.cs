using System.CommandLine;
using PerceptionEncoder.Heads.Training;

namespace PerceptionEncoder.Cli.Infrastructure;

/// <summary>The options `pe train det` and `pe train depth` share, and their mapping to <see cref="TrainOptions"/>.</summary>
public sealed class TrainingCliOptions
{
    public Option<string> Checkpoint { get; } = new("--checkpoint") { Description = "The backbone checkpoint (.pt or .safetensors) whose frozen features the head learns from." };
    public Option<string?> Config { get; } = new("--config") { Description = "Backbone config: a released name or a JSON file (default: inferred from the checkpoint)." };
    public Option<string?> DataRoot { get; } = new("--data-root") { Description = "Dataset root (default: $PE_DATASETS); features are computed online." };
    public Option<string?> Cache { get; } = new("--cache") { Description = "A feature cache made by `pe cache` for the training split; the backbone does not run." };
    public Option<string?> ValCache { get; } = new("--val-cache") { Description = "A feature cache of the validation split (with --cache)." };
    public Option<string> Out { get; } = new("--out") { Description = "Output folder of the head: checkpoint, metadata, loss curve, resume state.", Required = true };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 12 };
    public Option<int> BatchSize { get; } = new("--batch-size", "--batch") { Description = "Images per optimiser step.", DefaultValueFactory = _ => 8 };
    public Option<double> LearningRate { get; } = new("--lr") { Description = "Peak learning rate (AdamW).", DefaultValueFactory = _ => 1e-3 };
    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => 0.05 };
    public Option<int> WarmupSteps { get; } = new("--warmup-steps") { Description = "Linear warm-up steps before the cosine decay.", DefaultValueFactory = _ => 100 };
    public Option<double> ClipGradNorm { get; } = new("--clip-grad") { Description = "Maximum gradient norm (0: no clipping).", DefaultValueFactory = _ => 1.0 };
    public Option<int> EvalEvery { get; } = new("--eval-every") { Description = "Evaluate on the validation split every N epochs (0: only at the end).", DefaultValueFactory = _ => 1 };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of initialisation, shuffling and augmentation.", DefaultValueFactory = _ => 0 };
    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue the run in --out from its last finished epoch." };
    public Option<string> TrainSplit { get; } = new("--train-split") { Description = "Training split name.", DefaultValueFactory = _ => "train" };
    public Option<string> ValSplit { get; } = new("--val-split") { Description = "Validation split name.", DefaultValueFactory = _ => "val" };

    /// <summary>Adds every shared option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[]
                 {
                     Checkpoint, Config, DataRoot, Cache, ValCache, Out, Epochs, BatchSize, LearningRate, WeightDecay,
                     WarmupSteps, ClipGradNorm, EvalEvery, Seed, Resume, TrainSplit, ValSplit,
                 })
            command.Options.Add(option);
        command.Validators.Add(r =>
        {
            if (r.GetValue(DataRoot) != null && r.GetValue(Cache) != null)
                r.AddError("--data-root and --cache exclude each other: features come either online or from the cache.");
        });
    }

    public TrainOptions ToTrainOptions(ParseResult parse) => new()
    {
        Epochs = parse.GetValue(Epochs),
        LearningRate = parse.GetValue(LearningRate),
        WeightDecay = parse.GetValue(WeightDecay),
        WarmupSteps = parse.GetValue(WarmupSteps),
        ClipGradNorm = parse.GetValue(ClipGradNorm),
        EvalEvery = parse.GetValue(EvalEvery),
        Seed = parse.GetValue(Seed),
    };
}
