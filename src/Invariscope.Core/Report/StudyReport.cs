using System.Globalization;
using Invariscope.Analysis;
using Invariscope.Analysis.Robustness;
using Invariscope.Study;

namespace Invariscope.Report;

/// <summary>
/// The HTML report of a study (or a single run or analysis), built from result files only: <c>index.html</c>, one
/// self-contained page (figures embedded), and the same figures as PNGs in <c>figures/</c>.
/// </summary>
public static class StudyReport
{
    /// <summary>Writes the report into <paramref name="folder"/>; returns the path of index.html.</summary>
    public static string Write(StudyResults results, StudyStatisticsResult statistics, string folder)
    {
        var figuresDir = Path.Combine(Path.GetFullPath(folder), "figures");
        Directory.CreateDirectory(figuresDir);
        var fig = new StudyFigures(results, statistics, figuresDir);
        var page = new HtmlPage(results.Name).Heading(results.Name, 1)
            .Paragraph($"Built from the result files in {results.Root}. Learning and forgetting are measured with STIR against each run's " +
                       "epoch 0 (its starting point: the pretrained model, or the random initialisation for a run from scratch); intervals are " +
                       "95% intervals over probe images (jackknife) and STIR seeds; for settings with several training seeds, figures show the " +
                       "seed means with 95% intervals across the seeds.");
        FindingsSection.Findings(page, statistics);
        Overview(page, results);

        page.Heading("Learning and forgetting per layer (final epoch)", 2);
        Side(page, (fig.PerLayer(MetricNames.Forgetting, "Forgetting of invariances per layer"), "Forgetting = 1 − STIR(f | p): pretrained invariances the finetuned layer lost."),
                   (fig.PerLayer(MetricNames.Learning, "Learning of invariances per layer"), "Learning = 1 − STIR(p | f): invariances the finetuned layer gained."));
        Differences(page, statistics);
        FindingsSection.Floors(page, statistics);

        page.Heading("CKA divergence per layer (final epoch)", 2);
        Side(page, (fig.PerLayer(MetricNames.CkaDivergence, "CKA divergence per layer"), "1 − linear CKA of p and f on the probe images."));

        page.Heading("Invariance Flow Matrix (final epoch)", 2);
        page.Paragraph("IF(i, j) = STIR(f_j | p_i) − STIR(f_i | p_i). Below the diagonal (j < i): pretrained invariances now found in earlier " +
                       "finetuned layers (compression); above it: in deeper layers (expansion).");
        Side(page, results.Settings.Select(s => (fig.Flow(s), s.Label)).ToArray());
        var flowRows = results.Settings.Where(s => s.Analysis is not null)
            .Select(s => (s, last: s.Analysis!.Final))
            .Where(x => x.last.FlowSummary is not null)
            .Select(x => new[] { x.s.Label, F(x.last.FlowSummary!.Compression), F(x.last.FlowSummary.Expansion),
                F(x.last.FlowSummary.PositiveCompression), F(x.last.FlowSummary.PositiveExpansion) }).ToList();
        if (flowRows.Count > 0)
            page.Table(["setting", "compression (mean below diagonal)", "expansion (mean above)", "positive compression", "positive expansion"], flowRows, "Flow summaries");

        page.Heading("Dynamics over epochs", 2);
        Side(page, (fig.Accuracy(), "Validation and test accuracy per epoch (classification settings)."), (fig.ReconstructionLoss(), "Reconstruction settings: validation L1."));
        foreach (var s in results.Settings)
            Side(page, MetricNames.Compared.Select(m => (fig.Dynamics(s, m), $"{s.Label}: {StudyFigures.Pretty(m)}{MeasuredAt(s, m)}")).ToArray());

        page.Heading("Robustness: corrupted accuracy and the std of forgetting", 2);
        foreach (var s in results.Settings) Side(page, (fig.Robustness(s), $"{s.Label} (the paper's Fig. 4c)"));

        Correlations(page, statistics, fig);
        FindingsSection.Seeds(page, statistics);
        Diagnostics(page, results);
        return page.Save(Path.Combine(Path.GetFullPath(folder), "index.html"));
    }

