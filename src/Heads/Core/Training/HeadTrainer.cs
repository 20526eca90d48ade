using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PerceptionEncoder.Imaging;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Training;

/// <summary>
/// The training loop every head shares: AdamW, warm-up + cosine schedule, gradient clipping, a resume file written
/// atomically after each epoch (weights, optimiser state, loss and metric history), validation every N epochs,
/// determinism for a seed. A run killed at any moment resumes from its last finished epoch and ends with the same
/// weights as an uninterrupted run.
/// </summary>
public sealed class HeadTrainer<TTargets, TPrediction>
{
    public const string ResumeFileName = "train_state.bin";
    private const string Magic = "PE-HEAD-TRAIN/1";

    private readonly IDenseHead<TTargets, TPrediction> _head;
    private readonly BackboneSpec _backbone;
    private readonly TrainOptions _options;
    private readonly string _directory;
    private readonly HeadMetadata? _export;

    /// <param name="directory">The head's output folder: the resume file and the exported head go there.</param>
    /// <param name="export">
    /// When given, after every epoch the head is also exported there as a <see cref="HeadCheckpoint"/> with this
    /// metadata (epochs trained and the latest metrics filled in), with the loss curve as <c>loss.csv</c>.
    /// </param>
    public HeadTrainer(IDenseHead<TTargets, TPrediction> head, BackboneSpec backbone, TrainOptions options, string directory,
        HeadMetadata? export = null)
    {
        options.Validate();
        if (export != null && (export.Task != head.Task || export.Backbone != backbone))
            throw new ArgumentException("the export metadata must describe this head and backbone");
        _head = head;
        _backbone = backbone;
        _options = options;
        _directory = directory;
        _export = export;
    }

    public const string LossLogFileName = "loss.csv";

    /// <summary>Called after every optimiser step and every evaluation (for progress bars and logs).</summary>
    public event Action<StepRecord>? StepDone;

    public event Action<EvalRecord>? Evaluated;

    /// <summary>Called after each epoch's resume file is written, to export the head (checkpoint files, plots).</summary>
    public event Action<TrainingProgress>? EpochSaved;

    public string ResumePath => Path.Combine(_directory, ResumeFileName);

