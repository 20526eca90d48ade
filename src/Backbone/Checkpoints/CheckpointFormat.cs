namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>The container format of a checkpoint file.</summary>
public enum CheckpointFormat
{
    /// <summary><c>torch.save</c> zip: <c>&lt;name&gt;/data.pkl</c> (a pickled state_dict) and <c>&lt;name&gt;/data/&lt;key&gt;</c> storages.</summary>
    TorchZip,

    /// <summary>safetensors: an 8-byte header length, a JSON header, raw tensor bytes.</summary>
    Safetensors,
}
