using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;

namespace Invariscope.Analysis.Robustness;

/// <summary>
/// The paper's robustness hypothesis grid (§4.4, Appendix E.1): hypotheses are layer range × combination × aggregate.
/// <list type="bullet">
/// <item>Layer ranges: <see cref="InvarianceMetrics.Ranges"/>(L): all, each single layer, firstK and lastK for
/// k = 2..L−1, i.e. 2L − 3 multi-layer ranges and L single-layer ranges (for L ≥ 2).</item>
/// <item>Combinations, applied per layer before aggregating: sum (λ+φ), diff (λ−φ), learning (λ), forgetting (φ),
/// and cka_divergence (its own values). Only those whose inputs the table has are enumerated.</item>
/// <item>Aggregates over the range: mean, std (population), min, max. On a single-layer range std ≡ 0 and
/// min = max = mean, so only mean is emitted there.</item>
/// </list>
/// Hence, for L ≥ 2 layers and c combinations, Total = c·(4·(2L − 3) + L) = c·(9L − 12)
/// (for L = 1: 2c, since "all" and "layer0" are both single-layer). With all five combinations and L = 13 that is
/// 5·105 = 525 (420 without CKA divergence); the paper reports 352 hypotheses, so its exact grid differs from this one.
/// Each hypothesis gives x[e] per epoch and is correlated (Pearson, two-sided t test) with the target y[e]. A hypothesis
/// whose x is constant or contains NaN is undefined (r = NaN) and left out of the tested family; hypotheses whose series
/// coincide are counted once (see <see cref="SeriesDeduplication"/>); the tested family is corrected with Bonferroni and Holm.
/// </summary>
public static class HypothesisGrid
{
    /// <summary>Id of the paper's headline hypothesis: std of forgetting across all layers.</summary>
    public const string HeadlineId = "forgetting/std/all";

    /// <summary>Combination names in grid order.</summary>
    public static IReadOnlyList<string> CombinationNames { get; } = ["sum", "diff", MetricNames.Learning, MetricNames.Forgetting, MetricNames.CkaDivergence];

    /// <summary>Aggregate names in grid order (single-layer ranges use only "mean").</summary>
    public static IReadOnlyList<string> AggregateNames { get; } = ["mean", "std", "min", "max"];

    /// <summary>Closed-form number of hypotheses for <paramref name="layers"/> layers and <paramref name="combinations"/> combinations: c·(9L − 12) for L ≥ 2, 2c for L = 1.</summary>
    public static int Count(int layers, int combinations)
    {
        if (layers < 1) throw new InvariscopeException($"Hypothesis count needs at least 1 layer, got {layers}.");
        if (combinations < 0) throw new InvariscopeException($"Hypothesis count needs a non-negative number of combinations, got {combinations}.");
        return layers == 1 ? 2 * combinations : combinations * (9 * layers - 12);
    }

    /// <summary>The combinations the table supports, in grid order (sum and diff need both learning and forgetting).</summary>
    public static IReadOnlyList<string> AvailableCombinations(EpochMetricTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var list = new List<string>();
        bool l = table.Learning is not null, f = table.Forgetting is not null;
        if (l && f) { list.Add("sum"); list.Add("diff"); }
        if (l) list.Add(MetricNames.Learning);
        if (f) list.Add(MetricNames.Forgetting);
        if (table.CkaDivergence is not null) list.Add(MetricNames.CkaDivergence);
        return list;
    }

    /// <summary>All hypothesis ids of the table's grid, in grid order (combination, range, aggregate).</summary>
    public static IReadOnlyList<string> Ids(EpochMetricTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.Validate();
        return [.. Build(table, table.Epochs.Length).Select(h => h.Id)];
    }

    /// <summary>
    /// The per-epoch series x[e] of hypothesis <paramref name="id"/> over the epochs 0..<paramref name="upToIndex"/>
    /// (all epochs when null); NaN at epochs where a layer value in the range is NaN or infinite.
    /// </summary>
    public static double[] Series(EpochMetricTable table, string id, int? upToIndex = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.Validate();
        int n = Length(table, upToIndex, minimum: 1);
        return Build(table, n).FirstOrDefault(h => h.Id == id)?.X
            ?? throw new InvariscopeException($"Unknown hypothesis id '{id}' for this table (e.g. '{HeadlineId}').");
    }

