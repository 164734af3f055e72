using ScottPlot;

namespace Invariscope.Report;

/// <summary>One panel of a per-layer figure: its title, y-axis name and one curve per setting.</summary>
public sealed record LayerPanel(string Title, string YLabel, IReadOnlyList<LayerCurve> Curves);

/// <summary>One panel of an over-epochs figure: its title and its series.</summary>
public sealed record EpochPanel(string Title, IReadOnlyList<EpochSeries> Series);

/// <summary>
/// The report's line and scatter figures. Each method writes one PNG and the SVG beside it (see
/// <see cref="FigureFile"/>, atomically) and returns the PNG's path. Panels shown side by side share their y axis;
/// the legend is drawn once, below the panels; text uses the embedded DejaVu Sans (<see cref="ReportFonts"/>), so
/// output does not depend on system fonts; NaN values are skipped (lines break at them), a single point or no data
/// at all draws without error, and the same input always gives the same bytes.
/// </summary>
public static partial class Figures
{
    /// <summary>Width of the single-panel figures in layout pixels.</summary>
    public const int Width = PlotStyle.Width;
    /// <summary>Height of the single-panel figures' plot area (title and legend come on top of it).</summary>
    public const int Height = PlotStyle.Height;
    /// <summary>Width of the figures of several panels (the page's text column).</summary>
    public const int PageWidth = PlotStyle.PageWidth;
    /// <summary>Width of the flow heatmap of one setting.</summary>
    public const int HeatmapWidth = FlowHeatmapFigure.Width;
    /// <summary>Height of the flow heatmap of one setting.</summary>
    public const int HeatmapHeight = FlowHeatmapFigure.Height;

    /// <summary>
    /// A per-layer metric (learning, forgetting, CKA divergence, ...): x = layers by name, one line with markers per
    /// setting, a shaded band where <see cref="LayerCurve.Lower"/>/<see cref="LayerCurve.Upper"/> are given, a dashed
    /// line where <see cref="LayerCurve.Floor"/> is. Curves with different layer lists are aligned by layer name.
    /// </summary>
    public static string PerLayer(string path, string title, string yLabel, IReadOnlyList<LayerCurve> curves, ReportSettings? settings = null) =>
        PerLayerPanels(path, title, [new LayerPanel("", yLabel, curves)], settings, Width);

    /// <summary>Per-layer metrics side by side (e.g. learning beside forgetting), sharing the y axis and one legend of the settings.</summary>
    public static string PerLayerPanels(string path, string title, IReadOnlyList<LayerPanel> panels, ReportSettings? settings = null, int width = PageWidth)
    {
        ArgumentNullException.ThrowIfNull(panels);
        int panelWidth = width / Math.Max(1, panels.Count);
        var settingsSeen = panels.SelectMany(p => p.Curves.Select(c => c.Setting)).Distinct().ToList();
        var plots = panels.Select(p => PerLayerPlot(p, panelWidth)).ToList();
        PlotStyle.ShareY(plots);
        PlotStyle.YLabelOnFirstColumn(plots, plots.Count);
        bool NoData(string setting) => panels.SelectMany(p => p.Curves).Where(c => c.Setting == setting).All(c => !c.Mean.Any(double.IsFinite));
        var legend = settingsSeen.Select((s, k) => new LegendEntry(s + (NoData(s) ? " (no data)" : ""), PlotStyle.SeriesColor(k, settingsSeen.Count))).ToList();
        if (panels.Any(p => p.Curves.Any(c => c.Floor is not null)))
            legend.Add(new LegendEntry("noise floor (epoch 0, dashed)", Color.FromHex("#666666"), LegendMark.Dashed));
        int height = panels.Count == 1 ? Height : 460;
        return new PanelGrid(title, plots, width, height) { Legend = legend }.Save(path, settings);

        Plot PerLayerPlot(LayerPanel panel, int w)
        {
            Plot plot = PlotStyle.NewPlot(panel.Title, "layer", panel.YLabel);
            var layers = new List<string>();
            foreach (LayerCurve c in panel.Curves)
                foreach (string l in c.Layers)
                    if (!layers.Contains(l)) layers.Add(l);
            double alpha = PlotStyle.BandAlpha(panel.Curves.Count(c => c.Lower is not null));
            foreach (LayerCurve c in panel.Curves)
            {
                Color color = PlotStyle.SeriesColor(settingsSeen.IndexOf(c.Setting), settingsSeen.Count);
                double[] xs = c.Layers.Select(l => (double)layers.IndexOf(l)).ToArray();
                PlotStyle.AddLine(plot, c.Setting, xs, c.Mean, c.Lower, c.Upper, color, alpha);
                if (c.Floor is not null)
                    PlotStyle.AddLine(plot, "", xs, c.Floor, null, null, color.WithAlpha(0.75), pattern: LinePattern.Dashed, lineWidth: 1.6f, markerSize: 0);
            }
            if (layers.Count == 0 || !plot.GetPlottables().Any()) PlotStyle.NoDataNote(plot);
            if (layers.Count > 0)
            {
                PlotStyle.CategoryTicksBottom(plot, layers, w - 110);
                plot.Axes.AutoScale();
                AxisLimits limits = plot.Axes.GetLimits();
                plot.Axes.SetLimitsX(-0.5, layers.Count - 0.5);
                plot.Axes.SetLimitsY(limits.Bottom, limits.Top);
                PlotStyle.FixDegenerateY(plot, panel.Curves.SelectMany(c => c.Mean.Concat(c.Lower ?? []).Concat(c.Upper ?? []).Concat(c.Floor ?? [])));
            }
            return plot;
        }
    }

