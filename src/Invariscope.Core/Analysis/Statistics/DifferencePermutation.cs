using System.Text.Json.Serialization;
using Invariscope.Data;
using Invariscope.Runtime;

namespace Invariscope.Analysis.Statistics;

/// <summary>A first-difference permutation test of one pair of series.</summary>
/// <param name="R">Pearson r of the first differences Δx and Δy; NaN if undefined.</param>
/// <param name="PValue">Two-sided permutation p-value, (1 + #{|r_perm| ≥ |r|}) / (B + 1); NaN if undefined.</param>
/// <param name="N">Number of differences used (n − 1 for one series).</param>
/// <param name="Permutations">B, the number of permutations.</param>
public sealed record DifferencePermutationResult(
    [property: JsonPropertyName("r_diff")] double R,
    [property: JsonPropertyName("p")] double PValue,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("permutations")] int Permutations);

/// <summary>The stratified (several training seeds) first-difference permutation test, with level correlations for reference.</summary>
/// <param name="RDiff">Pearson r of the concatenated within-seed differences; NaN if undefined.</param>
/// <param name="PValue">Permutation p-value with differences shuffled within each seed; NaN if undefined.</param>
/// <param name="N">Total number of within-seed differences.</param>
/// <param name="Permutations">B, the number of permutations.</param>
/// <param name="PerSeedR">Plain Pearson r on the levels of each seed (NaN where undefined, e.g. fewer than 3 points).</param>
/// <param name="PooledR">Fisher-z mean of the defined per-seed r, weighted by n_s − 3 when every such seed has n_s &gt; 3, equally otherwise; NaN if none.</param>
public sealed record StratifiedPermutationResult(
    [property: JsonPropertyName("r_diff")] double RDiff,
    [property: JsonPropertyName("p")] double PValue,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("permutations")] int Permutations,
    [property: JsonPropertyName("per_seed_r")] IReadOnlyList<double> PerSeedR,
    [property: JsonPropertyName("pooled_r")] double PooledR);

/// <summary>
/// An autocorrelation-aware p-value for the correlation of two per-epoch series: a permutation test on first
/// differences. Why: metrics over ~10 consecutive epochs share a trend and are strongly autocorrelated, so the Pearson
/// t test (which assumes independent pairs) rejects far too often; two independent random walks "correlate" in a
/// large share of trials. Differencing removes the shared trend (independent random walks become independent
/// increments), and the permutation null makes no normality assumption at n ≈ 10. With several training seeds the
/// differences are taken within each seed (never across seeds) and shuffled within each seed.
/// The permutations are a pure function of the seed (SplitMix64), so results are reproducible. The smallest possible
/// p is 1/(B + 1). Errors (<see cref="InvariscopeException"/>): null inputs, different lengths, B &lt; 1, fewer than
/// 3 differences in all. Undefined cases (NaN or ±inf values, constant differences) give NaN, not an error.
/// </summary>
public static class DifferencePermutation
{
    /// <summary>Default number of permutations B (p resolution 1e-4).</summary>
    public const int DefaultPermutations = 9999;

    /// <summary>Tolerance on |r_perm| ≥ |r| so that permutations reproducing r up to rounding count as ties.</summary>
    const double TieTolerance = 1e-12;

    /// <summary>Test of one pair of series <paramref name="x"/>, <paramref name="y"/> (length n ≥ 4, so n − 1 ≥ 3 differences).</summary>
    public static DifferencePermutationResult Test(double[] x, double[] y, int permutations = DefaultPermutations, ulong seed = 0)
    {
        if (x is null || y is null) throw new InvariscopeException($"Difference permutation input {(x is null ? "x" : "y")} is null.");
        var (r, p, n) = Prepare([y], permutations, seed, "y").Test([x], "x");
        return new DifferencePermutationResult(r, p, n, permutations);
    }

    /// <summary>
    /// Stratified test over training seeds: <paramref name="x"/>[s][e] and <paramref name="y"/>[s][e] per seed s, each
    /// seed's x and y of equal length (seeds may differ). Statistic: Pearson r of the concatenated within-seed differences.
    /// </summary>
    public static StratifiedPermutationResult Stratified(
        IReadOnlyList<double[]> x, IReadOnlyList<double[]> y, int permutations = DefaultPermutations, ulong seed = 0)
    {
        if (x is null || y is null) throw new InvariscopeException($"Stratified permutation input {(x is null ? "x" : "y")} is null.");
        if (x.Count != y.Count) throw new InvariscopeException($"Stratified permutation inputs differ in seeds: x has {x.Count}, y has {y.Count}.");
        return Stratified(Prepare(y, permutations, seed, "y"), x, y);
    }

    /// <summary>
    /// The stratified test of <paramref name="x"/> against a target whose null was prepared once with
    /// <see cref="Prepare"/> from <paramref name="y"/>, so many series can share it (the pooled grid does this).
    /// </summary>
    internal static StratifiedPermutationResult Stratified(Null prepared, IReadOnlyList<double[]> x, IReadOnlyList<double[]> y)
    {
        var (r, p, n) = prepared.Test(x, "x");
        var perSeed = new double[x.Count];
        for (int s = 0; s < x.Count; s++) perSeed[s] = LevelR(x[s], y[s]);
        return new StratifiedPermutationResult(r, p, n, prepared.Permutations, perSeed, PooledR(perSeed, [.. x.Select(v => v.Length)]));
    }

