using Invariscope.Analysis;
using Invariscope.Study;
using static Invariscope.Report.Numbers;

namespace Invariscope.Report;

/// <summary>
/// The HTML report of a study (or a single run or analysis), built from result files only: <c>index.html</c>, one
/// self-contained page (figures embedded as PNG), and every figure as PNG and SVG in <c>figures/</c>. The page
/// opens with the findings and the key numbers with their baselines, then a table of contents, then the evidence.
/// </summary>
public static class StudyReport
{
    const string InversionHeading = "Inversion quality";

    /// <summary>Writes the report into <paramref name="folder"/>; returns the path of index.html.</summary>
    public static string Write(StudyResults results, StudyStatisticsResult statistics, string folder, ReportSettings? settings = null)
    {
        settings = (settings ?? ReportSettings.Default).Validate();
        string root = Path.GetFullPath(folder);
        var figuresDir = Path.Combine(root, "figures");
        Directory.CreateDirectory(figuresDir);
        var fig = new StudyFigures(results, statistics, figuresDir, settings);
        var page = new HtmlPage(results.Name, root)
            .Paragraph($"Built from the result files in {results.Root}; every number and figure below can be rebuilt from them with " +
                       "`invariscope report`. Each figure links to its SVG.");
        FindingsSection.Findings(page, statistics);
        KeyNumbersSection.Write(page, results, statistics);
        InversionQuality.Flag(page, results, InversionHeading);
        page.Contents();
        page.Paragraph("Learning and forgetting are measured with STIR against each run's epoch 0 (its starting point: the pretrained " +
                       "model, or the random initialisation for a run from scratch); intervals are 95% intervals over probe images " +
                       "(jackknife) and STIR seeds; for settings with several training seeds, figures show the seed means with 95% " +
                       "intervals across the seeds.");
        Overview(page, results);

        page.Heading("Learning and forgetting per layer", 2);
        InversionQuality.Flag(page, results, InversionHeading);
        Figure(page, fig.LearningAndForgetting(), "Learning = 1 − STIR(p | f): invariances the finetuned layer gained; forgetting = 1 − STIR(f | p): " +
               "pretrained invariances it lost. Dashed: each setting's noise floor, 1 − STIR(p | p) at epoch 0, where the model is p itself.");
        if (statistics.Settings.Any(s => s.Floor is { Count: > 0 }))
            page.Folded("The noise floor per layer, and learning and forgetting above it", p => FindingsSection.Floors(p, statistics));

        Differences(page, statistics, fig);

        page.Heading("CKA divergence per layer", 2);
        Figure(page, fig.PerLayer(MetricNames.CkaDivergence, "CKA divergence per layer (final epoch)"), "1 − linear CKA of p and f on the probe images.");

        Flow(page, results, fig);

        page.Heading("Dynamics over epochs", 2);
        Figure(page, fig.Accuracy(), "Accuracy per epoch of the classification settings; panels share the y axis.");
        Figure(page, fig.ReconstructionLoss(), "Reconstruction settings: validation L1.");
        foreach (var metric in MetricNames.Compared)
            Figure(page, fig.Dynamics(metric), $"{StudyFigures.Capital(StudyFigures.Pretty(metric))} per layer over epochs, one panel per setting on one y axis; " +
                   $"colour goes from the shallowest layer (dark) to the deepest (light).{MeasuredAt(results, metric)}");

        page.Heading("Robustness: corrupted accuracy and the std of forgetting", 2);
        Figure(page, fig.Robustness(), "The paper's Fig. 4c, one row per setting; each column keeps one y axis for all rows.");

        CorrelationsSection.Write(page, statistics, fig);
        InversionQuality.Section(page, results, InversionHeading);
        Files(page, results);
        fig.RemoveOthers();
        return page.Save(Path.Combine(root, "index.html"));
    }

    static void Figure(HtmlPage page, string? png, string caption)
    {
        if (png is not null) page.Figure(png, caption);
    }