    /// <summary>
    /// Series over epochs (accuracy per setting, a metric per layer, correlation r vs epoch): one line with markers
    /// per series, optional shaded band, integer epoch ticks, legend below. <paramref name="ordered"/> colours the
    /// series along a sequential ramp (layers by depth, severities) instead of the categorical palette.
    /// </summary>
    public static string OverEpochs(string path, string title, string yLabel, IReadOnlyList<EpochSeries> series, ReportSettings? settings = null,
        bool ordered = false) =>
        EpochPanels(path, title, yLabel, [new EpochPanel("", series)], settings, ordered, Width);

    /// <summary>
    /// Small multiples over epochs: one panel per entry (e.g. one per setting, lines = layers), all with the same x and
    /// y axes, and one legend of the series names (a name keeps its colour in every panel).
    /// </summary>
    public static string EpochPanels(string path, string title, string yLabel, IReadOnlyList<EpochPanel> panels, ReportSettings? settings = null,
        bool ordered = false, int width = PageWidth, int columns = 0, (double lo, double hi)? yRange = null)
    {
        ArgumentNullException.ThrowIfNull(panels);
        int cols = columns > 0 ? columns : Math.Max(1, panels.Count);
        var names = panels.SelectMany(p => p.Series.Select(s => s.Name)).Distinct().ToList();
        Color ColorOf(string name) => ordered ? PlotStyle.OrderedColor(names.IndexOf(name), names.Count) : PlotStyle.SeriesColor(names.IndexOf(name), names.Count);
        var plots = panels.Select(p => EpochPlot(p.Title, yLabel, p.Series, ColorOf, width / cols)).ToList();
        if (yRange is { } r) foreach (Plot p in plots) p.Axes.SetLimitsY(r.lo, r.hi);
        else PlotStyle.ShareY(plots);
        // and one epoch axis: a panel whose series start later (validation has no epoch 0) is not stretched
        var epochs = panels.SelectMany(p => p.Series.SelectMany(s => s.Epochs)).ToList();
        if (plots.Count > 1 && epochs.Count > 0)
        {
            double pad = Math.Max(0.25, 0.04 * (epochs.Max() - epochs.Min()));
            foreach (Plot p in plots)
            {
                PlotStyle.IntegerTicksBottom(p, epochs);
                p.Axes.SetLimitsX(epochs.Min() - pad, epochs.Max() + pad);
            }
        }
        PlotStyle.YLabelOnFirstColumn(plots, cols);
        var legend = names.Where(n => !string.IsNullOrEmpty(n)).Select(n => new LegendEntry(
            n + (panels.SelectMany(p => p.Series).Where(s => s.Name == n).All(s => PlotStyle.NoFinitePoint(s.Epochs.Select(e => (double)e).ToArray(), s.Values)) ? " (no data)" : ""),
            ColorOf(n))).ToList();
        int height = panels.Count == 1 ? Height : 400;
        return new PanelGrid(title, plots, width, height, cols) { Legend = legend }.Save(path, settings);
    }

