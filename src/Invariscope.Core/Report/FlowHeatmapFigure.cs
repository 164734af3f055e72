using System.Globalization;
using ScottPlot;

namespace Invariscope.Report;

/// <summary>
/// The annotated layer-flow heatmap: rows are pretrained layer i (top to bottom, like a matrix), columns are
/// finetuned layer j; a blue–white–red colormap centred at 0 with symmetric limits ±max|v|; every cell shows its
/// value with two decimals.
/// </summary>
internal static class FlowHeatmapFigure
{
    public const int Width = 900;
    public const int Height = 860;

    /// <summary>Negative end of the diverging colormap.</summary>
    public static readonly Color Blue = Color.FromHex("#2166AC");
    /// <summary>Centre (zero) of the diverging colormap.</summary>
    public static readonly Color White = Color.FromHex("#FFFFFF");
    /// <summary>Positive end of the diverging colormap.</summary>
    public static readonly Color Red = Color.FromHex("#B2182B");

    /// <summary>Renders the heatmap to <paramref name="path"/> and returns the pixel centre of every cell
    /// (<c>[i, j]</c>, row i = pretrained layer) in the written image.</summary>
    public static Pixel[,] Render(string path, FlowMatrix m, int width = Width, int height = Height)
    {
        ArgumentNullException.ThrowIfNull(m);
        int n = m.Layers.Count;
        if (m.Values.Length != n || m.Values.Any(row => row is null || row.Length != n))
            throw new ArgumentException($"Flow matrix of '{m.Setting}' must be {n}×{n} to match its layer names.", nameof(m));

        string title = $"{m.Setting}: pretrained → finetuned layer flow\n(below diagonal = compression)";
        Plot plot = PlotStyle.NewPlot(title, "finetuned layer j", "pretrained layer i");
        var cells = new Pixel[n, n];
        if (n == 0)
        {
            PlotStyle.NoDataNote(plot);
            PlotStyle.Save(plot, path, width, height);
            return cells;
        }

        double limit = SymmetricLimit(m.Values);
        var data = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                data[i, j] = m.Values[i][j];

        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.CustomInterpolated([Blue, White, Red]);
        heatmap.ManualRange = new ScottPlot.Range(-limit, limit);
        heatmap.NaNCellColor = Color.FromHex("#D0D0D0");
        heatmap.Smooth = false;
        // ScottPlot's default placement (no Extent): unit cells centred on integer coordinates, source row 0 at
        // the top, so cell (i, j) is centred on x = j, y = n-1-i.

        var colorbar = plot.Add.ColorBar(heatmap);
        colorbar.Axis.MinorTickStyle.Length = 0;
        colorbar.Axis.TickLabelStyle.FontName = ReportFonts.Family;
        colorbar.Axis.TickLabelStyle.FontSize = PlotStyle.TickSize;

        float cellPixels = EstimatedCellPixels(m.Layers, width, height);
        float fontSize = AnnotationFontSize(cellPixels);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double v = m.Values[i][j];
                if (fontSize <= 0) continue;
                var text = plot.Add.Text(Format(v), j, n - 1 - i);
                text.LabelFontName = ReportFonts.Family;
                text.LabelFontSize = fontSize;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = double.IsFinite(v) && Math.Abs(v) / limit > 0.55 ? Colors.White : Colors.Black;
                text.LabelBackgroundColor = Colors.Transparent;
                text.LabelBorderWidth = 0;
            }

        PlotStyle.CategoryTicksBottom(plot, m.Layers, width - 330);
        PlotStyle.CategoryTicksLeft(plot, m.Layers, i => n - 1 - i);
        plot.HideGrid();
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);

        PlotStyle.Save(plot, path, width, height);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                cells[i, j] = plot.GetPixel(new Coordinates(j, n - 1 - i));
        return cells;
    }

    /// <summary>Colour limit ±max|v| over the finite entries; 1 when there is none or all are zero.</summary>
    public static double SymmetricLimit(double[][] values)
    {
        double max = 0;
        foreach (double[] row in values)
            foreach (double v in row)
                if (double.IsFinite(v)) max = Math.Max(max, Math.Abs(v));
        return max > 0 ? max : 1;
    }

    /// <summary>Two decimals, invariant culture, no "-0.00", "–" for a missing value.</summary>
    public static string Format(double v)
    {
        if (!double.IsFinite(v)) return "–";
        double r = Math.Round(v, 2, MidpointRounding.AwayFromZero);
        if (r == 0) r = 0; // drops the sign of negative zero
        return r.ToString("0.00", CultureInfo.InvariantCulture);
    }

    private static float EstimatedCellPixels(IReadOnlyList<string> layers, int width, int height)
    {
        float widest = layers.Count == 0 ? 0 : layers.Max(l => PlotStyle.MeasureWidth(l, PlotStyle.TickSize));
        // left: axis label + tick labels; right: colorbar; top: two-line title; bottom: rotated tick labels.
        float dataWidth = width - (widest + 70) - 130;
        float dataHeight = height - 90 - (widest * 0.71f + 70);
        return Math.Max(1, Math.Min(dataWidth, dataHeight) / Math.Max(1, layers.Count));
    }

    private static float AnnotationFontSize(float cellPixels)
    {
        float unitWidth = PlotStyle.MeasureWidth("-0.00", 1);
        float size = Math.Min(16, Math.Min(cellPixels * 0.85f / unitWidth, cellPixels * 0.45f));
        return size < 6 ? 0 : size;
    }
}