    /// <summary>
    /// Correlates every hypothesis with <paramref name="target"/> (one value per epoch of the table) over the epochs
    /// 0..<paramref name="upToIndex"/> (row indices, inclusive; all epochs when null) and corrects the tested family.
    /// Hypotheses with identical series (up to 1e-12) are one entry: the first in grid order, the others its aliases;
    /// the family size is the number of distinct defined series. Beside the paper's Pearson/Bonferroni/Holm analysis,
    /// each entry gets trend controls (<see cref="GridCovariates"/>): partial r given the epoch index and given clean
    /// accuracy, whether it beats the trivial baselines, and the first-difference permutation p (Bonferroni/Holm over
    /// the distinct hypotheses where it is defined), with <paramref name="permutations"/> permutations seeded by
    /// <paramref name="seed"/> (0 permutations skips that test).
    /// Errors (<see cref="InvariscopeException"/>): a malformed table (see <see cref="EpochMetricTable.Validate"/>),
    /// a target or covariate of another length or with NaN/inf, fewer than 3 epochs, a constant target, alpha outside
    /// (0, 1), negative permutations.
    /// </summary>
    public static CorrelationFamily Run(
        EpochMetricTable table, double[] target, string targetName, double alpha = 0.05, int? upToIndex = null,
        GridCovariates? covariates = null, ulong seed = 0, int permutations = DifferencePermutation.DefaultPermutations)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.Validate();
        int n = Length(table, upToIndex, minimum: 3);
        var y = Target(table, target, targetName, n);
        if (IsConstant(y))
            throw new InvariscopeException(
                $"Target '{targetName}' is constant ({y[0]}) over the {n} epochs used, so no correlation is defined.");
        if (!(alpha > 0 && alpha < 1)) throw new InvariscopeException($"Significance level alpha must lie in (0, 1), got {alpha}.");
        var controls = TrendControls.Create(table, y, n, covariates, permutations, seed);

        var specs = Build(table, n);
        var rep = SeriesDeduplication.Representatives([.. specs.Select(s => s.X)]);
        var distinct = Enumerable.Range(0, specs.Count).Where(i => rep[i] == i).ToList();
        var aliases = distinct.ToDictionary(i => i, _ => new List<string>());
        for (int i = 0; i < specs.Count; i++)
            if (rep[i] != i) aliases[rep[i]].Add(specs[i].Id);

        var r = Nans(specs.Count);
        var p = Nans(specs.Count);
        var pDiff = Nans(specs.Count);
        var tested = new List<int>();
        foreach (int i in distinct)
        {
            var x = specs[i].X;
            if (x.Any(v => !double.IsFinite(v)) || IsConstant(x)) continue;
            CorrelationResult c;
            try { c = Correlation.Pearson(x, y); }
            catch (InvariscopeException) { continue; } // zero variance after rounding: undefined, like a constant x
            r[i] = c.R; p[i] = c.PValue;
            pDiff[i] = controls.PDiff(x);
            tested.Add(i);
        }
        var (pb, ph) = Correct(p, tested, specs.Count);
        var (pdb, pdh) = Correct(pDiff, [.. tested.Where(i => !double.IsNaN(pDiff[i]))], specs.Count);