    /// <summary>Fisher-z pooling of per-seed r (weights n_s − 3 when all defined seeds have n_s &gt; 3, else equal); NaN if none is defined.</summary>
    public static double PooledR(IReadOnlyList<double> r, IReadOnlyList<int> n)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(n);
        if (r.Count != n.Count) throw new InvariscopeException($"Pooled r needs one n per r: got {r.Count} r and {n.Count} n.");
        var defined = Enumerable.Range(0, r.Count).Where(s => double.IsFinite(r[s])).ToList();
        if (defined.Count == 0) return double.NaN;
        bool weighted = defined.All(s => n[s] > 3);
        double sum = 0, weight = 0;
        foreach (int s in defined)
        {
            double w = weighted ? n[s] - 3 : 1;
            sum += w * Math.Atanh(Math.Clamp(r[s], -1, 1));
            weight += w;
        }
        return Math.Tanh(sum / weight);
    }

    static double LevelR(double[] x, double[] y)
    {
        if (x.Length < 3) return double.NaN;
        try { return Correlation.Pearson(x, y).R; }
        catch (InvariscopeException) { return double.NaN; } // NaN or constant: undefined
    }

    /// <summary>
    /// Prepares the permutation null of <paramref name="y"/> (strata of levels) once, so that many x series can be
    /// tested against the same target cheaply (the hypothesis grid does this). Each x gets the same B permutations,
    /// which leaves every marginal p-value exact.
    /// </summary>
    internal static Null Prepare(IReadOnlyList<double[]> y, int permutations, ulong seed, string name = "target")
    {
        ArgumentNullException.ThrowIfNull(y);
        if (permutations < 1) throw new InvariscopeException($"Permutation test needs at least 1 permutation, got {permutations}.");
        for (int s = 0; s < y.Count; s++)
            if (y[s] is null) throw new InvariscopeException($"Permutation {name} seed {s} is null.");
        var lengths = y.Select(v => v.Length).ToArray();
        int m = lengths.Sum(l => Math.Max(l - 1, 0));
        if (m < 3)
            throw new InvariscopeException(
                $"Permutation test on differences needs at least 3 differences (e.g. 4 epochs), got {m}.");
        var b = Standardised(Differences(y));
        if (b is null) return new Null(lengths, m, permutations, null, null);

        var rng = new SeedRng(SeedRng.Mix(seed, 0xD1FFUL));
        var permuted = new double[(long)permutations * m];
        var idx = new int[m];
        for (int k = 0; k < permutations; k++)
        {
            for (int i = 0; i < m; i++) idx[i] = i;
            int offset = 0;
            foreach (int len in lengths)
            {
                int d = Math.Max(len - 1, 0);
                for (int i = d - 1; i > 0; i--) // Fisher–Yates within this seed's block
                {
                    int j = rng.NextInt(i + 1);
                    (idx[offset + i], idx[offset + j]) = (idx[offset + j], idx[offset + i]);
                }
                offset += d;
            }
            for (int i = 0; i < m; i++) permuted[(long)k * m + i] = b[idx[i]];
        }
        return new Null(lengths, m, permutations, b, permuted);
    }

    /// <summary>Concatenated within-stratum first differences; null when a value is NaN or infinite.</summary>
    static double[]? Differences(IReadOnlyList<double[]> strata)
    {
        var d = new List<double>();
        foreach (var v in strata)
            for (int i = 1; i < v.Length; i++)
            {
                if (!double.IsFinite(v[i]) || !double.IsFinite(v[i - 1])) return null;
                d.Add(v[i] - v[i - 1]);
            }
        return [.. d];
    }

    /// <summary>(v − mean)/‖v − mean‖, so that Pearson r is a dot product; null when v is null or (numerically) constant.</summary>
    static double[]? Standardised(double[]? v)
    {
        if (v is null) return null;
        double mean = v.Average(), ss = 0, raw = 0;
        foreach (var e in v) { ss += (e - mean) * (e - mean); raw += e * e; }
        if (!(ss > 1e-24 * raw)) return null;
        double s = 1 / Math.Sqrt(ss);
        return [.. v.Select(e => (e - mean) * s)];
    }

    /// <summary>A prepared null distribution: the standardised target differences and their B within-stratum permutations.</summary>
    internal sealed class Null(int[] lengths, int m, int permutations, double[]? b, double[]? permuted)
    {
        /// <summary>B, the number of permutations.</summary>
        public int Permutations => permutations;

        /// <summary>(r of the differences, permutation p, number of differences); NaN r and p when undefined.</summary>
        public (double R, double P, int N) Test(IReadOnlyList<double[]> x, string name = "series")
        {
            ArgumentNullException.ThrowIfNull(x);
            if (x.Count != lengths.Length)
                throw new InvariscopeException($"Permutation {name} has {x.Count} seed(s) but the target has {lengths.Length}.");
            for (int s = 0; s < x.Count; s++)
            {
                if (x[s] is null) throw new InvariscopeException($"Permutation {name} seed {s} is null.");
                if (x[s].Length != lengths[s])
                    throw new InvariscopeException($"Permutation inputs differ in length{(x.Count > 1 ? $" at seed {s}" : "")}: {name} has {x[s].Length}, the target has {lengths[s]}.");
            }
            var a = Standardised(Differences(x));
            if (a is null || b is null || permuted is null) return (double.NaN, double.NaN, m);
            double r = Dot(a, b, 0);
            double threshold = Math.Abs(r) - TieTolerance;
            int count = 0;
            for (int k = 0; k < permutations; k++)
                if (Math.Abs(Dot(a, permuted, (long)k * m)) >= threshold) count++;
            return (Math.Clamp(r, -1, 1), (1.0 + count) / (permutations + 1.0), m);
        }

        static double Dot(double[] a, double[] b, long offset)
        {
            double s = 0;
            for (int i = 0; i < a.Length; i++) s += a[i] * b[offset + i];
            return s;
        }
    }
}
