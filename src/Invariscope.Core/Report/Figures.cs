using Invariscope.Runtime;
using ScottPlot;
using SkiaSharp;

namespace Invariscope.Report;

/// <summary>
/// The report's figures. Each method writes one PNG (atomically) to the given path and returns that path.
/// Text uses the embedded DejaVu Sans (<see cref="ReportFonts"/>), so output does not depend on system fonts;
/// NaN values are skipped (lines break at them), a single point or no data at all draws without error, and the
/// same input always gives the same bytes.
/// </summary>
public static class Figures
{
    /// <summary>Width of the single-panel figures in pixels.</summary>
    public const int Width = PlotStyle.Width;
    /// <summary>Height of the single-panel figures in pixels.</summary>
    public const int Height = PlotStyle.Height;
    /// <summary>Width of the flow heatmap in pixels.</summary>
    public const int HeatmapWidth = FlowHeatmapFigure.Width;
    /// <summary>Height of the flow heatmap in pixels.</summary>
    public const int HeatmapHeight = FlowHeatmapFigure.Height;
    /// <summary>Width of the two-panel robustness figure in pixels.</summary>
    public const int BesideWidth = 1500;
    /// <summary>Height of the two-panel robustness figure in pixels.</summary>
    public const int BesideHeight = 560;

    /// <summary>
    /// A per-layer metric (learning, forgetting, CKA divergence, ...): x = layers by name, one line with markers
    /// per setting, a shaded band where <see cref="LayerCurve.Lower"/>/<see cref="LayerCurve.Upper"/> are given.
    /// Curves with different layer lists are aligned by layer name (in first-seen order).
    /// </summary>
    /// <param name="path">PNG file to write.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="yLabel">Name of the y axis (the metric).</param>
    /// <param name="curves">One curve per setting.</param>
    /// <returns><paramref name="path"/>.</returns>
    public static string PerLayer(string path, string title, string yLabel, IReadOnlyList<LayerCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        Plot plot = PlotStyle.NewPlot(title, "layer", yLabel);
        var layers = new List<string>();
        foreach (LayerCurve c in curves)
            foreach (string l in c.Layers)
                if (!layers.Contains(l)) layers.Add(l);

        for (int k = 0; k < curves.Count; k++)
        {
            LayerCurve c = curves[k];
            double[] xs = c.Layers.Select(l => (double)layers.IndexOf(l)).ToArray();
            PlotStyle.AddLine(plot, c.Setting, xs, c.Mean, c.Lower, c.Upper, PlotStyle.SeriesColor(k, curves.Count));
        }
        FinishSeriesPlot(plot, curves.Select(c => c.Setting), layers.Count == 0);
        if (layers.Count > 0)
        {
            PlotStyle.CategoryTicksBottom(plot, layers, AvailableWidth(curves.Select(c => c.Setting)));
            plot.Axes.AutoScale();
            AxisLimits limits = plot.Axes.GetLimits();
            plot.Axes.SetLimitsX(-0.5, layers.Count - 0.5);
            plot.Axes.SetLimitsY(limits.Bottom, limits.Top);
            PlotStyle.FixDegenerateY(plot, curves.SelectMany(c => c.Mean.Concat(c.Lower ?? []).Concat(c.Upper ?? [])));
        }
        return PlotStyle.Save(plot, path, Width, Height);
    }

    /// <summary>
    /// Annotated layer-flow heatmap: rows = pretrained layer i (top to bottom), columns = finetuned layer j, each
    /// cell labelled with its value (2 decimals), blue–white–red colormap centred at 0 with limits ±max|v|, colorbar.
    /// </summary>
    /// <param name="path">PNG file to write.</param>
    /// <param name="m">The matrix; must be square with one row and column per layer name.</param>
    /// <returns><paramref name="path"/>.</returns>
    public static string FlowHeatmap(string path, FlowMatrix m)
    {
        FlowHeatmapFigure.Render(path, m);
        return path;
    }