    /// <summary>Trains to <see cref="TrainOptions.Epochs"/>.</summary>
    /// <param name="resume">Continue from the resume file in the output folder (an error if it belongs to another head or backbone).</param>
    /// <param name="evaluate">Validation for a 0-based epoch, run with the module in eval mode and no gradients.</param>
    public TrainingProgress Train(ITrainingData<TTargets> data, bool resume,
        Func<int, IReadOnlyDictionary<string, double>>? evaluate = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(_directory);
        var module = _head.Module;
        var parameters = module.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.AdamW(parameters, lr: _options.LearningRate, weight_decay: _options.WeightDecay);
        var progress = TrainingProgress.Start;
        if (resume)
        {
            if (!File.Exists(ResumePath))
                throw new FileNotFoundException($"{ResumePath}: no training state to resume from.", ResumePath);
            progress = Load(optimizer);
        }
        else if (File.Exists(ResumePath))
        {
            throw new InvalidDataException(
                $"{ResumePath}: a training run already exists in {_directory}; pass --resume to continue it or choose another --out.");
        }

        var steps = new List<StepRecord>(progress.Steps);
        var evaluations = new List<EvalRecord>(progress.Evaluations);
        int step = progress.StepsDone;
        var schedule = new WarmupCosineSchedule(_options.LearningRate, _options.WarmupSteps,
            _options.Epochs * data.BatchesPerEpoch, _options.FinalLearningRateRatio);

        for (int epoch = progress.EpochsDone; epoch < _options.Epochs; epoch++)
        {
            torch.manual_seed(_options.Seed * 100_003L + epoch);
            module.train();
            foreach (var batch in data.ReadEpoch(epoch))
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var owned = batch;
                double rate = schedule.RateAt(step);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
                optimizer.zero_grad();
                var loss = _head.Loss(batch.Features, batch.Targets);
                double total = loss.Total.item<float>();
                if (!double.IsFinite(total))
                    throw new InvalidOperationException($"the loss became {total} at epoch {epoch + 1}, step {step + 1}; lower the learning rate.");
                loss.Total.backward();
                double gradNorm = _options.ClipGradNorm > 0
                    ? nn.utils.clip_grad_norm_(parameters, _options.ClipGradNorm)
                    : double.NaN;
                optimizer.step();
                var record = new StepRecord(epoch, step, rate, total,
                    loss.Parts.ToDictionary(p => p.Key, p => (double)p.Value.item<float>()), gradNorm);
                steps.Add(record);
                step++;
                StepDone?.Invoke(record);
            }

            module.eval();
            bool last = epoch == _options.Epochs - 1;
            if (evaluate != null && (last || _options.EvalEvery > 0 && (epoch + 1) % _options.EvalEvery == 0))
            {
                IReadOnlyDictionary<string, double> metrics;
                using (no_grad())
                    metrics = evaluate(epoch);
                var evaluation = new EvalRecord(epoch, metrics);
                evaluations.Add(evaluation);
                Evaluated?.Invoke(evaluation);
            }
            progress = new TrainingProgress(epoch + 1, step, steps.ToArray(), evaluations.ToArray());
            Save(optimizer, progress);
            Export(progress);
            EpochSaved?.Invoke(progress);
        }
        module.eval();
        return progress;
    }

    private void Export(TrainingProgress progress)
    {
        if (_export == null) return;
        HeadCheckpoint.Save(_directory, _head, _export with
        {
            EpochsTrained = progress.EpochsDone,
            Metrics = progress.Evaluations.Count > 0 ? progress.Evaluations[^1].Metrics : null,
        });
        var parts = progress.Steps.SelectMany(s => s.Parts.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var csv = new StringBuilder("epoch,step,lr,loss,grad_norm");
        foreach (string part in parts) csv.Append(',').Append(part);
        csv.Append('\n');
        foreach (var step in progress.Steps)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{step.Epoch},{step.Step},{step.LearningRate:R},{step.Loss:R},{step.GradNorm:R}");
            foreach (string part in parts)
                csv.Append(',').Append(step.Parts.TryGetValue(part, out double v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(Path.Combine(_directory, LossLogFileName), csv.ToString());
    }

    private JsonObject Identity() => new()
    {
        ["task"] = _head.Task,
        ["head"] = _head.Config.DeepClone(),
        ["layers"] = new JsonArray(_head.Layers.Select(l => (JsonNode)l).ToArray()),
        ["backbone"] = JsonSerializer.SerializeToNode(_backbone),
        ["seed"] = _options.Seed,
    };

    private void Save(OptimizerHelper optimizer, TrainingProgress progress)
    {
        var header = Identity();
        header["options"] = JsonSerializer.SerializeToNode(_options);
        header["progress"] = JsonSerializer.SerializeToNode(progress);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        AtomicFile.Write(ResumePath, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(json.Length);
            writer.Write(json);
            _head.Module.save(writer);
            optimizer.save_state_dict(writer);
        });
    }

    private TrainingProgress Load(OptimizerHelper optimizer)
    {
        using var stream = File.OpenRead(ResumePath);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        JsonObject header;
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException("bad magic");
            header = JsonNode.Parse(reader.ReadBytes(reader.ReadInt32()))!.AsObject();
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or JsonException or IOException)
        {
            throw new InvalidDataException($"{ResumePath}: not a training state file of this toolkit ({e.Message}).", e);
        }
        var expected = Identity();
        foreach (string key in new[] { "task", "head", "layers", "backbone", "seed" })
        {
            if (!JsonNode.DeepEquals(header[key], expected[key]))
                throw new InvalidDataException(
                    $"{ResumePath}: the run there has another {key} ({header[key]?.ToJsonString()}) than this one " +
                    $"({expected[key]?.ToJsonString()}); resume with the same settings or choose another --out.");
        }
        _head.Module.load(reader, strict: true);
        optimizer.load_state_dict(reader);
        var progress = header["progress"].Deserialize<TrainingProgress>()
            ?? throw new InvalidDataException($"{ResumePath}: no progress record.");
        return progress;
    }
}
