using Invariscope.Analysis;
using Invariscope.Analysis.Robustness;
using Invariscope.Analysis.Statistics;

namespace Invariscope.Study;

/// <summary>The findings about correlations over epochs and across layers, and the strategy comparison (Kumar et al.).</summary>
public static partial class Findings
{
    /// <summary>Per run of a setting: its statistics (the per-seed entries of a setting over seeds, else itself).</summary>
    static IReadOnlyList<SettingStatistics> RunStats(SettingStatistics s) => s.PerSeed is { Count: > 0 } p ? p : [s];

    static Finding? Headline(Context c, SettingResults s)
    {
        if (c.StatsOf(s) is not { } st) return null;
        var runs = RunStats(st);
        var heads = runs.Select(r => r.Families.FirstOrDefault(f => f.Target == StudyStatistics.Corrupted)?.Headline).ToList();
        if (heads.Any(h => h is null || h.Undefined)) return null;
        var pooled = st.Pooled?.FirstOrDefault(f => f.Target == StudyStatistics.Corrupted)?.Headline;
        double r = pooled?.PooledR ?? heads[0]!.R, p = pooled?.PDiff ?? heads[0]!.PDiff;
        int required = c.Required(s), n = heads.Count;
        // a NaN pooled r (e.g. Fisher z of seeds with r = 1 and r = −1) has no sign: no run agrees with it (Math.Sign(NaN) throws)
        int sign = double.IsFinite(r) ? Math.Sign(r) : 2;
        int sameSign = heads.Count(h => Math.Sign(h!.R) == sign);
        int beat = heads.Count(h => h!.BeatsBaselines);
        int partial = heads.Count(h => double.IsFinite(h!.PartialRClean) && Math.Sign(h.PartialRClean) == sign);
        var significant = Significant(p, c.Alpha);
        string verdict = beat < required || significant == false ? Verdict.NotReproduced
            : significant == true && sameSign >= required && partial >= required ? Verdict.Reproduced : Verdict.Inconclusive;
        var best = runs.Select(x => x.Families.First(f => f.Target == StudyStatistics.Corrupted).Baselines
            .Where(b => double.IsFinite(b.R)).OrderByDescending(b => Math.Abs(b.R)).FirstOrDefault()).ToList();
        return new Finding($"headline_beyond_baselines:{s.Name}",
            "The std of forgetting across layers correlates with corrupted accuracy over epochs, beyond trivial baselines",
            [s.Label], "Pearson r of forgetting/std/all with mean corrupted accuracy" + (n > 1 ? " (Fisher-z pooled over seeds)" : ""),
            r, n > 1 ? heads.Min(h => h!.R) : double.NaN, n > 1 ? heads.Max(h => h!.R) : double.NaN,
            n > 1 ? $"range over {n} training seeds" : "none (one training run)", verdict,
            $"reproduced if the first-difference permutation p (the single pre-declared hypothesis, uncorrected) is below α/2 = {c.Alpha / 2}, and in at least {required} of {n} runs r has that sign, "
            + "|r| beats the best trivial baseline (epoch, clean accuracy, training loss) and the partial r given clean accuracy keeps the sign; "
            + $"not reproduced if p is above 2α = {2 * c.Alpha} or a baseline does as well in more than {n - required} runs; else inconclusive",
            $"p_diff {p:G3}; per run r {string.Join(", ", heads.Select(h => h!.R.ToString("F3")))}; best baselines "
            + string.Join(", ", best.Select(b => b is null ? "none" : $"{b.Name} {b.R:F3}"))
            + $"; partial r | clean {string.Join(", ", heads.Select(h => h!.PartialRClean.ToString("F3")))}");
    }

    static Finding? EarlyEpochsSuffice(Context c, SettingResults s, Finding? headline)
    {
        if (headline is null || c.StatsOf(s) is not { } st) return null;
        var runs = RunStats(st);
        var halves = new List<double>();
        int ok = 0;
        foreach (var run in runs)
        {
            var full = run.Families.FirstOrDefault(f => f.Target == StudyStatistics.Corrupted)?.Headline;
            if (full is null || run.EarlyEpochs.Count == 0) return null;
            int last = run.EarlyEpochs.Max(e => e.UpToEpoch);
            var half = run.EarlyEpochs.OrderBy(e => Math.Abs(e.UpToEpoch - last / 2.0)).First();
            halves.Add(half.HeadlineR);
            if (double.IsFinite(half.HeadlineR) && Math.Sign(half.HeadlineR) == Math.Sign(full.R) && Math.Abs(half.HeadlineR) >= 0.5 * Math.Abs(full.R)) ok++;
        }
        int required = c.Required(s);
        string verdict = headline.Verdict != Verdict.Reproduced ? Verdict.Inconclusive
            : ok >= required ? Verdict.Reproduced : Verdict.NotReproduced;
        return new Finding($"early_epochs_suffice:{s.Name}", "The first half of the epochs already shows the headline correlation (the paper's Fig. 14)",
            [s.Label], "r of forgetting/std/all with corrupted accuracy over the first half of the epochs", halves.Average(),
            halves.Count > 1 ? halves.Min() : double.NaN, halves.Count > 1 ? halves.Max() : double.NaN,
            halves.Count > 1 ? $"range over {halves.Count} training seeds" : "none (one training run)", verdict,
            $"inconclusive unless the headline finding is reproduced; then reproduced if, in at least {required} of {runs.Count} runs, the half-run r has the full-run sign and at least half its size; else not reproduced",
            $"{ok} of {runs.Count} runs pass; headline verdict {headline.Verdict}");
    }

