using Invariscope.Study;
using static Invariscope.Report.Numbers;

namespace Invariscope.Report;

/// <summary>The report's opening (the findings with their verdicts; their rules folded below) and its tables over training seeds.</summary>
public static class FindingsSection
{
    /// <summary>The findings table and a one-line count of verdicts; nothing when the study tests no claim.</summary>
    public static void Findings(HtmlPage page, StudyStatisticsResult statistics)
    {
        if (statistics.Findings.Count == 0) return;
        page.Heading("Findings", 2);
        page.Paragraph(Summary(statistics.Findings) + " Each verdict follows a rule fixed in the code before the data is seen " +
                       "(README, \"Findings\"); a result within a float-noise margin of its threshold is inconclusive, not a finding.");
        var rows = statistics.Findings.ToList();
        page.Table(["claim", "settings", "measured", "value", "interval", "verdict"],
            rows.Select(f => new[] { f.Claim, string.Join(" vs ", f.Settings), f.Measure, F(f.Value), Interval(f), f.Verdict }),
            "The paper's claims tested on this study",
            (row, col) => col == 5 ? rows[row].Verdict switch { Verdict.Reproduced => "sig", Verdict.NotReproduced => "bad", _ => null } : null);
        page.Folded("The rule behind each verdict, and the numbers it saw", p =>
            p.Table(["finding", "rule", "what the rule saw"], rows.Select(f => new[] { f.Id, f.Rule, f.Detail }), null));
    }

    /// <summary>The findings as a Markdown table (for a README or a paper's notes).</summary>
    public static string Markdown(IReadOnlyList<Finding> findings)
    {
        var sb = new System.Text.StringBuilder("| finding | settings | measured | value | interval | verdict |\n| --- | --- | --- | --- | --- | --- |\n");
        foreach (var f in findings)
            sb.Append($"| {f.Id} | {string.Join(" vs ", f.Settings)} | {f.Measure} | {F(f.Value)} | {Interval(f)} | **{f.Verdict}** |\n");
        return sb.ToString();
    }

    /// <summary>"N reproduced, M not reproduced, K inconclusive."</summary>
    public static string Summary(IReadOnlyList<Finding> findings) =>
        $"{findings.Count(f => f.Verdict == Verdict.Reproduced)} reproduced, {findings.Count(f => f.Verdict == Verdict.NotReproduced)} not reproduced, " +
        $"{findings.Count(f => f.Verdict == Verdict.Inconclusive)} inconclusive.";

    /// <summary>The interval as text, with what it is over.</summary>
    public static string Interval(Finding f) =>
        double.IsFinite(f.Lower) && double.IsFinite(f.Upper) ? $"[{F(f.Lower)}, {F(f.Upper)}] ({f.Interval})" : f.Interval;

    /// <summary>A setting over training seeds: the pooled grid's headline and best hypotheses, and its baselines (tables folded).</summary>
    public static void Seeds(HtmlPage page, SettingStatistics s)
    {
        foreach (var f in s.Pooled ?? [])
        {
            page.Paragraph($"Target {f.Target}, pooled over {f.Seeds} training seeds (correlations within each seed, then combined): " +
                           $"{f.Tested} distinct hypotheses; {f.RobustCount} robust (first-difference permutation p survives Holm, and in at least " +
                           $"{f.RequiredSeeds} of {f.Seeds} seeds the sign holds and the trivial baselines are beaten; rule '{f.Rule}').");
            var rows = (f.Headline is null ? [] : new[] { f.Headline }).Concat(f.Hypotheses.Where(h => h.Id != f.Headline?.Id).Take(10)).ToList();
            page.Folded($"{s.Label}, {f.Target}: the headline and the 10 best pooled hypotheses, and the trivial baselines", p =>
            {
                p.Table(["hypothesis", "r per seed", "pooled r", "p_diff", "p_diff (Holm)", "same sign", "beat baselines", "Holm per seed", "robust"],
                    rows.Select((h, i) => new[] { (i == 0 && f.Headline is not null ? "headline: " : "") + h.Id,
                        string.Join(", ", h.PerSeedR.Select(F)), F(h.PooledR), G(h.PDiff), G(h.PDiffHolm),
                        $"{h.SameSign}/{f.Seeds}", $"{h.BeatBaselines}/{f.Seeds}", $"{h.SignificantHolm}/{f.Seeds}", h.Robust ? "yes" : "no" }),
                    $"{s.Label}: pooled over training seeds, {f.Target}", (row, _) => rows[row].Robust ? "sig" : null);
                p.Table(["baseline", "r per seed", "pooled r"], f.Baselines.Select(b => new[] { b.Name, string.Join(", ", b.PerSeedR.Select(F)), F(b.PooledR) }),
                    $"{s.Label}: trivial predictors of {f.Target} per seed");
            });
        }
    }

    /// <summary>The noise floor per layer and the final learning and forgetting, raw and above it.</summary>
    public static void Floors(HtmlPage page, StudyStatisticsResult statistics)
    {
        var rows = statistics.Settings.Where(s => s.Floor is not null)
            .SelectMany(s => s.Floor!.Select(r => new[] { s.Label, r.Layer, F(r.Floor), F(r.Learning), F(r.LearningAboveFloor), F(r.Forgetting), F(r.ForgettingAboveFloor) })).ToList();
        if (rows.Count == 0) return;
        page.Table(["setting", "layer", "floor 1 − STIR(p|p)", "learning", "above floor", "forgetting", "above floor"], rows,
            "Noise floor: at epoch 0 the model is p itself, so what STIR measures there is inversion error, not change");
    }

}