    /// <summary>One panel over epochs; <paramref name="color"/> gives each series its colour.</summary>
    internal static Plot EpochPlot(string? title, string yLabel, IReadOnlyList<EpochSeries> series, Func<string, Color> color, int width)
    {
        Plot plot = PlotStyle.NewPlot(title, "epoch", yLabel);
        double alpha = PlotStyle.BandAlpha(series.Count(s => s.Lower is not null));
        foreach (EpochSeries s in series)
            PlotStyle.AddLine(plot, s.Name, s.Epochs.Select(e => (double)e).ToArray(), s.Values, s.Lower, s.Upper, color(s.Name), alpha);
        if (series.All(s => s.Epochs.Length == 0) || !plot.GetPlottables().Any()) PlotStyle.NoDataNote(plot);
        PlotStyle.IntegerTicksBottom(plot, series.SelectMany(s => s.Epochs));
        plot.Axes.AutoScale();
        PlotStyle.FixDegenerateY(plot, series.SelectMany(s => s.Values.Concat(s.Lower ?? []).Concat(s.Upper ?? [])));
        return plot;
    }

    /// <summary>
    /// Scatter plot, one marker colour per group, legend below with the group names (learning vs forgetting, a
    /// metric vs corrupted accuracy). Points where x or y is not finite are skipped.
    /// </summary>
    public static string Scatter(string path, string title, string xLabel, string yLabel,
        IReadOnlyList<(string name, double[] x, double[] y)> groups, ReportSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Plot plot = PlotStyle.NewPlot(null, xLabel, yLabel);
        var legend = new List<LegendEntry>();
        bool anyPoint = false;
        for (int k = 0; k < groups.Count; k++)
        {
            (string name, double[] x, double[] y) = groups[k];
            int n = Math.Min(x.Length, y.Length);
            int[] ok = Enumerable.Range(0, n).Where(i => double.IsFinite(x[i]) && double.IsFinite(y[i])).ToArray();
            Color color = PlotStyle.SeriesColor(k, groups.Count);
            if (!string.IsNullOrEmpty(name)) legend.Add(new LegendEntry(ok.Length == 0 ? name + " (no data)" : name, color, LegendMark.Marker));
            if (ok.Length == 0) continue;
            anyPoint = true;
            var points = plot.Add.ScatterPoints(ok.Select(i => x[i]).ToArray(), ok.Select(i => y[i]).ToArray(), color.WithAlpha(0.8));
            points.MarkerSize = PlotStyle.MarkerSize + 1;
            points.MarkerShape = MarkerShape.FilledCircle;
        }
        if (!anyPoint) PlotStyle.NoDataNote(plot);
        else PlotStyle.FixDegenerateY(plot, groups.SelectMany(g => g.y.Where((_, i) => i < g.x.Length && double.IsFinite(g.x[i]))));
        return new PanelGrid(title, [plot], Width, Height) { Legend = legend }.Save(path, settings);
    }

    /// <summary>
    /// Annotated layer-flow heatmap of one setting: rows = pretrained layer i (top to bottom), columns = finetuned
    /// layer j, each cell labelled with its value (2 decimals), blue–white–red colormap centred at 0 with limits
    /// ±max|v|, a labelled colour bar.
    /// </summary>
    public static string FlowHeatmap(string path, FlowMatrix m, ReportSettings? settings = null)
    {
        FlowHeatmapFigure.Render(path, m, settings: settings);
        return path;
    }

    /// <summary>The flow matrices of several settings side by side with one shared colour scale and one labelled colour bar.</summary>
    public static string FlowPanels(string path, string title, IReadOnlyList<FlowMatrix> matrices, ReportSettings? settings = null) =>
        FlowHeatmapFigure.Panels(path, title, matrices, settings);
}
