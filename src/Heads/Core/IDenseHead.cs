using System.Text.Json.Nodes;
using PerceptionEncoder.Backbone;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads;

/// <summary>
/// A task head on frozen backbone features. It declares the blocks it consumes and reads their maps
/// [B, C, h, w] from <see cref="FeatureMaps"/>, whether they come from the backbone online or from the feature
/// cache; a head never calls the backbone.
/// </summary>
public interface IDenseHead : IDisposable
{
    /// <summary>The task: <c>detection</c> or <c>depth</c>.</summary>
    string Task { get; }

    /// <summary>0-based backbone blocks whose maps the head consumes, in the order it uses them.</summary>
    IReadOnlyList<int> Layers { get; }

    /// <summary>The torch module holding the trainable parameters (its state_dict is the checkpoint).</summary>
    nn.Module Module { get; }

    /// <summary>Everything needed to rebuild the same (untrained) head; stored in the checkpoint metadata.</summary>
    JsonObject Config { get; }
}

/// <summary>A head trained with <typeparamref name="TTargets"/> and predicting <typeparamref name="TPrediction"/>.</summary>
public interface IDenseHead<in TTargets, out TPrediction> : IDenseHead
{
    /// <summary>The training loss of a batch (the module must be in training mode).</summary>
    /// <param name="features">Maps of <see cref="IDenseHead.Layers"/> for a batch of B images.</param>
    /// <param name="targets">Targets of the same B images, in the same (processed) pixel frame as the features.</param>
    HeadLoss Loss(FeatureMaps features, TTargets targets);

    /// <summary>Predictions for a batch, in the processed pixel frame (callers map them back to original images).</summary>
    TPrediction Predict(FeatureMaps features);
}

/// <summary>A scalar loss to minimise and its named parts (all 0-dim tensors), for logging.</summary>
public sealed record HeadLoss(Tensor Total, IReadOnlyDictionary<string, Tensor> Parts);
