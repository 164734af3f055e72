using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace Invariscope.Report;

/// <summary>A colour scale shared by every panel of a figure, drawn once at its right with a labelled bar.</summary>
internal sealed record ColorScale(IColormap Colormap, double Min, double Max, string Label);

/// <summary>
/// The layout of every report figure: a title band, panels (ScottPlot plots) in a grid of equal cells, one legend
/// below them and, for heatmaps, one colour bar to their right. Sizes are layout pixels, the size the figure is
/// shown at on the page; <see cref="FigureFile"/> renders the same layout to PNG (at any resolution) and SVG.
/// </summary>
internal sealed class PanelGrid(string? title, IReadOnlyList<Plot> panels, int width, int panelHeight, int columns = 0)
{
    const int ColorBarWidth = 110;

    /// <summary>Legend entries below the panels (none: no legend band).</summary>
    public IReadOnlyList<LegendEntry> Legend { get; init; } = [];

    /// <summary>A colour scale for all panels (a colour bar right of them).</summary>
    public ColorScale? Colors { get; init; }

    /// <summary>Panels per row: as given, else all in one row.</summary>
    int Columns => columns > 0 ? columns : Math.Max(1, panels.Count);

    int Rows => Math.Max(1, (panels.Count + Columns - 1) / Columns);

    (string text, float size) Title => string.IsNullOrEmpty(title) ? ("", 0) : PlotStyle.FitTitle(title, width, PlotStyle.FigureTitleSize);

    int TitleHeight
    {
        get
        {
            var (text, size) = Title;
            return text.Length == 0 ? 0 : (int)Math.Ceiling(text.Split('\n').Length * size * 1.3f + 12);
        }
    }

    int LegendTop => TitleHeight + Rows * panelHeight;

    /// <summary>The figure's width in layout pixels.</summary>
    public int Width => width;

    /// <summary>The figure's height in layout pixels: title, panel rows and legend.</summary>
    public int Height => LegendTop + LegendStrip.Height(Legend, width);

    /// <summary>The rectangle of panel <paramref name="index"/>.</summary>
    public PixelRect Cell(int index)
    {
        float room = width - (Colors is null ? 0 : ColorBarWidth);
        float cellWidth = room / Columns;
        int row = index / Columns, column = index % Columns;
        // whole pixels: a fractional edge leaves an antialiased hairline of what the panel clears (black in an SVG)
        float left = MathF.Round(column * cellWidth), right = MathF.Round((column + 1) * cellWidth), top = TitleHeight + row * panelHeight;
        return new PixelRect(left, right, top + panelHeight, top);
    }

    /// <summary>
    /// The panels' own titles, taken off the plots (which would each size and wrap theirs alone) and drawn by the grid in
    /// one band of one height at one font size, so that the data areas of a row line up.
    /// </summary>
    readonly string[] panelTitles = panels.Select(p =>
    {
        string t = p.Axes.Title.Label.Text ?? "";
        p.Axes.Title.Label.Text = "";
        return t;
    }).ToArray();

    (string[] lines, float size) PanelTitles => PlotStyle.FitTogether(panelTitles, Cell(0).Width - 70);

    int PanelTitleHeight
    {
        get
        {
            var (lines, size) = PanelTitles;
            int n = lines.Length == 0 ? 0 : lines.Max(l => l.Length == 0 ? 0 : l.Split('\n').Length);
            return n == 0 ? 6 : (int)Math.Ceiling(n * size * 1.3f + 10);
        }
    }

