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
        var scratch = results.Settings.FirstOrDefault(s => s.Task == "classification" && s.Strategy == "scratch");
        foreach (var s in results.Settings.Where(s => s.Task == "classification" && s.Robustness.Count > 0))
        {
            var last = s.Robustness[^1];
            var baseline = scratch is null || scratch == s || scratch.Robustness.Count == 0 ? null : scratch.Robustness[^1];
            string Against(Func<EpochRobustness, double?> pick) =>
                baseline is null || pick(baseline) is not double b ? "" : $"from scratch: {P(b)}";
            rows.Add([s.Label, "test accuracy (ID), final epoch", P(last.Clean.Accuracy) + Spread(s, r => r.Clean.Accuracy), Against(r => r.Clean.Accuracy)]);
            if (last.Ood is not null)
                rows.Add([s.Label, "test accuracy (OOD)", P(last.Ood.Accuracy) + Spread(s, r => r.Ood?.Accuracy ?? double.NaN), Against(r => r.Ood?.Accuracy)]);
            if (last.Cells.Count > 0)
                rows.Add([s.Label, "mean corrupted accuracy", P(last.MeanCorruptedAccuracy) + Spread(s, r => r.MeanCorruptedAccuracy),
                    Against(r => r.Cells.Count > 0 ? r.MeanCorruptedAccuracy : null)]);
        }
        foreach (var s in statistics.Settings.Where(s => s.Floor is { Count: > 0 }))
        {
            double floor = s.Floor!.Average(r => r.Floor);
            foreach (var (metric, value, above) in new[]
                     {
                         (MetricNames.Forgetting, s.Floor!.Average(r => r.Forgetting), s.Floor!.Average(r => r.ForgettingAboveFloor)),
                         (MetricNames.Learning, s.Floor!.Average(r => r.Learning), s.Floor!.Average(r => r.LearningAboveFloor)),
                     })
                if (double.IsFinite(value))
                    rows.Add([s.Label, $"{metric}, mean over layers, final epoch", F(value), $"noise floor {F(floor)}; above it {F(above)}"]);
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
            "Final-epoch numbers with their baselines: a value is only news beyond these (seed ranges in brackets)");
    }

    /// <summary>" [lo, hi] over seeds" for a setting with training seeds.</summary>
    static string Spread(SettingResults s, Func<EpochRobustness, double> pick)
    {
        if (s.Replicates is not { Count: > 1 } runs || runs.Any(r => r.Robustness.Count == 0)) return "";
        var v = runs.Select(r => pick(r.Robustness[^1])).ToList();
        return $" [{P(v.Min())}, {P(v.Max())}] over {I(v.Count)} seeds";
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
