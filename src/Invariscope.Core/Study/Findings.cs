using Invariscope.Analysis;
using Invariscope.Analysis.Robustness;
using Invariscope.Analysis.Statistics;
using Invariscope.Evaluation;

namespace Invariscope.Study;

/// <summary>
/// The paper's qualitative claims, each tested by a rule fixed here before any data is seen (README: "Findings").
/// Common to all rules: an interval decides only when it lies wholly on one side of the threshold; a p-value decides
/// only outside a float-noise margin (significant below α/2, not significant above 2α; between: inconclusive), so a
/// verdict cannot flip on a last-digit change. Over training seeds, a claim must also hold in the declared number of
/// seeds (statistics.robust: all or majority). Pure function of the results and statistics.
/// </summary>
public static partial class Findings
{
    /// <summary>CKA divergence below this is "near 0" (1 − CKA &lt; 0.05).</summary>
    public const double NearZero = 0.05;

    /// <summary>Every finding the study can test, in the order of the paper's claims.</summary>
    public static IReadOnlyList<Finding> Evaluate(StudyResults results, StudyStatisticsResult stats, StudyStatisticsOptions options)
    {
        var ctx = new Context(results, stats, options);
        var list = new List<Finding?> { PretrainingHelps(ctx), ShallowLayers(ctx), CkaVersusStir(ctx), FlowCompression(ctx) };
        foreach (var s in results.Settings.Where(s => s.Task == "classification"))
            list.Add(Headline(ctx, s));
        foreach (var s in results.Settings.Where(s => s.Task == "classification"))
            list.Add(EarlyEpochsSuffice(ctx, s, list.OfType<Finding>().FirstOrDefault(f => f.Id == $"headline_beyond_baselines:{s.Name}")));
        list.Add(LearningForgettingCorrelate(ctx));
        list.Add(LpFtVersusFt(ctx));
        return list.OfType<Finding>().ToList();
    }

    sealed record Context(StudyResults Results, StudyStatisticsResult Stats, StudyStatisticsOptions Options)
    {
        public double Alpha => Options.Alpha;
        public SettingResults? Pretrained => Results.Settings.Where(s => s.Task == "classification" && s.Strategy != "scratch")
            .OrderBy(s => s.Strategy == "ft" ? 0 : 1).FirstOrDefault();
        public SettingResults? Scratch => Results.Settings.FirstOrDefault(s => s.Task == "classification" && s.Strategy == "scratch");
        public SettingStatistics? StatsOf(SettingResults s) => Stats.Settings.FirstOrDefault(x => x.Setting == s.Name);
        public int Required(SettingResults s) => PooledGrid.Required(Options.Robust, s.Runs.Count);
    }

    /// <summary>Verdict of an interval against a threshold: reproduced above it (or below when <paramref name="below"/>).</summary>
    static string ByInterval(double lower, double upper, double threshold = 0, bool below = false)
    {
        if (!double.IsFinite(lower) || !double.IsFinite(upper)) return Verdict.Inconclusive;
        if (below ? upper < threshold : lower > threshold) return Verdict.Reproduced;
        if (below ? lower > threshold : upper < threshold) return Verdict.NotReproduced;
        return Verdict.Inconclusive;
    }

    /// <summary>Significant (p &lt; α/2), not significant (p &gt; 2α), or in the margin between (null).</summary>
    static bool? Significant(double p, double alpha) => !double.IsFinite(p) ? null : p < alpha / 2 ? true : p > 2 * alpha ? false : null;

    /// <summary>Difference a − b of per-run values with a 95% interval: Welch over training seeds, or a normal interval from the given standard errors for single runs.</summary>
    static (double d, double lo, double hi, string how) Difference(double[] a, double[] b, double seA = double.NaN, double seB = double.NaN)
    {
        if (a.Length > 1 && b.Length > 1)
        {
            var (d, lo, hi, _) = SeedStatistics.Welch(a, b);
            return (d, lo, hi, $"95% Welch over {a.Length} and {b.Length} training seeds");
        }
        double diff = a.Average() - b.Average(), se = Math.Sqrt(seA * seA + seB * seB);
        return double.IsFinite(se) && a.Length == 1 && b.Length == 1
            ? (diff, diff - 1.96 * se, diff + 1.96 * se, "95% normal interval, one training run each")
            : (diff, double.NaN, double.NaN, "none (one training run)");
    }

