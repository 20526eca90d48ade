using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone;

/// <summary>
/// An input that is already preprocessed: what the reference transform outputs (RGB, x = pixel/255*2-1, so values in
/// [-1, 1]), read from a float32 <c>.npy</c> of shape [3, H, W] or [1, 3, H, W] and fed to the model as it is (no
/// resize, no crop). H and W must be multiples of the patch.
/// </summary>
/// <param name="Data">C-order values of [3, H, W].</param>
/// <param name="Height">H, a multiple of the patch.</param>
/// <param name="Width">W, a multiple of the patch.</param>
public sealed record PreprocessedImage(float[] Data, int Height, int Width)
{
    /// <summary>The file extension of preprocessed inputs.</summary>
    public const string Extension = ".npy";

    /// <summary>How far outside [-1, 1] a value may be (rounding in whatever wrote the file).</summary>
    private const float RangeSlack = 1e-3f;

    /// <summary>True for a path with the <see cref="Extension"/> (any case).</summary>
    public static bool IsPreprocessedFile(string path) => Path.GetExtension(path).Equals(Extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads and checks a <c>.npy</c> input.</summary>
    /// <exception cref="InvalidDataException">
    /// Not a float32 .npy; a shape other than [3, H, W] or [1, 3, H, W]; H or W not a positive multiple of
    /// <paramref name="patchSize"/>; a value that is not finite or outside [-1, 1]. The message names the file.
    /// </exception>
    public static PreprocessedImage ReadNpy(string path, int patchSize)
    {
        var (data, shape) = Npy.ReadFloat32Only(path);
        string shapeText = $"[{string.Join(", ", shape)}]";
        bool rank3 = shape.Length == 3 && shape[0] == 3, rank4 = shape.Length == 4 && shape[0] == 1 && shape[1] == 3;
        if (!rank3 && !rank4)
            throw new InvalidDataException($"{path}: shape {shapeText}, expected a preprocessed image [3, H, W] or [1, 3, H, W] (one image per file, RGB channels first).");
        int height = shape[^2], width = shape[^1];
        if (height < patchSize || width < patchSize || height % patchSize != 0 || width % patchSize != 0)
            throw new InvalidDataException($"{path}: a preprocessed input of {height}x{width} (HxW) is not resized; H and W must be positive multiples of the {patchSize}-pixel patch.");
        for (int i = 0; i < data.Length; i++)
        {
            float v = data[i];
            if (!float.IsFinite(v) || v < -1 - RangeSlack || v > 1 + RangeSlack)
                throw new InvalidDataException($"{path}: value {v} at flat index {i} is outside [-1, 1]; expected the official preprocessing's output x = pixel/255*2-1.");
        }
        return new PreprocessedImage(data, height, width);
    }

    /// <summary>The values as a [3, H, W] float32 tensor.</summary>
    public Tensor ToTensor() => tensor(Data, [3, Height, Width], ScalarType.Float32);
}
