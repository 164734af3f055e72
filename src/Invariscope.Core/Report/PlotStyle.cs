using Invariscope.Runtime;
using ScottPlot;
using SkiaSharp;

namespace Invariscope.Report;

/// <summary>
/// Shared look of the report figures: embedded font, font sizes readable when a 900 px figure is shown
/// about 600 px wide, a fixed colour-blind-friendly palette, tick helpers, NaN-aware segmenting and PNG saving.
/// </summary>
internal static class PlotStyle
{
    public const int Width = 900;
    public const int Height = 540;
    public const float TitleSize = 22;
    public const float AxisLabelSize = 19;
    public const float TickSize = 16;
    public const float LegendSize = 16;
    public const float LineWidth = 2.5f;
    public const float MarkerSize = 9;

    /// <summary>Okabe–Ito style qualitative palette (fixed order, so figures are deterministic).</summary>
    private static readonly Color[] Qualitative =
    [
        Color.FromHex("#0072B2"), Color.FromHex("#D55E00"), Color.FromHex("#009E73"), Color.FromHex("#CC79A7"),
        Color.FromHex("#E69F00"), Color.FromHex("#56B4E9"), Color.FromHex("#000000"), Color.FromHex("#F0E442"),
        Color.FromHex("#882255"), Color.FromHex("#999933"),
    ];

    /// <summary>A new plot with white background, the embedded font everywhere and large text.</summary>
    public static Plot NewPlot(string? title, string? xLabel, string? yLabel)
    {
        ReportFonts.EnsureRegistered();
        var plot = new Plot();
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        plot.Grid.MajorLineColor = Color.FromHex("#E4E4E4");
        if (!string.IsNullOrEmpty(title))
        {
            (string text, float size) = FitTitle(title);
            plot.Title(text);
            plot.Axes.Title.Label.FontSize = size;
            plot.Axes.Title.Label.Bold = true;
        }
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
        plot.Legend.FontName = ReportFonts.Family;
        plot.Legend.FontSize = LegendSize;
        plot.Legend.SetBestFontOnEachRender = false;
        plot.Legend.IsVisible = false;
        return plot;
    }

    /// <summary>Shrinks long titles so they fit the figure width.</summary>
    public static float TitleFontSize(string title, int width = Width) => TitleFontSizeIn(title, width - 40);

    static float TitleFontSizeIn(string title, float room)
    {
        float size = TitleSize;
        string[] lines = title.Split('\n');
        while (size > 12 && lines.Max(l => MeasureWidth(l, size, bold: true)) > room) size -= 1;
        return size;
    }

    /// <summary>A title that fits the figure width: shrunk down to 16 px, then wrapped at spaces onto more lines,
    /// then shrunk further only if a single word is still too wide.</summary>
    public static (string Text, float Size) FitTitle(string title, int width = Width) => FitTitleIn(title, width - 40);

    static (string Text, float Size) FitTitleIn(string title, float room)
    {
        const float wrapSize = 16;
        float size = TitleFontSizeIn(title, room);
        if (size >= wrapSize) return (title, size);
        var lines = new List<string>();
        foreach (string paragraph in title.Split('\n'))
        {
            string line = "";
            foreach (string word in paragraph.Split(' '))
            {
                string candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && MeasureWidth(candidate, wrapSize, bold: true) > room)
                {
                    lines.Add(line);
                    line = word;
                }
                else line = candidate;
            }
            lines.Add(line);
        }
        string wrapped = string.Join('\n', lines);
        return (wrapped, Math.Min(wrapSize, TitleFontSizeIn(wrapped, room)));
    }

    /// <summary>Colour of series <paramref name="index"/> out of <paramref name="count"/>: qualitative palette
    /// up to 10 series, evenly spaced on viridis beyond (for ordered things such as layers).</summary>
    public static Color SeriesColor(int index, int count)
    {
        if (count <= Qualitative.Length) return Qualitative[index % Qualitative.Length];
        var viridis = new ScottPlot.Colormaps.Viridis();
        return viridis.GetColor(0.9 * index / Math.Max(1, count - 1));
    }

    /// <summary>Colour for an ordered level (severity 1..n): light to dark along a perceptual ramp.</summary>
    public static Color OrderedColor(int index, int count)
    {
        var map = new ScottPlot.Colormaps.Plasma();
        return map.GetColor(count <= 1 ? 0.1 : 0.85 * index / (count - 1));
    }

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
    public static void AddLine(Plot plot, string name, double[] xs, double[] ys, double[]? lower, double[]? upper, Color color)
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
                fill.FillColor = color.WithAlpha(0.18);
                fill.LineWidth = 0;
                fill.MarkerSize = 0;
            }
        }
        bool labelled = false;
        foreach (int[] run in FiniteRuns(n, xs, ys))
        {
            var line = plot.Add.Scatter(run.Select(i => xs[i]).ToArray(), run.Select(i => ys[i]).ToArray(), color);
            line.LineWidth = LineWidth;
            line.MarkerSize = n > 15 ? MarkerSize * 0.65f : MarkerSize;
            line.MarkerShape = MarkerShape.FilledCircle;
            if (!labelled) { line.LegendText = name; labelled = true; }
        }
        if (!labelled && !string.IsNullOrEmpty(name))
        {
            // No finite point at all: still list the series in the legend so its absence is visible.
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = name + " (no data)", LineColor = color, LineWidth = LineWidth });
        }
    }

    /// <summary>Shows the legend outside the data area, right of it, when any item is named.</summary>
    public static void LegendRight(Plot plot, int width = Width)
    {
        bool any = plot.Legend.ManualItems.Count > 0 || plot.GetPlottables().Any(p => p.LegendItems.Any(i => !string.IsNullOrEmpty(i.LabelText)));
        if (!any) return;
        plot.ShowLegend(Edge.Right);
        plot.Legend.FontName = ReportFonts.Family;
        plot.Legend.FontSize = LegendSize;
        plot.Legend.SetBestFontOnEachRender = false;
        FitTitleBesideLegend(plot, width);
    }

    /// <summary>
    /// The title is centred over the data area, which a legend on the right narrows: refit it to the room left on
    /// the narrower side of that centre (legend width estimated from its longest label plus marker and padding).
    /// </summary>
    static void FitTitleBesideLegend(Plot plot, int width)
    {
        string title = plot.Axes.Title.Label.Text;
        if (string.IsNullOrEmpty(title)) return;
        var labels = plot.Legend.ManualItems.Select(i => i.LabelText)
            .Concat(plot.GetPlottables().SelectMany(p => p.LegendItems).Select(i => i.LabelText))
            .Where(t => !string.IsNullOrEmpty(t));
        float legend = labels.Select(t => MeasureWidth(t, LegendSize)).DefaultIfEmpty(0).Max() + 80;
        const float leftMargin = 75, rightPadding = 20;
        float centre = (leftMargin + width - legend - rightPadding) / 2;
        float room = 2 * Math.Min(centre, width - centre) - 30;
        (string text, float size) = FitTitleIn(title, room);
        plot.Axes.Title.Label.Text = text;
        plot.Axes.Title.Label.FontSize = Math.Min(size, plot.Axes.Title.Label.FontSize);
    }

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

    /// <summary>Renders the plot and writes the PNG atomically (temp file, then move).</summary>
    public static string Save(Plot plot, string path, int width, int height)
    {
        byte[] png = plot.GetImage(width, height).GetImageBytes(ImageFormat.Png);
        return AtomicFile.Write(path, png);
    }
}
