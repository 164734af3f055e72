using System.Globalization;
using ScottPlot;

namespace Invariscope.Report;

/// <summary>
/// The annotated layer-flow heatmap: rows are pretrained layer i (top to bottom, like a matrix), columns are
/// finetuned layer j; a blue–white–red colormap centred at 0 with symmetric limits ±max|v|, shared by every matrix
/// shown together and drawn once as a labelled colour bar; every cell shows its value with two decimals.
/// </summary>
internal static class FlowHeatmapFigure
{
    public const int Width = 660;
    public const int Height = 600;

    /// <summary>What the colour bar says the colours are.</summary>
    public const string ScaleLabel = "IF(i, j) = STIR(f_j | p_i) − STIR(f_i | p_i)";

    /// <summary>Negative end of the diverging colormap.</summary>
    public static readonly Color Blue = Color.FromHex("#2166AC");
    /// <summary>Centre (zero) of the diverging colormap.</summary>
    public static readonly Color White = Color.FromHex("#FFFFFF");
    /// <summary>Positive end of the diverging colormap.</summary>
    public static readonly Color Red = Color.FromHex("#B2182B");

    static IColormap Colormap => new ScottPlot.Colormaps.CustomInterpolated([Blue, White, Red]);

    /// <summary>Renders one matrix to <paramref name="path"/> (PNG and SVG) and returns the layout-pixel centre of every cell
    /// (<c>[i, j]</c>, row i = pretrained layer) in the written image.</summary>
    public static Pixel[,] Render(string path, FlowMatrix m, int width = Width, int height = Height, ReportSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(m);
        double limit = SymmetricLimit(m.Values);
        int panelWidth = width - 110; // the colour bar's room
        Plot plot = Panel(m, $"{m.Setting}: pretrained → finetuned layer flow", limit, panelWidth, height);
        var grid = new PanelGrid(null, [plot], width, height) { Colors = new ColorScale(Colormap, -limit, limit, ScaleLabel) };
        grid.Save(path, settings);
        return CellCentres(plot, m.Layers.Count);
    }

    /// <summary>Several matrices side by side (up to three per row), one colour scale ±max|v| over all of them, one colour bar.</summary>
    public static string Panels(string path, string title, IReadOnlyList<FlowMatrix> matrices, ReportSettings? settings = null) =>
        PanelsWithCells(path, title, matrices, settings).Path;

    /// <summary><see cref="Panels"/>, and the layout-pixel centre of every cell of every matrix (<c>[k][i, j]</c>).</summary>
    public static (string Path, Pixel[][,] Cells) PanelsWithCells(string path, string title, IReadOnlyList<FlowMatrix> matrices, ReportSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(matrices);
        double limit = SymmetricLimit([.. matrices.SelectMany(m => m.Values)]);
        int columns = Math.Clamp(matrices.Count, 1, matrices.Any(m => m.Layers.Count > 8) ? 2 : 3);
        int panelWidth = (PlotStyle.PageWidth - 110) / columns;
        int panelHeight = Math.Min(520, panelWidth + 40);
        var plots = matrices.Select(m => Panel(m, m.Setting, limit, panelWidth, panelHeight)).ToList();
        PlotStyle.YLabelOnFirstColumn(plots, columns);
        new PanelGrid(title, plots, PlotStyle.PageWidth, panelHeight, columns) { Colors = new ColorScale(Colormap, -limit, limit, ScaleLabel) }
            .Save(path, settings);
        return (path, [.. matrices.Select((m, k) => CellCentres(plots[k], m.Layers.Count))]);
    }

    static Pixel[,] CellCentres(Plot plot, int n)
    {
        var cells = new Pixel[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                cells[i, j] = plot.GetPixel(new Coordinates(j, n - 1 - i));
        return cells;
    }

    /// <summary>One heatmap panel with colours from −<paramref name="limit"/> to +<paramref name="limit"/>.</summary>
    static Plot Panel(FlowMatrix m, string title, double limit, int width, int height)
    {
        int n = m.Layers.Count;
        if (m.Values.Length != n || m.Values.Any(row => row is null || row.Length != n))
            throw new ArgumentException($"Flow matrix of '{m.Setting}' must be {n}×{n} to match its layer names.", nameof(m));
        Plot plot = PlotStyle.NewPlot(title, "finetuned layer j", "pretrained layer i");
        if (n == 0)
        {
            PlotStyle.NoDataNote(plot);
            return plot;
        }
        // Cells as rectangles (not a bitmap), so the SVG is vector and no viewer smooths them: cell (i, j) is
        // centred on x = j, y = n-1-i (row 0 at the top, like a matrix).
        IColormap colormap = Colormap;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double v = m.Values[i][j];
                const double h = 0.502; // a hair over half a cell, so that antialiasing leaves no seam between neighbours
                var cell = plot.Add.Rectangle(j - h, j + h, n - 1 - i - h, n - 1 - i + h);
                cell.FillColor = double.IsFinite(v) ? colormap.GetColor(Math.Clamp((v + limit) / (2 * limit), 0, 1)) : Color.FromHex("#D0D0D0");
                cell.LineWidth = 0;
            }

        float fontSize = AnnotationFontSize(EstimatedCellPixels(m.Layers, width, height));
        for (int i = 0; i < n && fontSize > 0; i++)
            for (int j = 0; j < n; j++)
            {
                double v = m.Values[i][j];
                var text = plot.Add.Text(Format(v), j, n - 1 - i);
                text.LabelFontName = ReportFonts.Family;
                text.LabelFontSize = fontSize;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = double.IsFinite(v) && Math.Abs(v) / limit > 0.55 ? Colors.White : Colors.Black;
                text.LabelBackgroundColor = Colors.Transparent;
                text.LabelBorderWidth = 0;
            }

        PlotStyle.CategoryTicksBottom(plot, m.Layers, width - 110);
        PlotStyle.CategoryTicksLeft(plot, m.Layers, i => n - 1 - i);
        plot.HideGrid();
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        return plot;
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
        // left: axis label + tick labels; top: title; bottom: rotated tick labels and the axis label.
        float dataWidth = width - (widest + 60) - 20;
        float dataHeight = height - 50 - (widest * 0.71f + 60);
        return Math.Max(1, Math.Min(dataWidth, dataHeight) / Math.Max(1, layers.Count));
    }

    private static float AnnotationFontSize(float cellPixels)
    {
        float unitWidth = PlotStyle.MeasureWidth("-0.00", 1);
        float size = Math.Min(15, Math.Min(cellPixels * 0.85f / unitWidth, cellPixels * 0.45f));
        return size < 7 ? 0 : size;
    }
}
