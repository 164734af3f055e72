using Invariscope.Analysis;
using Invariscope.Analysis.Robustness;
using Invariscope.Study;

namespace Invariscope.Report;

/// <summary>The report's figures, drawn from loaded result files into <c>figures/</c>; each returns its PNG path (null when the data is absent).</summary>
public sealed class StudyFigures(StudyResults results, StudyStatisticsResult statistics, string folder)
{
    string Png(string name) => Path.Combine(folder, FileName(name));

    /// <summary>A file-name-safe figure name.</summary>
    public static string FileName(string name) => new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray()) + ".png";


    /// <summary>A metric per layer at each setting's final epoch, one line per setting, with 95% intervals (Fig. 1/2).</summary>
    public string? PerLayer(string metric, string title)
    {
        var curves = results.Settings.Where(s => s.Analysis is not null && s.Analysis.Final.PerLayer.ContainsKey(metric))
            .Select(s =>
            {
                var series = s.Analysis!.Final.PerLayer[metric];
                return new LayerCurve(s.Label, s.Analysis!.Layers, series.Mean, series.Lower, series.Upper);
            }).ToList();
        return curves.Count == 0 ? null : Figures.PerLayer(Png(metric), title, Pretty(metric), curves);
    }

    /// <summary>The Invariance Flow Matrix of a setting's final epoch.</summary>
    public string? Flow(SettingResults s)
    {
        if (s.Analysis is null || s.Analysis.Final.FlowMean is not { } flow) return null;
        return Figures.FlowHeatmap(Png($"flow_{s.Name}"), new FlowMatrix($"{s.Label}, epoch {s.Analysis.Final.Epoch}", s.Analysis.Layers, flow));
    }

    /// <summary>A metric per layer over epochs (one line per layer).</summary>
    public string? Dynamics(SettingResults s, string metric)
    {
        if (s.Analysis is null) return null;
        var rows = s.Analysis.Checkpoints.Where(c => c.Epoch is not null && c.PerLayer.ContainsKey(metric)).OrderBy(c => c.Epoch).ToList();
        if (rows.Count == 0) return null;
        var epochs = rows.Select(r => r.Epoch!.Value).ToArray();
        var series = s.Analysis.Layers.Select((layer, l) => new EpochSeries(layer, epochs, rows.Select(r => r.PerLayer[metric].Mean[l]).ToArray(),
            rows.All(r => r.PerLayer[metric].Lower is not null) ? rows.Select(r => r.PerLayer[metric].Lower![l]).ToArray() : null,
            rows.All(r => r.PerLayer[metric].Upper is not null) ? rows.Select(r => r.PerLayer[metric].Upper![l]).ToArray() : null)).ToList();
        return Figures.OverEpochs(Png($"dynamics_{metric}_{s.Name}"), $"{Pretty(metric)} per layer over epochs: {s.Label}", Pretty(metric), series);
    }

    /// <summary>Validation accuracy of every classification setting over epochs, plus test clean and OOD accuracy where measured.</summary>
    public string? Accuracy()
    {
        var series = new List<EpochSeries>();
        foreach (var s in results.Settings.Where(s => s.Task == "classification"))
        {
            if (s.Metrics.Count > 0)
                series.Add(new EpochSeries($"{s.Label}: validation", s.Metrics.Select(m => m.Epoch).ToArray(), s.Metrics.Select(m => m.ValAcc).ToArray()));
            if (s.Robustness.Count > 0)
            {
                var epochs = s.Robustness.Select(r => r.Epoch).ToArray();
                series.Add(new EpochSeries($"{s.Label}: test (ID)", epochs, s.Robustness.Select(r => r.Clean.Accuracy).ToArray()));
                if (s.Robustness.All(r => r.Ood is not null))
                    series.Add(new EpochSeries($"{s.Label}: test (OOD)", epochs, s.Robustness.Select(r => r.Ood!.Accuracy).ToArray()));
            }
        }
        return series.Count == 0 ? null : Figures.OverEpochs(Png("accuracy"), "Accuracy over epochs", "accuracy", series);
    }

    /// <summary>Reconstruction settings' validation L1 over epochs.</summary>
    public string? ReconstructionLoss()
    {
        var series = results.Settings.Where(s => s.Task == "reconstruction" && s.Metrics.Count > 0)
            .Select(s => new EpochSeries(s.Label, s.Metrics.Select(m => m.Epoch).ToArray(), s.Metrics.Select(m => m.ValLoss).ToArray())).ToList();
        return series.Count == 0 ? null : Figures.OverEpochs(Png("reconstruction_loss"), "Reconstruction: validation L1 over epochs", "L1 loss", series);
    }

    /// <summary>Corrupted accuracy per severity over epochs beside the std of forgetting across layers (Fig. 4c).</summary>
    public string? Robustness(SettingResults s)
    {
        if (s.Robustness.Count == 0 || s.Robustness.All(r => r.Cells.Count == 0) || s.Analysis is null) return null;
        var epochs = s.Robustness.Select(r => r.Epoch).ToArray();
        var severities = s.Robustness[0].AccuracyBySeverity.Keys.Order().ToList();
        var bySeverity = severities.Select(sev => new EpochSeries($"severity {sev}", epochs,
            s.Robustness.Select(r => r.AccuracyBySeverity.TryGetValue(sev, out var v) ? v : double.NaN).ToArray())).ToList();
        var rows = s.Analysis.Checkpoints.Where(c => c.Epoch is not null && c.PerLayer.ContainsKey(MetricNames.Forgetting)).OrderBy(c => c.Epoch).ToList();
        var std = new EpochSeries("std of forgetting across layers", rows.Select(r => r.Epoch!.Value).ToArray(),
            rows.Select(r => InvarianceMetrics.Aggregate(r.PerLayer[MetricNames.Forgetting].Mean, 0, s.Analysis.Layers.Count - 1, "all").Std).ToArray());
        return Figures.RobustnessBeside(Png($"robustness_{s.Name}"), $"{s.Label}: corrupted accuracy and std of forgetting", bySeverity, std);
    }

    /// <summary>Early-epoch analysis: correlation of tracked hypotheses using epochs up to e (Fig. 14).</summary>
    public string? EarlyEpochs(SettingStatistics s)
    {
        if (s.EarlyEpochs.Count == 0) return null;
        var epochs = s.EarlyEpochs.Select(p => p.UpToEpoch).ToArray();
        var ids = s.EarlyEpochs[^1].R.Keys.ToList();
        var series = ids.Select(id => new EpochSeries(id, epochs, s.EarlyEpochs.Select(p => p.R.TryGetValue(id, out var r) ? r : double.NaN).ToArray())).ToList();
        return Figures.OverEpochs(Png($"early_epochs_{s.Setting}"), $"{s.Label}: correlation with corrupted accuracy using epochs ≤ e",
            "Pearson r", series);
    }

    /// <summary>Learning vs forgetting, every (epoch ≥ 1, layer) point, one colour per setting (Appendix C.1).</summary>
    public string? LearningVsForgetting()
    {
        var groups = statistics.Settings.Where(s => s.Table?.Learning is not null && s.Table.Forgetting is not null)
            .Select(s => (s.Label, s.Table!.Forgetting!.SelectMany(r => r).ToArray(), s.Table.Learning!.SelectMany(r => r).ToArray())).ToList();
        return groups.Count == 0 ? null : Figures.Scatter(Png("learning_vs_forgetting"), "Learning vs. forgetting (every epoch and layer)", "forgetting", "learning", groups);
    }

    /// <summary>Display name of a metric.</summary>
    public static string Pretty(string metric) => metric switch
    {
        MetricNames.CkaDivergence => "CKA divergence",
        _ => metric.Replace('_', ' '),
    };
}