    /// <summary>A caption note when a metric was measured at only some epochs (learning with analysis.learning_epochs).</summary>
    static string MeasuredAt(StudyResults results, string metric)
    {
        var notes = results.Settings.Where(s => s.Analysis is { } a && a.Settings.LearningEpochs != "all").Select(s =>
        {
            var a = s.Analysis!;
            var epochs = a.Checkpoints.Where(c => c.Epoch is not null && c.PerLayer.ContainsKey(metric)).Select(c => c.Epoch!.Value).ToList();
            return epochs.Count == a.Checkpoints.Count ? null : $"{s.Label}: measured at epochs {string.Join(", ", epochs)} only (learning_epochs = {a.Settings.LearningEpochs})";
        }).OfType<string>().ToList();
        return notes.Count == 0 ? "" : " " + string.Join("; ", notes) + "; lines join the measured points.";
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
                    s.Label, s.Task, s.Strategy + (s.Replicates is { Count: > 1 } seeds ? $", {seeds.Count} training seeds" : ""),
                    m is null ? "-" : I(m.Epoch), m is null ? "-" : cls ? P(m.ValAcc) : $"L1 {F(m.ValLoss)}",
                    r is null || !cls ? "-" : P(r.Clean.Accuracy), r?.Ood is null || !cls ? "-" : P(r.Ood.Accuracy),
                    r is null || !cls || r.Cells.Count == 0 ? "-" : P(r.MeanCorruptedAccuracy),
                };
            }), "Accuracies at the final epoch (seed means for settings with training seeds)");
    }

    static void Differences(HtmlPage page, StudyStatisticsResult statistics, StudyFigures fig)
    {
        if (statistics.Differences.Count == 0) return;
        page.Heading("Differences between settings", 2);
        Figure(page, fig.Differences(), "Per-layer differences A − B at the final epoch with 95% intervals (filled: the interval excludes 0). " +
               "Over training seeds the interval is Welch's; for single runs it is the paired jackknife over probe images.");
        var rows = statistics.Differences.ToList();
        page.Folded($"The {rows.Count} differences as a table", p => p.Table(["metric", "setting A", "setting B", "layer", "A − B", "95% interval", "over"],
            rows.Select(d => new[] { StudyFigures.Pretty(d.Metric), d.A, d.B, d.Layer, F(d.Difference), $"[{F(d.Lower)}, {F(d.Upper)}]",
                d.Basis == "training_seeds" ? $"training seeds ({d.Seeds[0]}, {d.Seeds[1]}), Welch p {G(d.P)}" : "probe images (paired jackknife)" }),
            "Highlighted: the interval excludes 0", (row, _) => rows[row].ExcludesZero ? "sig" : null));
    }

    static void Flow(HtmlPage page, StudyResults results, StudyFigures fig)
    {
        page.Heading("Invariance Flow Matrix", 2);
        page.Paragraph("IF(i, j) = STIR(f_j | p_i) − STIR(f_i | p_i). Below the diagonal (j < i): pretrained invariances now found in earlier " +
                       "finetuned layers (compression); above it: in deeper layers (expansion). All matrices share one colour scale.");
        Figure(page, fig.Flow(), "The final epoch's flow matrix of each setting, on one colour scale.");
        var flowRows = results.Settings.Where(s => s.Analysis?.Final.FlowSummary is not null).Select(s => (s.Label, f: s.Analysis!.Final.FlowSummary!))
            .Select(x => new[] { x.Label, F(x.f.Compression), F(x.f.Expansion), F(x.f.PositiveCompression), F(x.f.PositiveExpansion) }).ToList();
        if (flowRows.Count > 0)
            page.Table(["setting", "compression (mean below diagonal)", "expansion (mean above)", "positive compression", "positive expansion"], flowRows, "Flow summaries");
    }

    /// <summary>The result files behind the page, for a reader who wants the numbers.</summary>
    static void Files(HtmlPage page, StudyResults results)
    {
        page.Heading("Result files", 2);
        bool study = File.Exists(new Layout.StudyLayout(results.Root).ConfigPath);
        page.List([
            .. study ? new[]
            {
                "statistics.json: findings, every correlation family, differences, noise floors",
                "hypotheses.csv: the hypothesis grid of every run and target, one row per distinct hypothesis, its duplicates in 'aliases'; hypotheses_pooled.csv: pooled over training seeds",
                "per_layer.csv: every run's per-layer metrics stacked (columns setting and seed tell the runs apart)",
            } : [],
            $"{(study ? "NAME[/seed_S]/" : "")}analysis/: results.json (with the inversion 'warnings'), per_layer.csv, flow.csv, aggregates.csv, inversions.csv",
            $"{(study ? "NAME[/seed_S]/" : "")}metrics.csv and robustness/robustness.csv: training and robustness per epoch",
            $"figures/ beside this page: every figure as PNG and SVG (the results: {results.Root})",
        ]);
    }
}