    /// <summary>Final-epoch test accuracy of a run (clean ID test set) and its binomial standard error.</summary>
    static (double acc, double se)? FinalAccuracy(SettingResults run, Func<EpochRobustness, EvalResult?> pick)
    {
        if (run.Robustness.Count == 0 || pick(run.Robustness[^1]) is not { } e) return null;
        return (e.Accuracy, Math.Sqrt(e.Accuracy * (1 - e.Accuracy) / Math.Max(e.N, 1)));
    }

    /// <summary>
    /// The final accuracy of <paramref name="a"/> minus that of <paramref name="b"/> (the set <paramref name="pick"/>
    /// names), with its interval and each side's mean over runs; null when a run lacks that accuracy.
    /// </summary>
    static (double d, double lo, double hi, string how, double meanA, double meanB)? AccuracyDifference(
        SettingResults a, SettingResults b, Func<EpochRobustness, EvalResult?> pick)
    {
        var xa = a.Runs.Select(r => FinalAccuracy(r, pick)).ToList();
        var xb = b.Runs.Select(r => FinalAccuracy(r, pick)).ToList();
        if (xa.Any(x => x is null) || xb.Any(x => x is null)) return null;
        double[] accA = [.. xa.Select(x => x!.Value.acc)], accB = [.. xb.Select(x => x!.Value.acc)];
        var (d, lo, hi, how) = Difference(accA, accB, xa[0]!.Value.se, xb[0]!.Value.se);
        return (d, lo, hi, how, accA.Average(), accB.Average());
    }

    static Finding? PretrainingHelps(Context c)
    {
        if (c.Pretrained is not { } pre || c.Scratch is not { } scratch) return null;
        if (AccuracyDifference(pre, scratch, x => x.Clean) is not var (d, lo, hi, how, meanA, meanB)) return null;
        return new Finding("pretraining_helps", "Pretraining improves task-B test accuracy (the premise of the study)",
            [pre.Label, scratch.Label], "final test accuracy, pretrained − scratch", d, lo, hi, how, ByInterval(lo, hi),
            "reproduced if the 95% interval of the difference lies above 0; not reproduced if below 0; else inconclusive",
            $"{pre.Label} {meanA:P1}, {scratch.Label} {meanB:P1} (means over {pre.Runs.Count} / {scratch.Runs.Count} runs)");
    }

    /// <summary>The shallow half of the blocks (at least one), by layer index.</summary>
    static int[] ShallowLayers(IReadOnlyList<string> layers)
    {
        int blocks = layers.Count(l => l.StartsWith("block", StringComparison.Ordinal));
        return [.. Enumerable.Range(0, Math.Max(1, (blocks + 1) / 2)).Where(l => l < layers.Count)];
    }

    static double ShallowChange(AnalysisResults a, int[] shallow)
    {
        var final = a.Final.PerLayer;
        var metrics = new[] { MetricNames.Learning, MetricNames.Forgetting }.Where(final.ContainsKey).ToList();
        return metrics.Count == 0 ? double.NaN : shallow.SelectMany(l => metrics.Select(m => final[m].Mean[l])).Average();
    }

    static Finding? ShallowLayers(Context c)
    {
        if (c.Pretrained is not { Analysis: { } pa } pre || c.Scratch is not { Analysis: not null } scratch) return null;
        var shallow = ShallowLayers(pa.Layers);
        double[] Values(SettingResults s) => [.. s.Runs.Where(r => r.Analysis is not null).Select(r => ShallowChange(r.Analysis!, shallow))];
        var (a, b) = (Values(pre), Values(scratch));
        var (d, lo, hi, how) = Difference(a, b);
        if (a.Length == 1 && b.Length == 1)
        {
            // one run each: the paired probe-image intervals of the per-layer differences, averaged over the shallow layers
            var rows = c.Stats.Differences.Where(x => x.Basis == "probe_images" && x.A == pre.Label && x.B == scratch.Label
                && x.Metric is MetricNames.Learning or MetricNames.Forgetting && shallow.Any(l => pa.Layers[l] == x.Layer)).ToList();
            if (rows.Count > 0) (lo, hi, how) = (rows.Average(x => x.Lower), rows.Average(x => x.Upper), "mean of the per-layer 95% probe-image intervals (one run each)");
        }
        string layers = string.Join(", ", shallow.Select(l => pa.Layers[l]));
        return new Finding("shallow_layers_change_less", "Pretrained models learn and forget less in shallow layers than from-scratch ones",
            [pre.Label, scratch.Label], $"mean of learning and forgetting over {layers} at the final epoch, pretrained − scratch", d, lo, hi, how,
            ByInterval(lo, hi, below: true), "reproduced if the 95% interval lies below 0; not reproduced if above 0; else inconclusive",
            $"{pre.Label} {a.Average():F3}, {scratch.Label} {b.Average():F3}");
    }

