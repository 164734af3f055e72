using Invariscope.Runtime;

namespace Invariscope.Analysis.Statistics;

/// <summary>
/// Groups series that are identical up to a tolerance, so that a family of hypotheses counts each distinct series once.
/// Why: in the hypothesis grid different ids can give the very same per-epoch series (e.g. the max over the first 3
/// layers and the min over the last 3 can coincide, or one layer dominates a range); counting them separately inflates
/// the Bonferroni/Holm family and fills the "best" table with copies of one result.
/// Two series are identical when they have the same length and, at every index, both are NaN or both are finite-or-inf
/// with |a − b| ≤ tolerance (equal infinities count as equal).
/// </summary>
public static class SeriesDeduplication
{
    /// <summary>Default tolerance on the maximum absolute difference.</summary>
    public const double DefaultTolerance = 1e-12;

    /// <summary>
    /// For each series i the index of its representative: the first series (in input order) identical to it, so
    /// representative[i] ≤ i and representative[i] == i exactly for the representatives.
    /// </summary>
    public static int[] Representatives(IReadOnlyList<double[]> series, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!(tolerance >= 0)) throw new InvariscopeException($"Deduplication tolerance must be >= 0, got {tolerance}.");
        var rep = new int[series.Count];
        var representatives = new List<int>();
        for (int i = 0; i < series.Count; i++)
        {
            if (series[i] is null) throw new InvariscopeException($"Series {i} to deduplicate is null.");
            rep[i] = i;
            foreach (int j in representatives)
                if (Identical(series[j], series[i], tolerance)) { rep[i] = j; break; }
            if (rep[i] == i) representatives.Add(i);
        }
        return rep;
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> are identical in the sense above.</summary>
    public static bool Identical(double[] a, double[] b, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            bool na = double.IsNaN(a[i]), nb = double.IsNaN(b[i]);
            if (na || nb) { if (na != nb) return false; continue; }
            if (a[i] == b[i]) continue; // also equal infinities
            if (!(Math.Abs(a[i] - b[i]) <= tolerance)) return false;
        }
        return true;
    }
}