    /// <summary>
    /// Series over epochs (a metric per layer, test accuracy per setting, ID vs OOD, correlation r vs epoch):
    /// one line with markers per series, optional shaded band, integer epoch ticks, legend.
    /// </summary>
    /// <param name="path">PNG file to write.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="yLabel">Name of the y axis.</param>
    /// <param name="series">The series; more than ten are coloured along an ordered (viridis) ramp.</param>
    /// <returns><paramref name="path"/>.</returns>
    public static string OverEpochs(string path, string title, string yLabel, IReadOnlyList<EpochSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        Plot plot = EpochPlot(title, yLabel, series, ordered: false);
        return PlotStyle.Save(plot, path, Width, Height);
    }

    /// <summary>
    /// Robustness beside forgetting (Fig. 4c of the paper): two panels in one PNG. Left: accuracy on corrupted
    /// data over epochs, one line per severity (plasma ramp, dark = mildest to light = most severe); right: standard deviation of forgetting
    /// across layers over epochs.
    /// </summary>
    /// <param name="path">PNG file to write.</param>
    /// <param name="title">Overall title above both panels.</param>
    /// <param name="accuracyBySeverity">One series per severity, in increasing severity; an empty name becomes "severity k".</param>
    /// <param name="stdForgetting">Std of forgetting across layers per epoch.</param>
    /// <returns><paramref name="path"/>.</returns>
    public static string RobustnessBeside(string path, string title, IReadOnlyList<EpochSeries> accuracyBySeverity, EpochSeries stdForgetting)
    {
        ArgumentNullException.ThrowIfNull(accuracyBySeverity);
        ArgumentNullException.ThrowIfNull(stdForgetting);
        EpochSeries[] named = accuracyBySeverity
            .Select((s, k) => string.IsNullOrEmpty(s.Name) ? s with { Name = $"severity {k + 1}" } : s).ToArray();
        Plot left = EpochPlot("accuracy under corruption", "accuracy", named, ordered: true);
        Plot right = EpochPlot("std of forgetting across layers", "std of forgetting", [stdForgetting], ordered: false, legend: false);
        left.Axes.Title.Label.FontSize = right.Axes.Title.Label.FontSize = PlotStyle.AxisLabelSize;

        float titleSize = PlotStyle.TitleFontSize(title ?? "", BesideWidth);
        int band = string.IsNullOrEmpty(title) ? 0 : (int)(titleSize * 2.2f);
        var info = new SKImageInfo(BesideWidth, BesideHeight, SKColorType.Rgba8888, SKAlphaType.Premul);
        using SKSurface surface = SKSurface.Create(info);
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        if (band > 0)
        {
            using SKTypeface typeface = ReportFonts.CreateTypeface(bold: true);
            using var font = new SKFont(typeface, titleSize) { Subpixel = true, Edging = SKFontEdging.Antialias };
            using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawText(title, BesideWidth / 2f, band * 0.68f, SKTextAlign.Center, font, paint);
        }
        int panelWidth = BesideWidth / 2, panelHeight = BesideHeight - band;
        DrawPlot(canvas, left, 0, band, panelWidth, panelHeight);
        DrawPlot(canvas, right, panelWidth, band, BesideWidth - panelWidth, panelHeight);
        canvas.Flush();
        using SKImage image = surface.Snapshot();
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        return AtomicFile.Write(path, png.ToArray());
    }