        var results = new List<(int index, HypothesisResult result)>();
        foreach (int i in distinct)
        {
            var s = specs[i];
            bool defined = !double.IsNaN(r[i]);
            var (pre, ppe) = defined ? controls.PartialEpoch(s.X) : (double.NaN, double.NaN);
            var (prc, ppc) = defined ? controls.PartialClean(s.X) : (double.NaN, double.NaN);
            results.Add((i, new HypothesisResult(s.Id, s.Combination, s.Aggregate, s.Range, s.From, s.To,
                r[i], p[i], pb[i], ph[i], n, pb[i] < alpha, ph[i] < alpha,
                aliases[i], pDiff[i], pdb[i], pdh[i], pdh[i] < alpha, pre, ppe, prc, ppc, controls.Beats(r[i]))));
        }
        var sorted = results
            .OrderBy(t => t.result.Undefined)
            .ThenBy(t => t.result.Undefined ? 0 : t.result.PValue)
            .ThenByDescending(t => t.result.Undefined ? 0 : Math.Abs(t.result.R))
            .ThenBy(t => t.index)
            .Select(t => t.result)
            .ToList();
        var family = new CorrelationFamily(targetName, specs.Count, tested.Count, alpha, sorted, null, distinct.Count, controls.Baselines);
        return family with { Headline = family.Find(HeadlineId) };
    }

    static double[] Nans(int count) => Enumerable.Repeat(double.NaN, count).ToArray();

    /// <summary>Bonferroni and Holm of <paramref name="p"/> over the indices <paramref name="family"/>; NaN elsewhere.</summary>
    static (double[] bonferroni, double[] holm) Correct(double[] p, IReadOnlyList<int> family, int count)
    {
        var values = family.Select(i => p[i]).ToArray();
        var bonf = MultipleTesting.Bonferroni(values);
        var holm = MultipleTesting.Holm(values);
        var pb = Nans(count);
        var ph = Nans(count);
        for (int k = 0; k < family.Count; k++) { pb[family[k]] = bonf[k]; ph[family[k]] = holm[k]; }
        return (pb, ph);
    }

    /// <summary>One enumerated hypothesis with its series.</summary>
    sealed record Spec(string Id, string Combination, string Aggregate, string Range, int From, int To, double[] X);

    /// <summary>Number of rows used: upToIndex + 1, or all; at least <paramref name="minimum"/>.</summary>
    internal static int Length(EpochMetricTable table, int? upToIndex, int minimum)
    {
        int total = table.Epochs.Length;
        if (upToIndex is int u && (u < 0 || u >= total))
            throw new InvariscopeException($"upToIndex {u} is outside the {total} epoch rows (0..{total - 1}).");
        int n = upToIndex is int k ? k + 1 : total;
        if (n < minimum)
            throw new InvariscopeException(
                $"Cannot correlate over {n} epoch(s): need at least {minimum} epochs for a Pearson correlation with a p-value.");
        return n;
    }

    /// <summary>The first <paramref name="n"/> target values after checking length and finiteness.</summary>
    internal static double[] Target(EpochMetricTable table, double[] target, string targetName, int n)
    {
        if (target is null) throw new InvariscopeException($"Target '{targetName}' is null.");
        if (target.Length != table.Epochs.Length)
            throw new InvariscopeException(
                $"Target '{targetName}' has {target.Length} values but Epochs has {table.Epochs.Length}.");
        for (int e = 0; e < target.Length; e++)
            if (!double.IsFinite(target[e]))
                throw new InvariscopeException($"Target '{targetName}' is {target[e]} at row {e} (epoch {table.Epochs[e]}); it must be finite.");
        return target[..n];
    }

    internal static bool IsConstant(double[] v)
    {
        for (int i = 1; i < v.Length; i++)
            if (v[i] != v[0]) return false;
        return true;
    }

    /// <summary>Per-layer combination value at row e, layer l.</summary>
    static double Value(EpochMetricTable t, string combination, int e, int l) => combination switch
    {
        "sum" => t.Learning![e][l] + t.Forgetting![e][l],
        "diff" => t.Learning![e][l] - t.Forgetting![e][l],
        MetricNames.Learning => t.Learning![e][l],
        MetricNames.Forgetting => t.Forgetting![e][l],
        MetricNames.CkaDivergence => t.CkaDivergence![e][l],
        _ => throw new InvariscopeException($"Unknown combination '{combination}'."),
    };

    /// <summary>Enumerates the grid in order combination → range → aggregate with series over rows 0..n−1.</summary>
    static List<Spec> Build(EpochMetricTable table, int n)
    {
        int layers = table.Layers.Count;
        var specs = new List<Spec>();
        foreach (var combination in AvailableCombinations(table))
            foreach (var (range, from, to) in InvarianceMetrics.Ranges(layers))
            {
                var agg = new LayerAggregate?[n];
                var values = new double[to - from + 1];
                for (int e = 0; e < n; e++)
                {
                    bool finite = true;
                    for (int l = from; l <= to; l++)
                    {
                        values[l - from] = Value(table, combination, e, l);
                        finite &= double.IsFinite(values[l - from]);
                    }
                    agg[e] = finite ? InvarianceMetrics.Aggregate(values, 0, values.Length - 1, range) : null;
                }
                var aggregates = from == to ? AggregateNames.Take(1) : AggregateNames;
                foreach (var aggregate in aggregates)
                {
                    var x = new double[n];
                    for (int e = 0; e < n; e++)
                        x[e] = agg[e] is not { } a ? double.NaN : aggregate switch
                        {
                            "mean" => a.Mean,
                            "std" => a.Std,
                            "min" => a.Min,
                            _ => a.Max,
                        };
                    specs.Add(new Spec($"{combination}/{aggregate}/{range}", combination, aggregate, range, from, to, x));
                }
            }
        return specs;
    }
}
