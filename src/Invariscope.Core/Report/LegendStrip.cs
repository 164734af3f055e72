using ScottPlot;
using SkiaSharp;

namespace Invariscope.Report;

/// <summary>How a legend entry's swatch is drawn.</summary>
internal enum LegendMark
{
    /// <summary>A line with a filled marker (a series).</summary>
    Line,
    /// <summary>A dashed line (a reference such as the noise floor).</summary>
    Dashed,
    /// <summary>A filled marker only (scatter points, or a significant estimate).</summary>
    Marker,
    /// <summary>An open marker (an estimate whose interval includes 0).</summary>
    OpenMarker,
}

/// <summary>One legend entry.</summary>
internal sealed record LegendEntry(string Label, Color Color, LegendMark Mark = LegendMark.Line);

/// <summary>
/// A legend drawn below the panels of a figure, not over the data and without a frame or shadow: entries in reading
/// order, wrapped onto centred lines that fit the figure's width.
/// </summary>
internal static class LegendStrip
{
    const float Swatch = 30, Gap = 8, Spacing = 26, LineGap = 8, Pad = 8;

    static float RowHeight => PlotStyle.LegendSize * 1.35f;

    /// <summary>The entries split into lines that fit <paramref name="width"/>.</summary>
    static List<List<(LegendEntry entry, float width)>> Lines(IReadOnlyList<LegendEntry> entries, float width)
    {
        var lines = new List<List<(LegendEntry, float)>>();
        var line = new List<(LegendEntry, float)>();
        float used = 0;
        foreach (LegendEntry e in entries)
        {
            float w = Swatch + Gap + PlotStyle.MeasureWidth(e.Label, PlotStyle.LegendSize);
            if (line.Count > 0 && used + Spacing + w > width - 2 * Pad)
            {
                lines.Add(line);
                line = [];
                used = 0;
            }
            used += (line.Count > 0 ? Spacing : 0) + w;
            line.Add((e, w));
        }
        if (line.Count > 0) lines.Add(line);
        return lines;
    }

    /// <summary>Height in layout pixels of the legend for <paramref name="entries"/> at <paramref name="width"/>; 0 when there are none.</summary>
    public static int Height(IReadOnlyList<LegendEntry> entries, float width)
    {
        int n = Lines(entries, width).Count;
        return n == 0 ? 0 : (int)Math.Ceiling(n * RowHeight + (n - 1) * LineGap + 2 * Pad);
    }

    /// <summary>Draws the legend into the band of <paramref name="width"/> starting at <paramref name="top"/>.</summary>
    public static void Draw(SKCanvas canvas, IReadOnlyList<LegendEntry> entries, float left, float top, float width)
    {
        using SKTypeface typeface = ReportFonts.CreateTypeface(bold: false);
        using var font = new SKFont(typeface, PlotStyle.LegendSize) { Subpixel = true, Edging = SKFontEdging.Antialias };
        using var text = new SKPaint { Color = new SKColor(0x22, 0x22, 0x22), IsAntialias = true };
        float y = top + Pad;
        foreach (var line in Lines(entries, width))
        {
            float total = line.Sum(l => l.width) + Spacing * (line.Count - 1);
            float x = left + (width - total) / 2;
            float middle = y + RowHeight / 2;
            foreach ((LegendEntry e, float w) in line)
            {
                DrawSwatch(canvas, e, x, middle);
                canvas.DrawText(e.Label, x + Swatch + Gap, middle + PlotStyle.LegendSize * 0.36f, SKTextAlign.Left, font, text);
                x += w + Spacing;
            }
            y += RowHeight + LineGap;
        }
    }

    static void DrawSwatch(SKCanvas canvas, LegendEntry e, float x, float y)
    {
        var color = new SKColor(e.Color.R, e.Color.G, e.Color.B, e.Color.A);
        using var stroke = new SKPaint { Color = color, IsAntialias = true, StrokeWidth = PlotStyle.LineWidth, Style = SKPaintStyle.Stroke };
        using var fill = new SKPaint { Color = color, IsAntialias = true, Style = SKPaintStyle.Fill };
        switch (e.Mark)
        {
            case LegendMark.Line:
                canvas.DrawLine(x, y, x + Swatch, y, stroke);
                canvas.DrawCircle(x + Swatch / 2, y, PlotStyle.MarkerSize / 2, fill);
                break;
            case LegendMark.Dashed:
                using (var dash = SKPathEffect.CreateDash([6, 4], 0))
                {
                    stroke.PathEffect = dash;
                    canvas.DrawLine(x, y, x + Swatch, y, stroke);
                }
                break;
            case LegendMark.Marker:
                canvas.DrawCircle(x + Swatch / 2, y, PlotStyle.MarkerSize / 2 + 1, fill);
                break;
            case LegendMark.OpenMarker:
                stroke.StrokeWidth = 2;
                canvas.DrawCircle(x + Swatch / 2, y, PlotStyle.MarkerSize / 2, stroke);
                break;
        }
    }
}
