using Invariscope.Runtime;
using ScottPlot;
using SkiaSharp;

namespace Invariscope.Report;

/// <summary>
/// Shared look of the report figures: embedded font, font sizes in layout pixels for the size a figure is shown at
/// (figures are laid out for 1:1 display, see <see cref="PanelGrid"/>), a fixed colour-blind-friendly palette for
/// categories and a sequential one for ordered things (layers by depth, severities), tick helpers, NaN-aware segmenting.
/// </summary>
internal static class PlotStyle
{
    public const int Width = 900;
    public const int Height = 460;
    /// <summary>Width of a figure that spans the page's text column (small multiples).</summary>
    public const int PageWidth = 1050;
    public const float FigureTitleSize = 19;
    public const float TitleSize = 16;
    public const float AxisLabelSize = 16;
    public const float TickSize = 14;
    public const float LegendSize = 15;
    public const float LineWidth = 2.5f;
    public const float MarkerSize = 8;

    /// <summary>Okabe–Ito style qualitative palette (fixed order, so figures are deterministic).</summary>
    private static readonly Color[] Qualitative =
    [
        Color.FromHex("#0072B2"), Color.FromHex("#D55E00"), Color.FromHex("#009E73"), Color.FromHex("#CC79A7"),
        Color.FromHex("#E69F00"), Color.FromHex("#56B4E9"), Color.FromHex("#000000"), Color.FromHex("#F0E442"),
        Color.FromHex("#882255"), Color.FromHex("#999933"),
    ];

    /// <summary>A new panel: white background, the embedded font everywhere, the panel's own title (a figure's title is the grid's), no legend (the grid draws one below).</summary>
    public static Plot NewPlot(string? title, string? xLabel, string? yLabel)
    {
        ReportFonts.EnsureRegistered();
        var plot = new Plot();
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        plot.Grid.MajorLineColor = Color.FromHex("#E4E4E4");
        // the grid takes the title off and draws the titles of a row at one size (PanelGrid)
        if (!string.IsNullOrEmpty(title)) plot.Title(title);
        if (!string.IsNullOrEmpty(xLabel)) plot.XLabel(xLabel);
        if (!string.IsNullOrEmpty(yLabel)) plot.YLabel(yLabel);

        plot.Axes.Title.Label.FontName = ReportFonts.Family;
        foreach (IAxis axis in plot.Axes.GetAxes())
        {
            axis.Label.FontName = ReportFonts.Family;
            axis.Label.FontSize = AxisLabelSize;
            axis.Label.Bold = false;
            axis.TickLabelStyle.FontName = ReportFonts.Family;
            axis.TickLabelStyle.FontSize = TickSize;
        }
        plot.Legend.IsVisible = false;
        return plot;
    }

    static float TitleFontSizeIn(string title, float room, float start)
    {
        float size = start;
        string[] lines = title.Split('\n');
        while (size > 12 && lines.Max(l => MeasureWidth(l, size, bold: true)) > room) size -= 1;
        return size;
    }

    /// <summary>A title that fits the width: shrunk by up to 3 px, then wrapped at spaces onto more lines, then shrunk
    /// further only if a single word is still too wide.</summary>
    public static (string Text, float Size) FitTitle(string title, int width = Width, float start = TitleSize)
    {
        float room = width - 40, wrapSize = start - 3;
        float size = TitleFontSizeIn(title, room, start);
        if (size >= wrapSize) return (title, size);
        string wrapped = Wrap(title, wrapSize, room);
        return (wrapped, Math.Min(wrapSize, TitleFontSizeIn(wrapped, room, wrapSize)));
    }

    /// <summary>
    /// Titles of panels shown side by side, all at one size: the largest from <see cref="TitleSize"/> down to 12 at
    /// which every title fits <paramref name="room"/> on one line, else each wrapped at 12.
    /// </summary>
    public static (string[] Lines, float Size) FitTogether(IReadOnlyList<string> titles, float room)
    {
        float size = TitleSize;
        while (size > 12 && titles.Any(t => t.Split('\n').Max(l => MeasureWidth(l, size, bold: true)) > room)) size -= 1;
        if (titles.All(t => t.Split('\n').Max(l => MeasureWidth(l, size, bold: true)) <= room)) return ([.. titles], size);
        return ([.. titles.Select(t => Wrap(t, size, room))], size);
    }