    /// <summary>Draws the whole figure.</summary>
    public void Draw(SKCanvas canvas)
    {
        var (text, size) = Title;
        if (text.Length > 0)
        {
            using SKTypeface bold = ReportFonts.CreateTypeface(bold: true);
            using var font = new SKFont(bold, size) { Subpixel = true, Edging = SKFontEdging.Antialias };
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            string[] lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
                canvas.DrawText(lines[i], width / 2f, 8 + size * (1.05f + 1.3f * i), SKTextAlign.Center, font, ink);
        }
        var (titles, titleSize) = PanelTitles;
        int band = PanelTitleHeight;
        using SKTypeface boldPanel = ReportFonts.CreateTypeface(bold: true);
        using var panelFont = new SKFont(boldPanel, titleSize) { Subpixel = true, Edging = SKFontEdging.Antialias };
        using var panelInk = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        for (int i = 0; i < panels.Count; i++)
        {
            PixelRect cell = Cell(i);
            var plotRect = new PixelRect(cell.Left, cell.Right, cell.Bottom, cell.Top + band);
            // ScottPlot clears what it may draw on (to transparent: black in an SVG viewer), so it may draw on its own rectangle only
            canvas.Save();
            canvas.ClipRect(new SKRect(plotRect.Left, plotRect.Top, plotRect.Right, plotRect.Bottom));
            panels[i].Render(canvas, plotRect);
            canvas.Restore();
            // centred over the panel's data area, as a plot's own title would be
            PixelRect data = panels[i].RenderManager.LastRender.DataRect;
            canvas.Save();
            canvas.ClipRect(new SKRect(cell.Left, cell.Top, cell.Right, cell.Bottom));
            string[] lines = titles[i].Split('\n');
            for (int k = 0; k < lines.Length && titles[i].Length > 0; k++)
                canvas.DrawText(lines[k], (data.Left + data.Right) / 2, cell.Top + 4 + titleSize * (1.05f + 1.3f * k), SKTextAlign.Center, panelFont, panelInk);
            canvas.Restore();
        }
        if (Colors is { } scale) DrawColorBar(canvas, scale);
        if (Legend.Count > 0) LegendStrip.Draw(canvas, Legend, 0, LegendTop, width);
    }

    /// <summary>The colour bar: a vertical gradient from min (bottom) to max (top) beside the panels' data rows, ticks, and its label rotated.</summary>
    void DrawColorBar(SKCanvas canvas, ColorScale scale)
    {
        float left = width - ColorBarWidth + 14, barWidth = 18;
        float top = TitleHeight + 40, bottom = TitleHeight + Rows * panelHeight - 70;
        if (bottom - top < 40) bottom = top + 40;
        const int steps = 200;
        float step = (bottom - top) / steps;
        using var paint = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        for (int k = 0; k < steps; k++)
        {
            Color c = scale.Colormap.GetColor(1 - (k + 0.5) / steps);
            paint.Color = new SKColor(c.R, c.G, c.B);
            canvas.DrawRect(SKRect.Create(left, top + k * step, barWidth, step + 0.5f), paint);
        }
        using var frame = new SKPaint { Color = new SKColor(0x88, 0x88, 0x88), Style = SKPaintStyle.Stroke, StrokeWidth = 1, IsAntialias = true };
        canvas.DrawRect(SKRect.Create(left, top, barWidth, bottom - top), frame);

        using SKTypeface regular = ReportFonts.CreateTypeface(bold: false);
        using var font = new SKFont(regular, PlotStyle.TickSize) { Subpixel = true, Edging = SKFontEdging.Antialias };
        using var ink = new SKPaint { Color = new SKColor(0x22, 0x22, 0x22), IsAntialias = true };
        foreach (double v in new[] { scale.Min, (scale.Min + scale.Max) / 2, scale.Max })
        {
            float y = (float)(bottom - (v - scale.Min) / (scale.Max - scale.Min) * (bottom - top));
            canvas.DrawLine(left + barWidth, y, left + barWidth + 5, y, frame);
            canvas.DrawText(v.ToString("0.00", CultureInfo.InvariantCulture), left + barWidth + 8, y + PlotStyle.TickSize * 0.36f, SKTextAlign.Left, font, ink);
        }
        using var labelFont = new SKFont(regular, PlotStyle.AxisLabelSize) { Subpixel = true, Edging = SKFontEdging.Antialias };
        canvas.Save();
        float labelX = width - 10, labelY = (top + bottom) / 2;
        canvas.RotateDegrees(-90, labelX, labelY);
        canvas.DrawText(scale.Label, labelX, labelY, SKTextAlign.Center, labelFont, ink);
        canvas.Restore();
    }

    /// <summary>Writes the figure as PNG and SVG (see <see cref="FigureFile"/>); returns the PNG path.</summary>
    public string Save(string png, ReportSettings? settings) => FigureFile.Save(png, Width, Height, Draw, settings);
}