    static Finding? CkaVersusStir(Context c)
    {
        if (c.Pretrained is not { Analysis: { } a } pre) return null;
        var final = a.Final.PerLayer;
        var zero = a.Checkpoints.FirstOrDefault(x => x.Epoch == 0)?.PerLayer;
        if (!final.TryGetValue(MetricNames.CkaDivergence, out var cka) || !final.TryGetValue(MetricNames.Forgetting, out var f) || zero?.GetValueOrDefault(MetricNames.Forgetting) is not { } floor)
            return null;
        double floorUpper = floor.Upper?[0] ?? double.NaN, floorMean = floor.Mean[0];
        double ckaLo = cka.Lower?[0] ?? double.NaN, ckaHi = cka.Upper?[0] ?? double.NaN;
        double fLo = f.Lower?[0] ?? double.NaN, fHi = f.Upper?[0] ?? double.NaN;
        string verdict = !double.IsFinite(ckaHi) || !double.IsFinite(fLo) ? Verdict.Inconclusive
            : ckaHi < NearZero && fLo > floorUpper ? Verdict.Reproduced
            : ckaLo >= NearZero || fHi <= floorMean ? Verdict.NotReproduced : Verdict.Inconclusive;
        return new Finding("cka_near_zero_stir_not", "In the first layer CKA divergence is near 0 while STIR forgetting is not",
            [pre.Label], $"forgetting above its noise floor at {a.Layers[0]}, final epoch", f.Mean[0] - floorMean, fLo - floorMean, fHi - floorMean,
            pre.Runs.Count > 1 ? $"95% t over {pre.Runs.Count} training seeds" : "95% jackknife over probe images and STIR seeds", verdict,
            $"reproduced if CKA divergence's upper bound is below {NearZero} and forgetting's lower bound is above the floor's upper bound (epoch 0); "
            + $"not reproduced if CKA divergence's lower bound is at least {NearZero} or forgetting's upper bound is at most the floor; else inconclusive",
            $"CKA divergence {cka.Mean[0]:F4} [{ckaLo:F4}, {ckaHi:F4}]; forgetting {f.Mean[0]:F4} [{fLo:F4}, {fHi:F4}]; floor {floorMean:F4} (upper {floorUpper:F4})");
    }

    static Finding? FlowCompression(Context c)
    {
        if (c.Pretrained is not { Analysis: { } a } pre || a.Final.FlowSummary is null) return null;
        var per = pre.Runs.Select(r => r.Analysis?.Final.FlowSummary?.Compression ?? double.NaN).Where(double.IsFinite).ToList();
        double value = a.Final.FlowSummary.Compression, lo = double.NaN, hi = double.NaN;
        string how = "none";
        if (per.Count > 1) { (_, _, lo, hi) = SeedAverage.Interval(per); how = $"95% t over {per.Count} training seeds"; }
        else if (a.Final.FlowStd is { Length: > 1 } std && a.Settings.Seeds > 1) // one layer: nothing below the diagonal
        {
            int n = std.Length;
            var below = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, i).Select(j => std[i][j] * std[i][j])).ToList();
            double se = Math.Sqrt(below.Average() / a.Settings.Seeds);
            (lo, hi, how) = (value - 1.96 * se, value + 1.96 * se, $"95% normal over {a.Settings.Seeds} STIR seeds (one training run)");
        }
        return new Finding("flow_compression", "The Invariance Flow Matrix shows compression: below its diagonal it is positive",
            [pre.Label], "mean IF(i, j) over j < i at the final epoch", value, lo, hi, how, ByInterval(lo, hi),
            "reproduced if the 95% interval lies above 0; not reproduced if below 0; else inconclusive",
            $"compression {value:F4}, expansion {a.Final.FlowSummary.Expansion:F4}");
    }
}
