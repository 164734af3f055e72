namespace Invariscope.Analysis;

/// <summary>
/// Two-level bootstrap of a per-layer metric over STIR seeds and probe samples. Replicate b draws the seeds with
/// replacement (a fixed seeded sequence, so every analysis with the same seed count draws the same ones) and
/// averages, over the drawn seeds, the metric on probe-sample resample b. Because the sample resamples and the
/// seed draws are shared by every checkpoint and setting, replicate b of two settings can be subtracted to
/// bootstrap their difference (paired).
/// </summary>
public static class LayerIntervals
{
    /// <summary>Seed of the seed draws (fixed: only the seed count matters).</summary>
    public const int SeedDrawSeed = 20230;

    /// <summary>
    /// Replicates [layer][b] of the mean over seeds, from <paramref name="perSeed"/>[seed][layer][b]. NaN where a
    /// drawn seed's value is NaN.
    /// </summary>
    public static double[][] SeedMeanReplicates(IReadOnlyList<double[][]> perSeed)
    {
        int seeds = perSeed.Count, layers = perSeed[0].Length, count = perSeed[0][0].Length;
        var rng = new Random(SeedDrawSeed);
        var draws = new int[count][];
        for (int b = 0; b < count; b++)
        {
            draws[b] = new int[seeds];
            for (int s = 0; s < seeds; s++) draws[b][s] = seeds == 1 ? 0 : rng.Next(seeds);
        }
        var result = new double[layers][];
        for (int l = 0; l < layers; l++)
        {
            result[l] = new double[count];
            for (int b = 0; b < count; b++)
            {
                double sum = 0;
                foreach (var s in draws[b]) sum += perSeed[s][l][b];
                result[l][b] = sum / seeds;
            }
        }
        return result;
    }

    /// <summary>The (1 − c)/2 and (1 + c)/2 percentiles (linear interpolation) of the finite replicates; NaN if none.</summary>
    public static (double lower, double upper) Percentiles(IEnumerable<double> replicates, double confidence = 0.95)
    {
        var v = replicates.Where(double.IsFinite).Order().ToArray();
        if (v.Length == 0) return (double.NaN, double.NaN);
        double alpha = 1 - confidence;
        return (Quantile(v, alpha / 2), Quantile(v, 1 - alpha / 2));
    }

    /// <summary>Interval of the difference a − b of two paired replicate sets (same length).</summary>
    public static (double lower, double upper) Difference(double[] a, double[] b, double confidence = 0.95)
    {
        if (a.Length != b.Length) throw new ArgumentException($"paired replicates differ in count: {a.Length} vs {b.Length}");
        return Percentiles(a.Select((x, i) => x - b[i]), confidence);
    }

    static double Quantile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