    /// <summary>A caption note when a metric was measured at only some epochs (learning with analysis.learning_epochs).</summary>
    static string MeasuredAt(SettingResults s, string metric)
    {
        if (s.Analysis is not { } a || a.Settings.LearningEpochs == "all") return "";
        var epochs = a.Checkpoints.Where(c => c.Epoch is not null && c.PerLayer.ContainsKey(metric)).Select(c => c.Epoch!.Value).ToList();
        return epochs.Count == a.Checkpoints.Count ? "" : $" (measured at epochs {string.Join(", ", epochs)} only, learning_epochs = {a.Settings.LearningEpochs}; lines join the measured points)";
    }

    static void Side(HtmlPage page, params (string? png, string caption)[] figures)
    {
        var present = figures.Where(f => f.png is not null).Select(f => (f.png!, f.caption)).ToArray();
        if (present.Length == 1) page.Figure(present[0].Item1, present[0].caption);
        else if (present.Length > 1) page.FiguresSideBySide(present);
    }

    static void Overview(HtmlPage page, StudyResults results)
    {
        page.Heading("Settings", 2);
        page.Table(["setting", "task", "strategy", "epochs", "final validation", "test (ID)", "test (OOD)", "mean corrupted"],
            results.Settings.Select(s =>
            {
                var m = s.Metrics.LastOrDefault();
                var r = s.Robustness.LastOrDefault();
                bool cls = s.Task == "classification";
                return new[]
                {
                    s.Label, s.Task, s.Strategy, m is null ? "-" : m.Epoch.ToString(CultureInfo.InvariantCulture),
                    m is null ? "-" : cls ? P(m.ValAcc) : $"L1 {F(m.ValLoss)}",
                    r is null || !cls ? "-" : P(r.Clean.Accuracy), r?.Ood is null || !cls ? "-" : P(r.Ood.Accuracy),
                    r is null || !cls || r.Cells.Count == 0 ? "-" : P(r.MeanCorruptedAccuracy),
                };
            }), "Accuracies at the final epoch");
    }

    static void Differences(HtmlPage page, StudyStatisticsResult statistics)
    {
        if (statistics.Differences.Count == 0) return;
        var rows = statistics.Differences.ToList();
        page.Table(["metric", "setting A", "setting B", "layer", "A − B", "95% interval", "over"],
            rows.Select(d => new[] { StudyFigures.Pretty(d.Metric), d.A, d.B, d.Layer, F(d.Difference), $"[{F(d.Lower)}, {F(d.Upper)}]",
                d.Basis == "training_seeds" ? $"training seeds ({d.Seeds[0]}, {d.Seeds[1]}), Welch p {G(d.P)}" : "probe images (paired jackknife)" }),
            "Per-layer differences between settings at the final epoch, with 95% intervals (highlighted: the interval excludes 0)",
            (row, _) => rows[row].ExcludesZero ? "sig" : null);
    }