    static Finding? LearningForgettingCorrelate(Context c)
    {
        if (c.Pretrained is not { Analysis: not null } s) return null;
        var (x, y, depth) = (new List<double>(), new List<double>(), new List<double>());
        int positive = 0, runs = 0;
        foreach (var run in s.Runs.Where(r => r.Analysis is not null))
        {
            var final = run.Analysis!.Final.PerLayer;
            if (!final.TryGetValue(MetricNames.Learning, out var l) || !final.TryGetValue(MetricNames.Forgetting, out var f)) return null;
            x.AddRange(l.Mean);
            y.AddRange(f.Mean);
            depth.AddRange(l.Mean.Select((_, k) => (double)k));
            runs++;
            if (l.Mean.Length >= 3 && Pearson(l.Mean, f.Mean) is { } r && r.R > 0) positive++;
        }
        if (Pearson([.. x], [.. y]) is not { } pooled) return null;
        double z = Math.Atanh(Math.Clamp(pooled.R, -0.999999, 0.999999)), half = 1.96 / Math.Sqrt(Math.Max(pooled.N - 3, 1));
        int required = PooledGrid.Required(c.Options.Robust, runs);
        var significant = Significant(pooled.PValue, c.Alpha);
        // both grow with depth, so depth alone would make them correlate: the partial r given the layer index must agree
        CorrelationResult? partial = null;
        try { if (x.Count >= 5) partial = PartialCorrelation.Of([.. x], [.. y], [.. depth]); }
        catch (Runtime.InvariscopeException) { } // NaN values: no partial, so not reproduced by this rule
        bool beyondDepth = partial is not null && partial.R > 0 && Significant(partial.PValue, c.Alpha) == true;
        string verdict = pooled.R <= 0 || significant == false ? Verdict.NotReproduced
            : significant == true && positive >= required && beyondDepth ? Verdict.Reproduced : Verdict.Inconclusive;
        return new Finding("learning_forgetting_correlate", "Learning and forgetting correlate across layers (the paper's App. C.1)",
            [s.Label], $"Pearson r of learning and forgetting over layers × runs at the final epoch (n = {pooled.N})", pooled.R,
            Math.Tanh(z - half), Math.Tanh(z + half), "95% Fisher-z interval", verdict,
            $"reproduced if r > 0 with p below α/2, r > 0 within at least {required} of {runs} runs, and the partial r given the layer index is > 0 with p below α/2 (depth alone does not explain it); "
            + "not reproduced if r ≤ 0 or p above 2α; else inconclusive",
            $"p {pooled.PValue:G3}; {positive} of {runs} runs positive; partial r | layer index {(partial is null ? "n/a" : $"{partial.R:F3} (p {partial.PValue:G3})")}");
    }

    static CorrelationResult? Pearson(double[] a, double[] b)
    {
        try { return Correlation.Pearson(a, b); }
        catch (Runtime.InvariscopeException) { return null; }
    }

    static Finding? LpFtVersusFt(Context c)
    {
        var ft = c.Results.Settings.FirstOrDefault(s => s.Task == "classification" && s.Strategy == "ft");
        var lpft = c.Results.Settings.FirstOrDefault(s => s.Task == "classification" && s.Strategy == "lp-ft");
        if (ft is null || lpft is null) return null;
        if (AccuracyDifference(lpft, ft, x => x.Ood) is not var (d, lo, hi, how, oodA, oodB)) return null;
        var ida = lpft.Runs.Select(r => FinalAccuracy(r, x => x.Clean)?.acc ?? double.NaN).Average();
        var idb = ft.Runs.Select(r => FinalAccuracy(r, x => x.Clean)?.acc ?? double.NaN).Average();
        return new Finding("lpft_beats_ft_ood", "LP-FT generalises better out of distribution than FT (Kumar et al. 2022)",
            [lpft.Label, ft.Label], "final OOD accuracy, LP-FT − FT", d, lo, hi, how, ByInterval(lo, hi),
            "reproduced if the 95% interval of the OOD difference lies above 0; not reproduced if below 0; else inconclusive",
            $"OOD {oodA:P1} vs {oodB:P1}; ID {ida:P1} vs {idb:P1}");
    }
}
