using ScottPlot;

namespace Invariscope.Report;

/// <summary>One estimate of a forest plot: a difference with its 95% interval, for one group (a pair of settings) and row (a layer).</summary>
public sealed record ForestEstimate(string Group, string Row, double Value, double Lower, double Upper)
{
    /// <summary>Whether the interval excludes 0.</summary>
    public bool ExcludesZero => Lower > 0 || Upper < 0;
}

/// <summary>One panel of a forest plot (e.g. one metric).</summary>
public sealed record ForestPanel(string Title, IReadOnlyList<ForestEstimate> Estimates);

public static partial class Figures
{
    /// <summary>
    /// A forest plot: per panel, one row per layer (top = first), one estimate per group dodged within the row, its
    /// 95% interval as a horizontal bar, a filled marker where the interval excludes 0 and an open one where it
    /// does not, and a line at 0. Panels side by side share the rows; each keeps its own x axis (the metrics differ).
    /// </summary>
    public static string Forest(string path, string title, string xLabel, IReadOnlyList<ForestPanel> panels, ReportSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(panels);
        var groups = panels.SelectMany(p => p.Estimates.Select(e => e.Group)).Distinct().ToList();
        var rows = panels.SelectMany(p => p.Estimates.Select(e => e.Row)).Distinct().ToList();
        Color ColorOf(string g) => PlotStyle.SeriesColor(groups.IndexOf(g), groups.Count);
        int columns = Math.Max(1, panels.Count);
        int width = PageWidth / columns;
        var plots = panels.Select(p => ForestPlot(p, width)).ToList();
        PlotStyle.YLabelOnFirstColumn(plots, columns);
        var legend = groups.Select(g => new LegendEntry(g, ColorOf(g), LegendMark.Marker)).ToList();
        legend.Add(new LegendEntry("open: the 95% interval includes 0", Color.FromHex("#444444"), LegendMark.OpenMarker));
        int height = Math.Max(300, 130 + rows.Count * Math.Max(1, groups.Count) * 16);
        return new PanelGrid(title, plots, PageWidth, height, columns) { Legend = legend }.Save(path, settings);

        Plot ForestPlot(ForestPanel panel, int w)
        {
            Plot plot = PlotStyle.NewPlot(panel.Title, xLabel, "layer");
            var zero = plot.Add.VerticalLine(0);
            zero.LineColor = Color.FromHex("#777777");
            zero.LineWidth = 1.2f;
            double band = 0.7; // of a row's height, shared by the groups
            foreach (ForestEstimate e in panel.Estimates)
            {
                int row = rows.IndexOf(e.Row), g = groups.IndexOf(e.Group);
                double y = rows.Count - 1 - row + (groups.Count == 1 ? 0 : band * (0.5 - (g + 0.5) / groups.Count));
                Color color = ColorOf(e.Group);
                if (double.IsFinite(e.Lower) && double.IsFinite(e.Upper))
                {
                    var bar = plot.Add.Line(e.Lower, y, e.Upper, y);
                    bar.LineColor = color;
                    bar.LineWidth = 2;
                    bar.MarkerSize = 0;
                }
                if (!double.IsFinite(e.Value)) continue;
                var marker = plot.Add.Marker(e.Value, y, e.ExcludesZero ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, PlotStyle.MarkerSize + 1, color);
                marker.MarkerLineWidth = 2;
            }
            PlotStyle.CategoryTicksLeft(plot, rows, i => rows.Count - 1 - i);
            plot.Axes.AutoScale();
            AxisLimits limits = plot.Axes.GetLimits();
            double span = Math.Max(limits.Right - limits.Left, 1e-6);
            plot.Axes.SetLimitsX(Math.Min(limits.Left, 0) - 0.05 * span, Math.Max(limits.Right, 0) + 0.05 * span);
            plot.Axes.SetLimitsY(-0.6, rows.Count - 0.4);
            plot.Grid.YAxisStyle.MajorLineStyle.Width = 0;
            if (panel.Estimates.Count == 0) PlotStyle.NoDataNote(plot);
            return plot;
        }
    }
}