    /// <summary>
    /// Scatter plot, one marker colour per group, legend with the group names (learning vs forgetting, a metric
    /// vs corrupted accuracy). Points where x or y is not finite are skipped.
    /// </summary>
    /// <param name="path">PNG file to write.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="xLabel">Name of the x axis.</param>
    /// <param name="yLabel">Name of the y axis.</param>
    /// <param name="groups">Named point groups; x and y are paired by index.</param>
    /// <returns><paramref name="path"/>.</returns>
    public static string Scatter(string path, string title, string xLabel, string yLabel,
        IReadOnlyList<(string name, double[] x, double[] y)> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Plot plot = PlotStyle.NewPlot(title, xLabel, yLabel);
        bool anyPoint = false;
        for (int k = 0; k < groups.Count; k++)
        {
            (string name, double[] x, double[] y) = groups[k];
            int n = Math.Min(x.Length, y.Length);
            int[] ok = Enumerable.Range(0, n).Where(i => double.IsFinite(x[i]) && double.IsFinite(y[i])).ToArray();
            Color color = PlotStyle.SeriesColor(k, groups.Count);
            if (ok.Length == 0)
            {
                if (!string.IsNullOrEmpty(name))
                    plot.Legend.ManualItems.Add(new LegendItem { LabelText = name + " (no data)", MarkerColor = color,
                        MarkerShape = MarkerShape.FilledCircle, MarkerSize = PlotStyle.MarkerSize, LineWidth = 0 });
                continue;
            }
            anyPoint = true;
            var points = plot.Add.ScatterPoints(ok.Select(i => x[i]).ToArray(), ok.Select(i => y[i]).ToArray(), color);
            points.MarkerSize = PlotStyle.MarkerSize + 1;
            points.MarkerShape = MarkerShape.FilledCircle;
            points.LegendText = name;
        }
        if (!anyPoint) PlotStyle.NoDataNote(plot);
        else PlotStyle.FixDegenerateY(plot, groups.SelectMany(g => g.y.Where((_, i) => i < g.x.Length && double.IsFinite(g.x[i]))));
        // Automatic legend items (groups with points) come first, then the manual "(no data)" ones.
        if (groups.Any(g => !string.IsNullOrEmpty(g.name))) PlotStyle.LegendRight(plot);
        return PlotStyle.Save(plot, path, Width, Height);
    }

    private static void DrawPlot(SKCanvas canvas, Plot plot, int x, int y, int width, int height)
    {
        byte[] png = plot.GetImage(width, height).GetImageBytes(ImageFormat.Png);
        using SKBitmap bitmap = SKBitmap.Decode(png);
        canvas.DrawBitmap(bitmap, x, y);
    }

    private static Plot EpochPlot(string title, string yLabel, IReadOnlyList<EpochSeries> series, bool ordered, bool legend = true)
    {
        Plot plot = PlotStyle.NewPlot(title, "epoch", yLabel);
        for (int k = 0; k < series.Count; k++)
        {
            EpochSeries s = series[k];
            double[] xs = s.Epochs.Select(e => (double)e).ToArray();
            Color color = ordered ? PlotStyle.OrderedColor(k, series.Count) : PlotStyle.SeriesColor(k, series.Count);
            PlotStyle.AddLine(plot, legend ? s.Name : "", xs, s.Values, s.Lower, s.Upper, color);
        }
        FinishSeriesPlot(plot, legend ? series.Select(s => s.Name) : [], series.All(s => s.Epochs.Length == 0));
        PlotStyle.IntegerTicksBottom(plot, series.SelectMany(s => s.Epochs));
        PlotStyle.FixDegenerateY(plot, series.SelectMany(s => s.Values.Concat(s.Lower ?? []).Concat(s.Upper ?? [])));
        return plot;
    }

    private static void FinishSeriesPlot(Plot plot, IEnumerable<string> names, bool empty)
    {
        bool anyData = plot.GetPlottables().Any();
        if (empty || !anyData) PlotStyle.NoDataNote(plot);
        if (names.Any(n => !string.IsNullOrEmpty(n))) PlotStyle.LegendRight(plot);
    }

    private static float AvailableWidth(IEnumerable<string> legendNames)
    {
        float legend = legendNames.Select(n => PlotStyle.MeasureWidth(n, PlotStyle.LegendSize)).DefaultIfEmpty(0).Max();
        return Width - 110 - (legend > 0 ? legend + 70 : 0);
    }
}