    /// <summary><paramref name="text"/> broken at spaces into lines no wider than <paramref name="room"/> (a single long word stays whole).</summary>
    static string Wrap(string text, float size, float room)
    {
        var lines = new List<string>();
        foreach (string paragraph in text.Split('\n'))
        {
            string line = "";
            foreach (string word in paragraph.Split(' '))
            {
                string candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && MeasureWidth(candidate, size, bold: true) > room)
                {
                    lines.Add(line);
                    line = word;
                }
                else line = candidate;
            }
            lines.Add(line);
        }
        return string.Join('\n', lines);
    }

    /// <summary>Colour of category <paramref name="index"/> (a setting, a hypothesis) out of <paramref name="count"/>:
    /// the qualitative palette up to 10, evenly spaced on viridis beyond.</summary>
    public static Color SeriesColor(int index, int count) =>
        count <= Qualitative.Length ? Qualitative[index % Qualitative.Length] : OrderedColor(index, count);

    /// <summary>Colour of ordered level <paramref name="index"/> of <paramref name="count"/> (a layer by depth, a
    /// severity): dark (first, shallowest, mildest) to light along viridis, stopping short of its pale yellow end.</summary>
    public static Color OrderedColor(int index, int count)
    {
        var map = new ScottPlot.Colormaps.Viridis();
        return map.GetColor(count <= 1 ? 0 : 0.85 * index / (count - 1));
    }

    /// <summary>Opacity of an interval band when <paramref name="count"/> bands overlap: light enough that stacked bands stay pale and keep their hue.</summary>
    public static double BandAlpha(int count) => count <= 2 ? 0.18 : Math.Max(0.06, 0.3 / count);

    /// <summary>Width in pixels of <paramref name="text"/> in the embedded font.</summary>
    public static float MeasureWidth(string text, float size, bool bold = false)
    {
        using SKTypeface typeface = ReportFonts.CreateTypeface(bold);
        using var font = new SKFont(typeface, size);
        return font.MeasureText(text);
    }

    /// <summary>Category ticks 0..n-1 named by <paramref name="names"/> on the bottom axis; rotated 45° when
    /// they would not fit side by side in <paramref name="availableWidth"/> pixels.</summary>
    public static void CategoryTicksBottom(Plot plot, IReadOnlyList<string> names, float availableWidth)
    {
        double[] positions = Enumerable.Range(0, names.Count).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, names.ToArray());
        float widest = names.Count == 0 ? 0 : names.Max(n => MeasureWidth(n, TickSize));
        if (names.Count * (widest + 12) > availableWidth)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            float drop = (widest + TickSize) * 0.7071f + 10;
            plot.Axes.Bottom.MinimumSize = drop + AxisLabelSize + 12;
        }
    }

    /// <summary>Category ticks named by <paramref name="names"/> on the left axis at the given positions.</summary>
    public static void CategoryTicksLeft(Plot plot, IReadOnlyList<string> names, Func<int, double> position)
    {
        double[] positions = Enumerable.Range(0, names.Count).Select(position).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, names.ToArray());
    }

    /// <summary>Integer ticks covering the epochs, at most about a dozen.</summary>
    public static void IntegerTicksBottom(Plot plot, IEnumerable<int> epochs)
    {
        int[] e = epochs.ToArray();
        if (e.Length == 0) return;
        int lo = e.Min(), hi = e.Max();
        int step = 1;
        int[] steps = [1, 2, 5];
        for (int decade = 1; (hi - lo) / step > 12; decade *= 10)
            foreach (int s in steps)
            {
                step = s * decade;
                if ((hi - lo) / step <= 12) break;
            }
        int first = (int)Math.Floor(lo / (double)step) * step;
        var ticks = new List<double>();
        for (int t = first; t <= hi; t += step) if (t >= lo) ticks.Add(t);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ticks.ToArray(), ticks.Select(t => ((int)t).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Maximal runs of indices where every given array holds a finite value.</summary>
    public static List<int[]> FiniteRuns(int length, params double[]?[] arrays)
    {
        var runs = new List<int[]>();
        var current = new List<int>();
        for (int i = 0; i < length; i++)
        {
            bool ok = arrays.All(a => a is not null && i < a.Length && double.IsFinite(a[i]));
            if (ok) current.Add(i);
            else if (current.Count > 0) { runs.Add(current.ToArray()); current.Clear(); }
        }
        if (current.Count > 0) runs.Add(current.ToArray());
        return runs;
    }

    /// <summary>Adds a line with markers through the finite points, broken at NaNs, plus an optional shaded band;
    /// the legend entry is added once.</summary>
    public static void AddLine(Plot plot, string name, double[] xs, double[] ys, double[]? lower, double[]? upper, Color color,
        double bandAlpha = 0.18, LinePattern? pattern = null, float lineWidth = LineWidth, float markerSize = MarkerSize)
    {
        int n = Math.Min(xs.Length, ys.Length);
        if (lower is not null && upper is not null)
        {
            foreach (int[] run in FiniteRuns(n, xs, lower, upper))
            {
                if (run.Length == 1)
                {
                    // A band of one point has no width: draw its interval as a vertical bar.
                    int i = run[0];
                    var bar = plot.Add.Line(xs[i], lower[i], xs[i], upper[i]);
                    bar.LineColor = color.WithAlpha(0.6);
                    bar.LineWidth = LineWidth + 1;
                    bar.MarkerSize = 0;
                    continue;
                }
                var fill = plot.Add.FillY(run.Select(i => xs[i]).ToArray(), run.Select(i => lower[i]).ToArray(),
                    run.Select(i => upper[i]).ToArray());
                fill.FillColor = color.WithAlpha(bandAlpha);
                fill.LineWidth = 0;
                fill.MarkerSize = 0;
            }
        }
        bool labelled = false;
        foreach (int[] run in FiniteRuns(n, xs, ys))
        {
            var line = plot.Add.Scatter(run.Select(i => xs[i]).ToArray(), run.Select(i => ys[i]).ToArray(), color);
            line.LineWidth = lineWidth;
            line.MarkerSize = n > 15 ? markerSize * 0.65f : markerSize;
            line.MarkerShape = markerSize > 0 ? MarkerShape.FilledCircle : MarkerShape.None;
            if (pattern is { } p) line.LinePattern = p;
            if (!labelled) { line.LegendText = name; labelled = true; }
        }
    }

    /// <summary>Whether the series has no finite point (its legend entry then says "no data").</summary>
    public static bool NoFinitePoint(double[] xs, double[] ys) => FiniteRuns(Math.Min(xs.Length, ys.Length), xs, ys).Count == 0;

    /// <summary>Writes a centred note (e.g. "no data") when the plot holds no finite point.</summary>
    public static void NoDataNote(Plot plot)
    {
        var text = plot.Add.Annotation("no data", Alignment.MiddleCenter);
        text.LabelFontName = ReportFonts.Family;
        text.LabelFontSize = AxisLabelSize;
        text.LabelFontColor = Color.FromHex("#555555");
        text.LabelBackgroundColor = Color.FromHex("#F4F4F4");
        text.LabelBorderColor = Color.FromHex("#BBBBBB");
        text.LabelShadowColor = Colors.Transparent;
        text.LabelPadding = 8;
    }

    /// <summary>When all finite <paramref name="values"/> are equal (e.g. a single point), centres the y axis on
    /// them with a modest margin instead of ScottPlot's wide default for a zero span.</summary>
    public static void FixDegenerateY(Plot plot, IEnumerable<double> values)
    {
        double[] v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0 || v.Min() != v.Max()) return;
        double pad = Math.Max(Math.Abs(v[0]) * 0.1, 0.05);
        plot.Axes.SetLimitsY(v[0] - pad, v[0] + pad);
    }

    /// <summary>
    /// Gives every panel the same y range, the union of their own (so panels compared side by side share a scale);
    /// call after each panel has its data and its own limits.
    /// </summary>
    public static void ShareY(IReadOnlyList<Plot> panels)
    {
        if (panels.Count < 2) return;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (Plot p in panels)
        {
            if (!p.GetPlottables().Any()) continue;
            AxisLimits l = p.Axes.GetLimits();
            if (double.IsFinite(l.Bottom)) lo = Math.Min(lo, l.Bottom);
            if (double.IsFinite(l.Top)) hi = Math.Max(hi, l.Top);
        }
        if (!(hi > lo)) return;
        foreach (Plot p in panels) p.Axes.SetLimitsY(lo, hi);
    }

    /// <summary>Shows only the first column's y-axis name in a row of panels that share it.</summary>
    public static void YLabelOnFirstColumn(IReadOnlyList<Plot> panels, int columns)
    {
        for (int i = 0; i < panels.Count; i++)
            if (i % Math.Max(1, columns) != 0) panels[i].Axes.Left.Label.Text = "";
    }
}
