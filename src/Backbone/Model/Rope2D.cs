using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>
/// 2-D rotary position embedding of PE (<c>rope.py</c>): per axis <c>d = head_dim / 2</c> rotary channels with
/// frequencies <c>10000^(-2j/d)</c>, integer patch positions (plus 1 with a class token, which gets angle 0), the
/// per-token angle vector [x-angles | y-angles] with each angle repeated for its channel pair, and rotation of
/// adjacent channel pairs (2k, 2k+1). Holds no weights (nothing in the state_dict). Tables are computed in float32
/// and cached per grid.
/// </summary>
public sealed class Rope2D : IDisposable
{
    private const int MaxCachedGrids = 16;
    private readonly Dictionary<(int, int, DeviceType, int), Tensor> _rotations = [];
    private readonly LinkedList<(int, int, DeviceType, int)> _recent = new();
    private readonly object _lock = new();

    public Rope2D(int headDim, bool useClsToken)
    {
        if (headDim % 4 != 0) throw new ArgumentException($"2-D RoPE needs a head dimension divisible by 4 (got {headDim}).", nameof(headDim));
        HeadDim = headDim;
        UseClsToken = useClsToken;
    }

    public int HeadDim { get; }

    public bool UseClsToken { get; }

    /// <summary>
    /// The angle table of a <paramref name="rows"/> x <paramref name="columns"/> patch grid: [T, head_dim] float32
    /// (radians), T = cls + rows*columns, token (y, x) at row cls + y*columns + x; the class token's row is zero.
    /// This is the official <c>Rope2D.freq</c> after <c>update_grid</c>. The caller owns the tensor.
    /// </summary>
    public Tensor Angles(int rows, int columns)
    {
        using var scope = NewDisposeScope();
        int d = HeadDim / 2;
        // Same float32 operations as the reference: 1 / (10000 ** (arange(0, d, 2) / d)).
        var freqs = torch.pow(10000f, torch.arange(0, d, 2, dtype: ScalarType.Float32) / d).reciprocal(); // [d/2]
        int offset = UseClsToken ? 1 : 0;
        var xs = torch.arange(columns, dtype: ScalarType.Float32) + offset; // [w]
        var ys = torch.arange(rows, dtype: ScalarType.Float32) + offset; // [h]
        var xAngles = (xs.unsqueeze(1) * freqs).repeat_interleave(2, dim: 1); // [w, d]
        var yAngles = (ys.unsqueeze(1) * freqs).repeat_interleave(2, dim: 1); // [h, d]
        var table = torch.cat(
        [
            xAngles.unsqueeze(0).expand(rows, columns, d), // [h, w, d]: x angle of column x
            yAngles.unsqueeze(1).expand(rows, columns, d), // [h, w, d]: y angle of row y
        ], dim: 2).reshape(rows * columns, HeadDim); // [h, w, 2d] -> [N, head_dim]
        if (UseClsToken) table = torch.cat([torch.zeros(1, HeadDim, dtype: ScalarType.Float32), table], dim: 0); // [1 + N, head_dim]
        return table.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The rotation of a grid as complex64 unit numbers [T, 1, 1, head_dim/2] (one per channel pair), cached; used by
    /// <see cref="Apply"/>. Owned by this object: do not dispose.
    /// </summary>
    public Tensor Rotation(int rows, int columns, Device device)
    {
        var key = (rows, columns, device.type, device.index);
        lock (_lock)
        {
            if (_rotations.TryGetValue(key, out var cached))
            {
                _recent.Remove(key);
                _recent.AddFirst(key);
                return cached;
            }
            Tensor rotation;
            using (var scope = NewDisposeScope())
            {
                var pairAngles = Angles(rows, columns)[.., TensorIndex.Slice(0, null, 2)]; // [T, head_dim] -> [T, head_dim/2]
                rotation = torch.complex(pairAngles.cos(), pairAngles.sin()) // [T, head_dim/2] complex64
                    .reshape(pairAngles.shape[0], 1, 1, HeadDim / 2) // -> [T, 1, 1, head_dim/2]
                    .to(device)
                    .DetachFromDisposeScope();
            }
            _rotations[key] = rotation;
            _recent.AddFirst(key);
            if (_recent.Count > MaxCachedGrids)
            {
                var evicted = _recent.Last!.Value;
                _recent.RemoveLast();
                _rotations.Remove(evicted, out var old);
                old?.Dispose();
            }
            return rotation;
        }
    }

    /// <summary>
    /// Rotates queries and keys together. <paramref name="qk"/>: [B, T, 2, heads, head_dim] (any dtype; the rotation
    /// runs in float32 and the result is cast back); <paramref name="rotation"/> from <see cref="Rotation"/>.
    /// Returns [B, T, 2, heads, head_dim], contiguous.
    /// </summary>
    public static Tensor Apply(Tensor qk, Tensor rotation)
    {
        using var scope = NewDisposeScope();
        var shape = qk.shape;
        var pairs = qk.to(ScalarType.Float32).view(shape[0], shape[1], shape[2], shape[3], shape[4] / 2, 2); // [B, T, 2, H, D/2, 2]
        // (a + ib)(cos + i sin) = (a cos - b sin) + i (b cos + a sin): out[2k], out[2k+1] of the reference.
        var rotated = (pairs.view_as_complex() * rotation).view_as_real(); // [B, T, 2, H, D/2, 2]
        return rotated.view(shape).to(qk.dtype).MoveToOuterDisposeScope(); // -> [B, T, 2, H, D]
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var t in _rotations.Values) t.Dispose();
            _rotations.Clear();
            _recent.Clear();
        }
    }
}