    static void Correlations(HtmlPage page, StudyStatisticsResult statistics, StudyFigures fig)
    {
        page.Heading("Correlation with robustness over epochs", 2);
        page.Paragraph("Each hypothesis aggregates a per-layer metric (learning, forgetting, their sum or difference, or CKA divergence) over a " +
                       "layer range (one layer, the first k, the last k, or all) with mean, std, min or max, and correlates it over the epochs " +
                       "with the target accuracy (Pearson, two-sided p). The family is corrected with Bonferroni and Holm. The paper's headline " +
                       "hypothesis, the std of forgetting across all layers (forgetting/std/all), is shown on its own.");
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
                var rows = (f.Headline is null ? [] : new[] { f.Headline }).Concat(f.Best(10).Where(h => h.Id != f.Headline?.Id)).ToList();
                page.Table(["hypothesis", "r", "p", "p (Bonferroni)", "p (Holm)", "n", "survives", "partial r | epoch", "p_diff (Holm)", "beats baselines", "aliases"],
                    rows.Select((h, i) => new[] { (i == 0 && f.Headline is not null ? "headline: " : "") + h.Id, F(h.R), G(h.PValue), G(h.PBonferroni), G(h.PHolm),
                        h.N.ToString(CultureInfo.InvariantCulture), h.SignificantBonferroni ? "Bonferroni" : h.SignificantHolm ? "Holm" : "no",
                        F(h.PartialREpoch), G(h.PDiffHolm), h.BeatsBaselines ? "yes" : "no", string.Join(", ", h.Aliases) }),
                    $"{s.Label}: headline and the 10 best hypotheses for {f.Target}", (row, _) => rows[row].SignificantBonferroni ? "sig" : null);
                if (f.Baselines.Count > 0)
                    page.Table(["baseline", "r", "p", "p_diff (permutation)"],
                        f.Baselines.Select(b => new[] { b.Name, F(b.R), G(b.PValue), G(b.PDiffPerm) }),
                        $"{s.Label}: trivial predictors of {f.Target}; a hypothesis that does not beat them says nothing beyond \"training went on\"");
            }
            if (s.HeadlineBySeverity.Count > 0)
                page.Table(["severity", "r (std of forgetting vs accuracy)", "p", "n"],
                    s.HeadlineBySeverity.Select(kv => new[] { kv.Key, F(kv.Value.R), G(kv.Value.PValue), kv.Value.N.ToString(CultureInfo.InvariantCulture) }),
                    "The headline hypothesis per corruption severity");
            Side(page, (fig.EarlyEpochs(s), "Correlation using only epochs up to e (the paper's Fig. 14), for the headline and the best hypotheses."));
            if (s.EarlyEpochs.Count > 0)
                page.Table(["epochs ≤", "n", "headline r", "headline p", "significant (Bonferroni)", "tested"],
                    s.EarlyEpochs.Select(p => new[] { p.UpToEpoch.ToString(CultureInfo.InvariantCulture), p.N.ToString(CultureInfo.InvariantCulture),
                        F(p.HeadlineR), G(p.HeadlineP), p.SignificantBonferroni.ToString(CultureInfo.InvariantCulture), p.Tested.ToString(CultureInfo.InvariantCulture) }),
                    "Early-epoch analysis");
        }
        page.Heading("Learning–forgetting correlation", 2);
        Side(page, (fig.LearningVsForgetting(), "Every (epoch ≥ 1, layer) point; Appendix C.1 of the paper."));
        var lf = statistics.Settings.Where(s => s.LearningForgetting is not null).Select(s => s.LearningForgetting!).ToList();
        if (lf.Count > 0)
            page.Table(["setting", "pooled r", "p", "n", "mean r across layers per epoch"],
                lf.Select(r => new[] { statistics.Settings.First(s => s.Setting == r.Setting).Label, F(r.PooledR), G(r.PooledP),
                    r.PooledN.ToString(CultureInfo.InvariantCulture), F(r.MeanEpochR) }), "Pearson correlation of learning and forgetting");
    }

    static void Diagnostics(HtmlPage page, StudyResults results)
    {
        var rows = results.Settings.Where(s => s.Analysis is not null).SelectMany(s => s.Analysis!.Inversions.GroupBy(d => d.Layer)
            .Select(g => new[] { s.Label, g.Key, F(g.Average(d => d.Median)), F(g.Max(d => d.Max)), g.Count().ToString(CultureInfo.InvariantCulture) })).ToList();
        if (rows.Count == 0) return;
        page.Heading("Inversion diagnostics", 2);
        page.Table(["setting", "layer", "mean of median relative error", "worst relative error", "inversions"], rows,
            "How closely the STIR inversions matched their targets (relative L2 error of the representation)");
    }

    static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);
    static string G(double v) => double.IsNaN(v) ? "n/a" : v.ToString("G3", CultureInfo.InvariantCulture);
    static string P(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
