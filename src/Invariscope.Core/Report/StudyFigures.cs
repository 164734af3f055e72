using Invariscope.Analysis;
using Invariscope.Study;

namespace Invariscope.Report;

/// <summary>
/// The report's figures, drawn from loaded result files into <c>figures/</c> (PNG and SVG); each returns its PNG path
/// (null when the data is absent). Settings compared side by side are small multiples with one y axis.
/// </summary>
public sealed class StudyFigures(StudyResults results, StudyStatisticsResult statistics, string folder, ReportSettings? settings = null)
{
    readonly HashSet<string> written = [];

    /// <summary>The PNG of a figure (its SVG beside it); remembered, so that <see cref="RemoveOthers"/> keeps it.</summary>
    string Png(string name)
    {
        string png = Path.Combine(folder, FileName(name));
        written.Add(png);
        written.Add(FigureFile.SvgPath(png));
        return png;
    }

    /// <summary>Deletes the figures in the folder that this report did not draw (left by an earlier report of other data or an older version).</summary>
    public void RemoveOthers()
    {
        foreach (var f in Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".png", StringComparison.Ordinal) || f.EndsWith(".svg", StringComparison.Ordinal)))
            if (!written.Contains(f)) File.Delete(f);
    }

    /// <summary>A file-name-safe figure name.</summary>
    public static string FileName(string name) => new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray()) + ".png";

    IEnumerable<SettingResults> Analysed(string metric) =>
        results.Settings.Where(s => s.Analysis is not null && s.Analysis.Final.PerLayer.ContainsKey(metric));

    /// <summary>A metric per layer at each setting's final epoch, one line per setting, with 95% intervals and, for learning and forgetting, the noise floor.</summary>
    LayerCurve Curve(SettingResults s, string metric)
    {
        var series = s.Analysis!.Final.PerLayer[metric];
        double[]? floor = metric is MetricNames.Learning or MetricNames.Forgetting
            ? statistics.Settings.FirstOrDefault(x => x.Setting == s.Name)?.Floor?.Select(r => r.Floor).ToArray()
            : null;
        return new LayerCurve(s.Label, s.Analysis.Layers, series.Mean, series.Lower, series.Upper, floor?.Length == series.Mean.Length ? floor : null);
    }

    /// <summary>One metric per layer at the final epoch (e.g. CKA divergence), one line per setting (Fig. 1/2).</summary>
    public string? PerLayer(string metric, string title)
    {
        var curves = Analysed(metric).Select(s => Curve(s, metric)).ToList();
        return curves.Count == 0 ? null : Figures.PerLayer(Png(metric), title, Pretty(metric), curves, settings);
    }

    /// <summary>Learning beside forgetting per layer at the final epoch, one y axis, with each setting's noise floor dashed.</summary>
    public string? LearningAndForgetting()
    {
        var panels = new[] { (MetricNames.Learning, "learning = 1 − STIR(p | f)"), (MetricNames.Forgetting, "forgetting = 1 − STIR(f | p)") }
            .Select(m => new LayerPanel(m.Item2, "1 − STIR", [.. Analysed(m.Item1).Select(s => Curve(s, m.Item1))]))
            .Where(p => p.Curves.Count > 0).ToList();
        return panels.Count == 0 ? null : Figures.PerLayerPanels(Png("learning_forgetting"), "Learning and forgetting per layer (final epoch)", panels, settings);
    }

    /// <summary>The Invariance Flow Matrices of every setting's final epoch, side by side on one colour scale.</summary>
    public string? Flow()
    {
        var matrices = results.Settings.Where(s => s.Analysis?.Final.FlowMean is not null)
            .Select(s => new FlowMatrix(s.Label, s.Analysis!.Layers, s.Analysis.Final.FlowMean!)).ToList();
        return matrices.Count == 0 ? null
            : Figures.FlowPanels(Png("flow"), "Invariance Flow Matrix at the final epoch (rows: pretrained layer i; columns: finetuned layer j)", matrices, settings);
    }

    /// <summary>A metric per layer over epochs: one panel per setting, one line per layer coloured by depth, one y axis.</summary>
    public string? Dynamics(string metric)
    {
        var panels = new List<EpochPanel>();
        foreach (var s in results.Settings.Where(s => s.Analysis is not null))
        {
            var rows = s.Analysis!.Checkpoints.Where(c => c.Epoch is not null && c.PerLayer.ContainsKey(metric)).OrderBy(c => c.Epoch).ToList();
            if (rows.Count == 0) continue;
            var epochs = rows.Select(r => r.Epoch!.Value).ToArray();
            panels.Add(new EpochPanel(s.Label, [.. s.Analysis.Layers.Select((layer, l) => new EpochSeries(layer, epochs,
                rows.Select(r => r.PerLayer[metric].Mean[l]).ToArray(),
                rows.All(r => r.PerLayer[metric].Lower is not null) ? rows.Select(r => r.PerLayer[metric].Lower![l]).ToArray() : null,
                rows.All(r => r.PerLayer[metric].Upper is not null) ? rows.Select(r => r.PerLayer[metric].Upper![l]).ToArray() : null))]));
        }
        return panels.Count == 0 ? null : Figures.EpochPanels(Png($"dynamics_{metric}"), $"{Capital(Pretty(metric))} per layer over epochs", Pretty(metric),
            panels, settings, ordered: true, columns: Math.Min(3, panels.Count));
    }

    /// <summary>Accuracy over epochs of every classification setting: validation, test (ID) and test (OOD) as three panels, one line per setting.</summary>
    public string? Accuracy()
    {
        var cls = results.Settings.Where(s => s.Task == "classification").ToList();
        var validation = cls.Where(s => s.Metrics.Count > 0)
            .Select(s => new EpochSeries(s.Label, s.Metrics.Select(m => m.Epoch).ToArray(), s.Metrics.Select(m => m.ValAcc).ToArray())).ToList();
        var test = cls.Where(s => s.Robustness.Count > 0)
            .Select(s => new EpochSeries(s.Label, s.Robustness.Select(r => r.Epoch).ToArray(), s.Robustness.Select(r => r.Clean.Accuracy).ToArray())).ToList();
        var ood = cls.Where(s => s.Robustness.Count > 0 && s.Robustness.All(r => r.Ood is not null))
            .Select(s => new EpochSeries(s.Label, s.Robustness.Select(r => r.Epoch).ToArray(), s.Robustness.Select(r => r.Ood!.Accuracy).ToArray())).ToList();
        var panels = new[] { new EpochPanel("validation", validation), new EpochPanel("test (ID)", test), new EpochPanel("test (OOD)", ood) }
            .Where(p => p.Series.Count > 0).ToList();
        return panels.Count == 0 ? null : Figures.EpochPanels(Png("accuracy"), "Accuracy over epochs", "accuracy", panels, settings);
    }

    /// <summary>Reconstruction settings' validation L1 over epochs.</summary>
    public string? ReconstructionLoss()
    {
        var series = results.Settings.Where(s => s.Task == "reconstruction" && s.Metrics.Count > 0)
            .Select(s => new EpochSeries(s.Label, s.Metrics.Select(m => m.Epoch).ToArray(), s.Metrics.Select(m => m.ValLoss).ToArray())).ToList();
        return series.Count == 0 ? null : Figures.OverEpochs(Png("reconstruction_loss"), "Reconstruction: validation L1 over epochs", "L1 loss", series, settings);
    }

    /// <summary>Corrupted accuracy per severity over epochs beside the std of forgetting across layers (Fig. 4c), one row per setting.</summary>
    public string? Robustness()
    {
        var rows = new List<RobustnessRow>();
        foreach (var s in results.Settings)
        {
            if (s.Robustness.Count == 0 || s.Robustness.All(r => r.Cells.Count == 0) || s.Analysis is null) continue;
            var epochs = s.Robustness.Select(r => r.Epoch).ToArray();
            var bySeverity = s.Robustness[0].AccuracyBySeverity.Keys.Order().Select(sev => new EpochSeries($"severity {sev}", epochs,
                s.Robustness.Select(r => r.AccuracyBySeverity.TryGetValue(sev, out var v) ? v : double.NaN).ToArray())).ToList();
            var forgetting = s.Analysis.Checkpoints.Where(c => c.Epoch is not null && c.PerLayer.ContainsKey(MetricNames.Forgetting)).OrderBy(c => c.Epoch).ToList();
            var std = new EpochSeries("std of forgetting across layers", forgetting.Select(r => r.Epoch!.Value).ToArray(),
                forgetting.Select(r => InvarianceMetrics.Aggregate(r.PerLayer[MetricNames.Forgetting].Mean, 0, s.Analysis.Layers.Count - 1, "all").Std).ToArray());
            rows.Add(new RobustnessRow(s.Label, bySeverity, std));
        }
        return rows.Count == 0 ? null : Figures.Robustness(Png("robustness"), "Corrupted accuracy and the std of forgetting across layers", rows, settings);
    }

    /// <summary>
    /// Early-epoch analysis (Fig. 14): per setting, r of the tracked hypotheses using epochs up to e; hypotheses whose
    /// r is the same at every cut-off (the same series under two ids) are drawn once, named together.
    /// </summary>
    public string? EarlyEpochs()
    {
        var panels = statistics.Settings.Where(s => s.EarlyEpochs.Count > 0).Select(s =>
        {
            var epochs = s.EarlyEpochs.Select(p => p.UpToEpoch).ToArray();
            var series = s.EarlyEpochs[^1].R.Keys.Select(id => new EpochSeries(id, epochs,
                s.EarlyEpochs.Select(p => p.R.TryGetValue(id, out var r) ? r : double.NaN).ToArray())).ToList();
            return new EpochPanel(s.Label, MergeIdentical(series));
        }).ToList();
        return panels.Count == 0 ? null : Figures.EpochPanels(Png("early_epochs"), "Correlation with corrupted accuracy using epochs ≤ e", "Pearson r",
            panels, settings, columns: Math.Min(2, panels.Count), yRange: (-1.05, 1.05));
    }

    /// <summary>Series with the same values (NaN equal to NaN) merged into one, named "a = b".</summary>
    internal static List<EpochSeries> MergeIdentical(IReadOnlyList<EpochSeries> series)
    {
        var merged = new List<EpochSeries>();
        foreach (var s in series)
        {
            int k = merged.FindIndex(m => m.Epochs.SequenceEqual(s.Epochs) && m.Values.Zip(s.Values).All(p => p.First.Equals(p.Second) || Math.Abs(p.First - p.Second) <= 1e-12));
            if (k < 0) merged.Add(s);
            else merged[k] = merged[k] with { Name = $"{merged[k].Name} = {s.Name}" };
        }
        return merged;
    }

    /// <summary>Learning vs forgetting, every (epoch ≥ 1, layer) point, one colour per setting (Appendix C.1).</summary>
    public string? LearningVsForgetting()
    {
        var groups = statistics.Settings.Where(s => s.Table?.Learning is not null && s.Table.Forgetting is not null)
            .Select(s => (s.Label, s.Table!.Forgetting!.SelectMany(r => r).ToArray(), s.Table.Learning!.SelectMany(r => r).ToArray())).ToList();
        return groups.Count == 0 ? null
            : Figures.Scatter(Png("learning_vs_forgetting"), "Learning vs. forgetting (every epoch and layer)", "forgetting", "learning", groups, settings);
    }

    /// <summary>The per-layer differences between settings at the final epoch as a forest plot: one panel per metric, one row per layer.</summary>
    public string? Differences()
    {
        if (statistics.Differences.Count == 0) return null;
        var panels = statistics.Differences.GroupBy(d => d.Metric).Select(g => new ForestPanel(Pretty(g.Key),
            [.. g.Select(d => new ForestEstimate($"{d.A} − {d.B}", d.Layer, d.Difference, d.Lower, d.Upper))])).ToList();
        return Figures.Forest(Png("differences"), "Differences between settings at the final epoch (A − B, 95% intervals)", "A − B", panels, settings);
    }

    /// <summary>Display name of a metric.</summary>
    public static string Pretty(string metric) => metric switch
    {
        MetricNames.CkaDivergence => "CKA divergence",
        _ => metric.Replace('_', ' '),
    };

    /// <summary>The text with its first letter in upper case.</summary>
    public static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
