using Invariscope.Analysis.Robustness;
using Invariscope.Study;
using static Invariscope.Report.Numbers;

namespace Invariscope.Report;

/// <summary>The report's correlations with robustness: per setting the hypothesis grid's headline and best entries, the baselines, the early-epoch analysis; then learning–forgetting.</summary>
internal static class CorrelationsSection
{
    public static void Write(HtmlPage page, StudyStatisticsResult statistics, StudyFigures fig)
    {
        page.Heading("Correlation with robustness over epochs", 2);
        page.Paragraph("Each hypothesis aggregates a per-layer metric (learning, forgetting, their sum or difference, or CKA divergence) over a " +
                       "layer range (one layer, the first k, the last k, or all) with mean, std, min or max, and correlates it over the epochs " +
                       "with the target accuracy (Pearson, two-sided p). The family is corrected with Bonferroni and Holm. The paper's headline " +
                       "hypothesis, the std of forgetting across all layers (forgetting/std/all), is shown on its own. Hypotheses whose series " +
                       "are identical are one entry, the others its aliases (hypotheses.csv lists them all).");
        foreach (var s in statistics.Settings)
        {
            page.Heading(s.Label, 3);
            foreach (var note in s.Notes) page.Paragraph(note);
            foreach (var f in s.Families)
            {
                page.Paragraph($"Target {f.Target}: {f.Tested} distinct hypotheses tested ({f.Total} in the grid; {f.Total - f.Distinct} repeat another's series " +
                               $"and are listed as its aliases; {f.Distinct - f.Tested} undefined because the aggregate is constant over epochs); " +
                               $"{f.SignificantBonferroniCount} survive Bonferroni, {f.SignificantHolmCount} Holm at α = {F(f.Alpha)}; " +
                               $"{f.SignificantDiffHolmCount} survive Holm with the first-difference permutation p, which allows for the shared trend.");
                page.Folded($"{s.Label}, {f.Target}: the headline and the 10 best hypotheses, and the trivial baselines", p => GridTables(p, s, f));
            }
            FindingsSection.Seeds(page, s);
            if (s.HeadlineBySeverity.Count > 0)
                page.Table(["severity", "r (std of forgetting vs accuracy)", "p", "n"],
                    s.HeadlineBySeverity.Select(kv => new[] { kv.Key, F(kv.Value.R), G(kv.Value.PValue), I(kv.Value.N) }),
                    "The headline hypothesis per corruption severity");
            if (s.EarlyEpochs.Count > 0)
                page.Folded($"{s.Label}: the early-epoch analysis as a table", p => p.Table(["epochs ≤", "n", "headline r", "headline p", "significant (Bonferroni)", "tested"],
                    s.EarlyEpochs.Select(e => new[] { I(e.UpToEpoch), I(e.N), F(e.HeadlineR), G(e.HeadlineP), I(e.SignificantBonferroni), I(e.Tested) }), null));
        }
        if (fig.EarlyEpochs() is { } early)
            page.Figure(early, "Correlation using only epochs up to e (the paper's Fig. 14), for the headline and the best hypotheses; " +
                               "hypotheses with the same series are drawn once, their ids joined by \"=\".");

        page.Heading("Learning–forgetting correlation", 2);
        if (fig.LearningVsForgetting() is { } scatter) page.Figure(scatter, "Every (epoch ≥ 1, layer) point; Appendix C.1 of the paper.");
        var lf = statistics.Settings.Where(s => s.LearningForgetting is not null).Select(s => s.LearningForgetting!).ToList();
        if (lf.Count > 0)
            page.Table(["setting", "pooled r", "p", "n", "mean r across layers per epoch"],
                lf.Select(r => new[] { statistics.Settings.First(s => s.Setting == r.Setting).Label, F(r.PooledR), G(r.PooledP),
                    I(r.PooledN), F(r.MeanEpochR) }), "Pearson correlation of learning and forgetting");
    }

    /// <summary>The headline and the 10 best hypotheses of one family, and its trivial baselines.</summary>
    static void GridTables(HtmlPage page, SettingStatistics s, CorrelationFamily f)
    {
        var rows = (f.Headline is null ? [] : new[] { f.Headline }).Concat(f.Best(10).Where(h => h.Id != f.Headline?.Id)).ToList();
        page.Table(["hypothesis", "r", "p", "p (Bonferroni)", "p (Holm)", "n", "survives", "partial r | epoch", "p_diff (Holm)", "beats baselines", "aliases"],
            rows.Select((h, i) => new[] { (i == 0 && f.Headline is not null ? "headline: " : "") + h.Id, F(h.R), G(h.PValue), G(h.PBonferroni), G(h.PHolm),
                I(h.N), h.SignificantBonferroni ? "Bonferroni" : h.SignificantHolm ? "Holm" : "no",
                F(h.PartialREpoch), G(h.PDiffHolm), h.BeatsBaselines ? "yes" : "no", string.Join(", ", h.Aliases) }),
            $"{s.Label}: headline and the 10 best hypotheses for {f.Target}", (row, _) => rows[row].SignificantBonferroni ? "sig" : null);
        if (f.Baselines.Count > 0)
            page.Table(["baseline", "r", "p", "p_diff (permutation)"],
                f.Baselines.Select(b => new[] { b.Name, F(b.R), G(b.PValue), G(b.PDiffPerm) }),
                $"{s.Label}: trivial predictors of {f.Target}; a hypothesis that does not beat them says nothing beyond \"training went on\"");
    }
}
