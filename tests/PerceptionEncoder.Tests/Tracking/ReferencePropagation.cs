using PerceptionEncoder.Heads.Tracking;

namespace PerceptionEncoder.Tests.Tracking;

/// <summary>
/// An independent, literal, float64 rendering of LABELPROP_SPEC §4 in the reference's own (dense) form: every source
/// token of every context frame is a candidate, affinities outside the square window are multiplied by 0 and stay
/// candidates, the k-th largest value over all of them is the threshold, survivors are normalised per target token.
/// Natural token order (i·w + j). Small grids only.
/// </summary>
internal sealed class ReferencePropagation(int height, int width, int channels, PropagationOptions options)
{
    private readonly List<double[][]> _queueFeatures = [];
    private readonly List<double[][]> _queueLabels = [];
    private double[][]? _firstFeatures, _firstLabels;

    private int N => height * width;

    /// <summary>Starts with frame 0: features [C, h, w] channel-first, labels [K, h, w].</summary>
    public void Start(float[] features, float[] labels, int classes)
    {
        _firstFeatures = Normalised(features);
        _firstLabels = Enumerable.Range(0, N).Select(n => Enumerable.Range(0, classes).Select(k => (double)labels[k * N + n]).ToArray()).ToArray();
    }

    /// <summary>Propagates to the next frame; returns [K, h, w] channel-first.</summary>
    public double[] Propagate(float[] features)
    {
        var target = Normalised(features);
        List<double[][]> contextFeatures = [_firstFeatures!, .. _queueFeatures];
        List<double[][]> contextLabels = [_firstLabels!, .. _queueLabels];
        int classes = _firstLabels![0].Length, r = options.Radius;
        var soft = new double[N][];
        for (int q = 0; q < N; q++)
        {
            var affinity = new double[contextFeatures.Count * N];
            for (int c = 0; c < contextFeatures.Count; c++)
                for (int s = 0; s < N; s++)
                {
                    double cos = 0;
                    for (int ch = 0; ch < channels; ch++) cos += target[q][ch] * contextFeatures[c][s][ch];
                    double a = Math.Exp(cos / options.Temperature);
                    bool inside = Math.Abs(q / width - s / width) <= r && Math.Abs(q % width - s % width) <= r;
                    affinity[c * N + s] = r == 0 || inside ? a : a * 0;
                }
            double kth = affinity.OrderDescending().ElementAt(options.TopK - 1);
            double sum = 0;
            for (int i = 0; i < affinity.Length; i++)
            {
                if (affinity[i] < kth) affinity[i] = 0;
                sum += affinity[i];
            }
            soft[q] = new double[classes];
            for (int i = 0; i < affinity.Length; i++)
                for (int k = 0; k < classes; k++)
                    soft[q][k] += contextLabels[i / N][i % N][k] * affinity[i] / sum;
        }
        if (_queueFeatures.Count == options.ContextFrames)
        {
            _queueFeatures.RemoveAt(0);
            _queueLabels.RemoveAt(0);
        }
        _queueFeatures.Add(target);
        _queueLabels.Add(soft);
        var result = new double[classes * N];
        for (int q = 0; q < N; q++)
            for (int k = 0; k < classes; k++) result[k * N + q] = soft[q][k];
        return result;
    }

    private double[][] Normalised(float[] features)
    {
        var tokens = new double[N][];
        for (int n = 0; n < N; n++)
        {
            tokens[n] = new double[channels];
            double norm = 0;
            for (int c = 0; c < channels; c++)
            {
                tokens[n][c] = features[c * N + n];
                norm += tokens[n][c] * tokens[n][c];
            }
            norm = Math.Max(Math.Sqrt(norm), 1e-12);
            for (int c = 0; c < channels; c++) tokens[n][c] /= norm;
        }
        return tokens;
    }
}
