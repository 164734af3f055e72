namespace Invariscope.Report;

/// <summary>One row of the robustness figure: a setting's corrupted accuracy per severity and its std of forgetting across layers.</summary>
/// <param name="Label">The setting.</param>
/// <param name="AccuracyBySeverity">One series per severity, mildest first; an empty name becomes "severity k".</param>
/// <param name="StdForgetting">Std of forgetting across layers per epoch.</param>
public sealed record RobustnessRow(string Label, IReadOnlyList<EpochSeries> AccuracyBySeverity, EpochSeries StdForgetting);

public static partial class Figures
{
    /// <summary>
    /// Robustness beside forgetting (Fig. 4c of the paper) for one setting: left, accuracy on corrupted data over
    /// epochs, one line per severity (dark = mildest to light = most severe); right, the std of forgetting across
    /// layers over epochs.
    /// </summary>
    public static string RobustnessBeside(string path, string title, IReadOnlyList<EpochSeries> accuracyBySeverity, EpochSeries stdForgetting,
        ReportSettings? settings = null) =>
        Robustness(path, title, [new RobustnessRow("", accuracyBySeverity, stdForgetting)], settings);

    /// <summary>
    /// Robustness beside forgetting for several settings: one row per setting, the two columns of
    /// <see cref="RobustnessBeside"/>, each column with one y axis for all rows, one legend of the severities.
    /// </summary>
    public static string Robustness(string path, string title, IReadOnlyList<RobustnessRow> rows, ReportSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var named = rows.Select(r => r with
        {
            AccuracyBySeverity = [.. r.AccuracyBySeverity.Select((s, k) => string.IsNullOrEmpty(s.Name) ? s with { Name = $"severity {k + 1}" } : s)],
        }).ToList();
        var severities = named.SelectMany(r => r.AccuracyBySeverity.Select(s => s.Name)).Distinct().ToList();
        ScottPlot.Color Severity(string name) => PlotStyle.OrderedColor(severities.IndexOf(name), severities.Count);
        int panel = PageWidth / 2;
        string Prefix(RobustnessRow r) => string.IsNullOrEmpty(r.Label) ? "" : r.Label + ": ";
        var left = named.Select(r => EpochPlot(Prefix(r) + "accuracy under corruption", "accuracy", r.AccuracyBySeverity, Severity, panel)).ToList();
        var right = named.Select(r => EpochPlot(Prefix(r) + "std of forgetting across layers", "std of forgetting", [r.StdForgetting with { Name = "" }],
            _ => PlotStyle.SeriesColor(6, 10), panel)).ToList();
        PlotStyle.ShareY(left);
        PlotStyle.ShareY(right);
        var plots = left.Zip(right).SelectMany(p => new[] { p.First, p.Second }).ToList();
        var legend = severities.Select(s => new LegendEntry(s, Severity(s))).ToList();
        return new PanelGrid(title, plots, PageWidth, 380, columns: 2) { Legend = legend }.Save(path, settings);
    }
}
