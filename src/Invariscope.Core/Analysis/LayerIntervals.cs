using Invariscope.Analysis.Statistics;

namespace Invariscope.Analysis;

/// <summary>
/// Confidence intervals of a per-layer metric (the mean over STIR seeds, on N probe images), from two sources of
/// variation:
/// <list type="bullet">
/// <item>the probe images: the jackknife. Replicate i is the seed-mean metric with probe image i left out (see
/// <see cref="CkaJackknife"/> for why not the bootstrap); var_probe = (n − 1)/n · Σ (θ₍ᵢ₎ − θ̄)².</item>
/// <item>the inversions: the seeds' sample variance over the seed count, s²/S (none with one seed).</item>
/// </list>
/// The interval is θ̂ ± t · √(var_probe + s²/S) with t the Student quantile on n − 1 degrees of freedom. Every
/// analysis on the same probe images leaves out the same image in replicate i, so the replicates of two settings are
/// paired: their difference gets its own jackknife variance, and the seeds' variances of both add.
/// </summary>
public static class LayerIntervals
{
    /// <summary>Leave-one-out replicates [layer][i] of the mean over seeds, from <paramref name="perSeed"/>[seed][layer][i].</summary>
    public static double[][] SeedMean(IReadOnlyList<double[][]> perSeed)
    {
        int layers = perSeed[0].Length, count = perSeed[0][0].Length;
        var result = new double[layers][];
        for (int l = 0; l < layers; l++)
        {
            result[l] = new double[count];
            for (int i = 0; i < count; i++) result[l][i] = perSeed.Average(s => s[l][i]);
        }
        return result;
    }

    /// <summary>The jackknife variance of the full-sample statistic from its leave-one-out values; NaN if any is NaN.</summary>
    public static double JackknifeVariance(IReadOnlyList<double> leaveOneOut)
    {
        int n = leaveOneOut.Count;
        if (n < 2 || leaveOneOut.Any(v => !double.IsFinite(v))) return double.NaN;
        double mean = leaveOneOut.Average();
        return (n - 1.0) / n * leaveOneOut.Sum(v => (v - mean) * (v - mean));
    }

    /// <summary>
    /// The interval of <paramref name="estimate"/> (a mean over <paramref name="seeds"/> seeds with sample std
    /// <paramref name="seedStd"/>) from its leave-one-out replicates. NaN bounds when any input is not finite.
    /// </summary>
    public static (double lower, double upper) Interval(double estimate, IReadOnlyList<double> leaveOneOut, double seedStd, int seeds,
        double confidence = 0.95) =>
        Around(estimate, JackknifeVariance(leaveOneOut) + SeedVariance(seedStd, seeds), leaveOneOut.Count, confidence);

    /// <summary>The interval of the difference a − b of two settings analysed on the same probe images (paired replicates).</summary>
    public static (double lower, double upper) Difference(
        (double estimate, double[] leaveOneOut, double seedStd, int seeds) a,
        (double estimate, double[] leaveOneOut, double seedStd, int seeds) b, double confidence = 0.95)
    {
        if (a.leaveOneOut.Length != b.leaveOneOut.Length)
            throw new ArgumentException($"paired replicates differ in count: {a.leaveOneOut.Length} vs {b.leaveOneOut.Length}");
        var paired = a.leaveOneOut.Select((x, i) => x - b.leaveOneOut[i]).ToArray();
        double variance = JackknifeVariance(paired) + SeedVariance(a.seedStd, a.seeds) + SeedVariance(b.seedStd, b.seeds);
        return Around(a.estimate - b.estimate, variance, paired.Length, confidence);
    }

    /// <summary>The two-sided Student t quantile t_{(1 + c)/2} on <paramref name="df"/> degrees of freedom (bisection).</summary>
    public static double StudentQuantile(double confidence, double df)
    {
        double target = (1 + confidence) / 2, lo = 0, hi = 1;
        while (SpecialFunctions.StudentTCdf(hi, df) < target) hi *= 2;
        for (int it = 0; it < 100 && hi - lo > 1e-12; it++)
        {
            double mid = (lo + hi) / 2;
            if (SpecialFunctions.StudentTCdf(mid, df) < target) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    static double SeedVariance(double std, int seeds) => seeds > 1 ? std * std / seeds : 0;

    static (double lower, double upper) Around(double estimate, double variance, int n, double confidence)
    {
        if (!double.IsFinite(estimate) || !double.IsFinite(variance) || n < 2) return (double.NaN, double.NaN);
        double half = StudentQuantile(confidence, n - 1) * Math.Sqrt(variance);
        return (estimate - half, estimate + half);
    }
}
