using Invariscope.Runtime;

namespace Invariscope.Analysis.Statistics;

/// <summary>A bootstrap confidence interval around the statistic of the full sample.</summary>
/// <param name="Estimate">The statistic of the original (not resampled) data.</param>
/// <param name="Lower">Lower percentile bound.</param>
/// <param name="Upper">Upper percentile bound.</param>
public sealed record BootstrapInterval(double Estimate, double Lower, double Upper);

/// <summary>
/// Percentile bootstrap: resample with replacement using a seeded <see cref="Random"/>, so a seed gives the same
/// interval every time; bounds are the (1 − c)/2 and (1 + c)/2 quantiles (linear interpolation) of the resampled statistics.
/// Errors (<see cref="InvariscopeException"/>): empty data, resamples &lt; 1, confidence outside (0, 1), a statistic that is NaN.
/// </summary>
public static class Bootstrap
{
    /// <summary>Percentile interval of <paramref name="statistic"/> over resamples of <paramref name="values"/>.</summary>
    public static BootstrapInterval PercentileInterval(
        double[] values, Func<double[], double> statistic, int resamples, double confidence, int seed)
    {
        if (values is null) throw new InvariscopeException("Bootstrap values are null.");
        ArgumentNullException.ThrowIfNull(statistic);
        return PercentileInterval(values.Length, idx =>
        {
            var sample = new double[idx.Length];
            for (int i = 0; i < idx.Length; i++) sample[i] = values[idx[i]];
            return statistic(sample);
        }, resamples, confidence, seed);
    }

    /// <summary>
    /// Percentile interval for paired data: resamples row indices 0..n−1 with replacement and passes them to
    /// <paramref name="statisticOfIndices"/> (e.g. rows of a seeds×samples table, kept together). The estimate
    /// uses the identity indices 0..n−1.
    /// </summary>
    public static BootstrapInterval PercentileInterval(
        int n, Func<int[], double> statisticOfIndices, int resamples, double confidence, int seed)
    {
        ArgumentNullException.ThrowIfNull(statisticOfIndices);
        if (n < 1) throw new InvariscopeException($"Bootstrap needs at least 1 value, got {n}.");
        if (resamples < 1) throw new InvariscopeException($"Bootstrap needs at least 1 resample, got {resamples}.");
        if (!(confidence > 0 && confidence < 1))
            throw new InvariscopeException($"Bootstrap confidence must lie in (0, 1), got {confidence}.");

        var identity = new int[n];
        for (int i = 0; i < n; i++) identity[i] = i;
        double estimate = statisticOfIndices(identity);
        if (double.IsNaN(estimate)) throw new InvariscopeException("Bootstrap statistic is NaN on the original data.");

        var rng = new Random(seed);
        var stats = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            var idx = new int[n];
            for (int i = 0; i < n; i++) idx[i] = rng.Next(n);
            double s = statisticOfIndices(idx);
            if (double.IsNaN(s)) throw new InvariscopeException($"Bootstrap statistic is NaN on resample {b}.");
            stats[b] = s;
        }
        Array.Sort(stats);
        double alpha = 1 - confidence;
        return new BootstrapInterval(estimate, Quantile(stats, alpha / 2), Quantile(stats, 1 - alpha / 2));
    }

    /// <summary>Quantile q of sorted data by linear interpolation between order statistics (R type 7).</summary>
    static double Quantile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
