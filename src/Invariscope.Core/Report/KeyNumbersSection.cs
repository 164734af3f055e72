using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Study;
using static Invariscope.Report.Numbers;

namespace Invariscope.Report;

/// <summary>
/// The key numbers, right after the findings: each with what it should be read against. Accuracies against the
/// from-scratch setting; learning and forgetting against their noise floor (epoch 0, where the model is p itself);
/// the headline correlation against the trivial baselines (epoch index, clean accuracy, training loss).
/// </summary>
internal static class KeyNumbersSection
{
    public static void Write(HtmlPage page, StudyResults results, StudyStatisticsResult statistics)
    {
        var rows = new List<string[]>();
        var poorRows = new HashSet<int>(); // rows whose inversions did not all converge: highlighted
        var scratch = results.Settings.FirstOrDefault(s => s.Task == "classification" && s.Strategy == "scratch");
        foreach (var s in results.Settings.Where(s => s.Task == "classification" && s.Robustness.Count > 0))
        {
            var last = s.Robustness[^1];
            var baseline = scratch is null || scratch == s || scratch.Robustness.Count == 0 ? null : scratch.Robustness[^1];
            // one row: the test set, the OOD set and the corruptions, each with its spread over seeds; the baseline alike
            var parts = new List<(string name, Func<EpochRobustness, double?> pick)> { ("test", r => r.Clean.Accuracy) };
            if (last.Ood is not null) parts.Add(("OOD", r => r.Ood?.Accuracy));
            if (last.Cells.Count > 0) parts.Add(("corrupted", r => r.Cells.Count > 0 ? r.MeanCorruptedAccuracy : null));
            string value = string.Join("; ", parts.Select(p => $"{p.name} {P(p.pick(last) ?? double.NaN)}{Spread(s, r => p.pick(r) ?? double.NaN)}"));
            string against = s == scratch ? "the baseline of the others"
                : baseline is null ? "" : "from scratch: " + string.Join("; ", parts.Select(p => $"{p.name} {P(p.pick(baseline) ?? double.NaN)}"));
            rows.Add([s.Label, "accuracy at the final epoch", value, against]);
        }
        foreach (var s in statistics.Settings.Where(s => s.Floor is { Count: > 0 }))
        {
            double floor = s.Floor!.Average(r => r.Floor);
            double learning = s.Floor!.Average(r => r.Learning), forgetting = s.Floor!.Average(r => r.Forgetting);
            rows.Add([s.Label, "learning and forgetting, mean over layers, final epoch", $"learning {F(learning)}; forgetting {F(forgetting)}",
                $"noise floor {F(floor)} (epoch 0); above it: learning {F(learning - floor)}, forgetting {F(forgetting - floor)}"]);
        }
        foreach (var s in results.Settings.Where(s => s.Analysis is { Inversions.Count: > 0 }))
        {
            var worst = s.Analysis!.Inversions.GroupBy(d => d.Layer).MaxBy(g => g.Average(d => d.Median))!;
            int poor = s.Analysis.Inversions.Count(d => d.ConvergedPoorly);
            if (poor > 0) poorRows.Add(rows.Count);
            rows.Add([s.Label, "inversion error: median relative error, worst layer", $"{F(worst.Average(d => d.Median))} ({worst.Key})",
                $"not converged above {F(InversionDiagnostics.PoorMedian)}: {I(poor)} of {I(s.Analysis.Inversions.Count)} inversions"]);
        }
        foreach (var s in statistics.Settings)
        {
            foreach (var f in s.Families.Where(f => f.Headline is not null))
                rows.Add([s.Label, $"r of std of forgetting with {Target(f.Target)}", $"{F(f.Headline!.R)} (p {G(f.Headline.PValue)}, n {I(f.Headline.N)})",
                    Baselines(f.Baselines.Select(b => (b.Name, b.R)))]);
            foreach (var f in s.Pooled?.Where(f => f.Headline is not null) ?? [])
                rows.Add([s.Label, $"r of std of forgetting with {Target(f.Target)}, pooled over {I(f.Seeds)} seeds",
                    $"{F(f.Headline!.PooledR)} (per seed {string.Join(", ", f.Headline.PerSeedR.Select(F))}; first-difference p {G(f.Headline.PDiff)})",
                    Baselines(f.Baselines.Select(b => (b.Name, b.PooledR)))]);
        }
        if (rows.Count == 0) return;
        page.Heading("Key numbers", 2);
        page.Table(["setting", "quantity", "value", "read against"], rows,
            "Final-epoch numbers and what to read them against: a value is only news beyond these (in brackets: the range over training seeds)",
            (row, col) => col >= 2 && poorRows.Contains(row) ? "bad" : null);
    }

    /// <summary>" [lo, hi]" over the training seeds of a setting that has them.</summary>
    static string Spread(SettingResults s, Func<EpochRobustness, double> pick)
    {
        if (s.Replicates is not { Count: > 1 } runs || runs.Any(r => r.Robustness.Count == 0)) return "";
        var v = runs.Select(r => pick(r.Robustness[^1])).ToList();
        return $" [{P(v.Min())}, {P(v.Max())}]";
    }

    static string Target(string target) => target switch
    {
        StudyStatistics.Corrupted => "corrupted accuracy",
        StudyStatistics.Ood => "OOD accuracy",
        _ => target,
    };

    /// <summary>The trivial baselines' r, largest |r| first.</summary>
    static string Baselines(IEnumerable<(string name, double r)> baselines)
    {
        var defined = baselines.Where(b => double.IsFinite(b.r)).OrderByDescending(b => Math.Abs(b.r)).ToList();
        return defined.Count == 0 ? "no trivial baseline defined" : "trivial baselines: " + string.Join(", ", defined.Select(b => $"{b.name} r {F(b.r)}"));
    }
}
