using Invariscope.Report;
using SkiaSharp;

namespace Invariscope.Tests.Report;

public class ReportFigureTests
{
    private static readonly LayerCurve[] TwoCurves =
        [ReportSamples.Curve("full finetune", 1.0, 0, true), ReportSamples.Curve("LoRA", 0.5, 1, false)];

    [Fact]
    public void Embedded_font_is_registered_under_a_name_no_system_font_has()
    {
        ReportFonts.EnsureRegistered();
        using SKTypeface regular = ReportFonts.CreateTypeface(bold: false);
        using SKTypeface bold = ReportFonts.CreateTypeface(bold: true);
        Assert.Equal("DejaVu Sans", regular.FamilyName);
        Assert.True(bold.FontStyle.Weight >= (int)SKFontStyleWeight.Bold);
        Assert.DoesNotContain(ReportFonts.Family, SKFontManager.Default.FontFamilies);
        SKTypeface resolved = ScottPlot.Fonts.GetTypeface(ReportFonts.Family, false, false);
        Assert.Equal("DejaVu Sans", resolved.FamilyName);
        Assert.True(resolved.GlyphCount > 1000, "resolved typeface is not the embedded DejaVu Sans");
    }

    [Fact]
    public void PerLayer_writes_a_png_of_the_expected_size_with_content()
    {
        using var dir = new ReportTemp();
        string path = Figures.PerLayer(dir.File("t_perlayer.png"), "Forgetting per layer", "forgetting", TwoCurves);
        Assert.Equal(dir.File("t_perlayer.png"), path);
        using SKBitmap b = ReportSamples.Decode(path);
        ReportSamples.AssertSinglePanelSize(b);
        Assert.True(ReportSamples.InkFraction(b, 0, 0, b.Width, b.Height) > 0.04);
        // Two coloured series: the palette's blue and orange both occur.
        Assert.True(CountNear(b, new SKColor(0x00, 0x72, 0xB2)) > 300);
        Assert.True(CountNear(b, new SKColor(0xD5, 0x5E, 0x00)) > 300);
    }

    [Fact]
    public void Long_titles_wrap_onto_lines_that_fit_and_short_ones_stay_whole()
    {
        const string longTitle = "pretrained → FT, reconstruction: correlation with corrupted accuracy using epochs ≤ e";
        const int width = 500;
        (string text, float size) = PlotStyle.FitTitle(longTitle, width);
        string[] lines = text.Split('\n');
        Assert.True(lines.Length >= 2, text);
        Assert.True(size >= 12);
        Assert.All(lines, l => Assert.True(PlotStyle.MeasureWidth(l, size, bold: true) <= width - 40, l));
        Assert.Equal(longTitle, string.Join(' ', lines));
        Assert.Equal(("Learning per layer", PlotStyle.TitleSize), PlotStyle.FitTitle("Learning per layer"));
    }

    [Fact]
    public void Title_and_axis_labels_are_drawn_as_text()
    {
        using var dir = new ReportTemp();
        // Another text of the same kind keeps the layout, so only the glyphs differ (and only where the text is).
        using SKBitmap with = ReportSamples.Decode(Figures.PerLayer(dir.File("t_labels_on.png"), "Forgetting per layer", "forgetting", TwoCurves));
        using SKBitmap otherTitle = ReportSamples.Decode(Figures.PerLayer(dir.File("t_labels_title2.png"), "Learning per block", "forgetting", TwoCurves));
        using SKBitmap otherY = ReportSamples.Decode(Figures.PerLayer(dir.File("t_labels_y2.png"), "Forgetting per layer", "learning", TwoCurves));

        Assert.True(ReportSamples.DarkPixels(with, 100, 0, 800, 40) > 400, "title glyphs missing");
        (int titleDiff, Rect titleBox) = Diff(with, otherTitle);
        Assert.True(titleDiff > 400);
        Assert.True(titleBox.Bottom < 45 && titleBox.Left > 100 && titleBox.Right < 800, $"title differs outside its band: {titleBox}");

        (int yDiff, Rect yBox) = Diff(with, otherY);
        Assert.True(yDiff > 150, "y-axis name glyphs missing");
        Assert.True(yBox.Right < 30 && yBox.Top > 100 && yBox.Bottom < 400, $"y-axis name differs outside its strip: {yBox}");
        // Layer names under the x axis (the data area ends near y = 400), the x-axis name under them, the legend at the bottom.
        Assert.True(ReportSamples.DarkPixels(with, 0, 400, 800, 460) > 500, "tick labels missing");
        Assert.True(ReportSamples.DarkPixels(with, 300, 462, 600, 495) > 60, "x-axis name missing");
        Assert.True(ReportSamples.DarkPixels(with, 300, 500, 600, with.Height) > 60, "legend below the plot missing");
        Assert.True(ReportSamples.DarkPixels(with, 890, 60, with.Width, 400) < 20, "nothing (no legend) right of the data area");
    }

    private readonly record struct Rect(int Left, int Top, int Right, int Bottom);

    private static (int count, Rect box) Diff(SKBitmap a, SKBitmap b)
    {
        int n = 0, l = int.MaxValue, t = int.MaxValue, r = -1, bo = -1;
        for (int y = 0; y < a.Height; y++)
            for (int x = 0; x < a.Width; x++)
                if (a.GetPixel(x, y) != b.GetPixel(x, y))
                {
                    n++;
                    l = Math.Min(l, x); t = Math.Min(t, y); r = Math.Max(r, x); bo = Math.Max(bo, y);
                }
        return (n, new Rect(l, t, r, bo));
    }

    [Fact]
    public void Figures_are_deterministic()
    {
        using var dir = new ReportTemp();
        byte[] a = File.ReadAllBytes(Figures.PerLayer(dir.File("t_det_a.png"), "t", "y", TwoCurves));
        byte[] b = File.ReadAllBytes(Figures.PerLayer(dir.File("t_det_b.png"), "t", "y", TwoCurves));
        Assert.Equal(a, b);
        // the SVGs too (Skia numbers its clip paths per process; FigureFile renumbers them per file)
        Assert.Equal(File.ReadAllBytes(dir.File("t_det_a.svg")), File.ReadAllBytes(dir.File("t_det_b.svg")));
        FlowMatrix m = ReportSamples.Flow("s");
        Assert.Equal(File.ReadAllBytes(Figures.FlowHeatmap(dir.File("t_det_c.png"), m)),
                     File.ReadAllBytes(Figures.FlowHeatmap(dir.File("t_det_d.png"), m)));
    }

    [Fact]
    public void Heatmap_colours_are_centred_at_zero_with_row_zero_on_top()
    {
        using var dir = new ReportTemp();
        string[] layers = ["a", "b", "c"];
        double[][] v = [[0, 0.8, 0], [-0.8, 0, 0], [0, 0.4, 0]];
        var m = new FlowMatrix("centre test", layers, v);
        ScottPlot.Pixel[,] cells = FlowHeatmapFigure.Render(dir.File("t_heat_centre.png"), m);
        using SKBitmap b = ReportSamples.Decode(dir.File("t_heat_centre.png"));
        Assert.Equal((Figures.HeatmapWidth, Figures.HeatmapHeight), (b.Width, b.Height));
        Assert.True(cells[0, 0].Y < cells[1, 0].Y && cells[0, 0].X < cells[0, 1].X, "row 0 must be on top, column 0 left");

        SKColor Sample(int i, int j)
        {
            // Below the centred value text, still inside the cell.
            float dy = (cells[1, 0].Y - cells[0, 0].Y) * 0.33f;
            return b.GetPixel((int)cells[i, j].X, (int)(cells[i, j].Y + dy));
        }
        SKColor plus = Sample(0, 1), minus = Sample(1, 0), zero = Sample(0, 0), half = Sample(2, 1);
        Assert.True(plus.Red > 150 && plus.Green < 60 && plus.Blue < 70, $"+max cell should be red, was {plus}");
        Assert.True(minus.Blue > 140 && minus.Red < 60, $"-max cell should be blue, was {minus}");
        Assert.True(zero.Red > 245 && zero.Green > 245 && zero.Blue > 245, $"zero cell should be white, was {zero}");
        Assert.True(half.Red > 200 && half.Green is > 100 and < 200 && half.Blue is > 100 and < 200, $"+max/2 cell should be pink, was {half}");
        // Value annotations: dark or white glyphs at every cell centre.
        Assert.True(ReportSamples.DarkPixels(b, (int)cells[0, 0].X - 20, (int)cells[0, 0].Y - 8, (int)cells[0, 0].X + 20, (int)cells[0, 0].Y + 8) > 20);
    }

    [Fact]
    public void Heatmap_of_zeros_nans_and_one_cell_renders()
    {
        using var dir = new ReportTemp();
        ScottPlot.Pixel[,] cells = FlowHeatmapFigure.Render(dir.File("t_heat_zero.png"),
            new FlowMatrix("zeros", ["a", "b"], [[0, 0], [0, double.NaN]]));
        using (SKBitmap b = ReportSamples.Decode(dir.File("t_heat_zero.png")))
        {
            float dy = (cells[1, 0].Y - cells[0, 0].Y) * 0.33f;
            SKColor zero = b.GetPixel((int)cells[0, 1].X, (int)(cells[0, 1].Y + dy));
            Assert.True(zero.Red > 245 && zero.Green > 245 && zero.Blue > 245, $"zero cell should be white, was {zero}");
        }
        ReportSamples.Decode(Figures.FlowHeatmap(dir.File("t_heat_one.png"), new FlowMatrix("one", ["block0"], [[0.5]]))).Dispose();
        ReportSamples.Decode(Figures.FlowHeatmap(dir.File("t_heat_empty.png"), new FlowMatrix("empty", [], []))).Dispose();
        Assert.Throws<ArgumentException>(() => Figures.FlowHeatmap(dir.File("t_bad.png"), new FlowMatrix("bad", ["a", "b"], [[1, 2]])));
    }

    [Fact]
    public void NaN_and_single_point_inputs_do_not_throw()
    {
        using var dir = new ReportTemp();
        double nan = double.NaN;
        var files = new List<string>
        {
            Figures.PerLayer(dir.File("t_nan_perlayer.png"), "NaN", "y",
                [new LayerCurve("gappy", ReportSamples.Layers, [.. ReportSamples.Layers.Select((_, i) => i % 3 == 1 ? nan : i * 0.1)],
                    [.. ReportSamples.Layers.Select((_, i) => i == 4 ? nan : i * 0.1 - 0.05)], [.. ReportSamples.Layers.Select((_, i) => i * 0.1 + 0.05)]),
                 new LayerCurve("all NaN", ReportSamples.Layers, [.. ReportSamples.Layers.Select(_ => nan)], null, null)]),
            Figures.PerLayer(dir.File("t_one_perlayer.png"), "one", "y", [new LayerCurve("s", ["pre_logits"], [0.3], [0.2], [0.4])]),
            Figures.PerLayer(dir.File("t_none_perlayer.png"), "none", "y", []),
            Figures.OverEpochs(dir.File("t_one_epochs.png"), "one", "acc", [new EpochSeries("ID", [3], [0.9])]),
            Figures.OverEpochs(dir.File("t_nan_epochs.png"), "nan", "acc",
                [new EpochSeries("ID", [1, 2, 3, 4], [0.5, nan, 0.7, 0.8], [0.4, 0.5, nan, 0.7], [0.6, 0.7, 0.8, 0.9]),
                 new EpochSeries("OOD", [1, 2], [nan, nan])]),
            Figures.OverEpochs(dir.File("t_empty_epochs.png"), "empty", "acc", [new EpochSeries("x", [], [])]),
            Figures.Scatter(dir.File("t_nan_scatter.png"), "nan", "x", "y",
                [("a", [1, nan, 3], [1, 2, nan]), ("b", [0.5], [0.5]), ("c", [], [])]),
            Figures.Scatter(dir.File("t_empty_scatter.png"), "empty", "x", "y", []),
            Figures.RobustnessBeside(dir.File("t_one_beside.png"), "one", [new EpochSeries("", [1], [0.5])], new EpochSeries("std", [1], [nan])),
            Figures.RobustnessBeside(dir.File("t_empty_beside.png"), "", [], new EpochSeries("std", [], [])),
        };
        foreach (string f in files) ReportSamples.Decode(f).Dispose();
    }

    [Fact]
    public void RobustnessBeside_draws_two_panels_and_a_title_in_one_png()
    {
        using var dir = new ReportTemp();
        string path = Figures.RobustnessBeside(dir.File("t_beside.png"), "Robustness vs forgetting spread",
            [.. Enumerable.Range(1, 5).Select(s => ReportSamples.Series("", 8, 0.6 - 0.05 * s, 0.8 - 0.08 * s))],
            ReportSamples.Series("std", 8, 0.02, 0.1));
        using SKBitmap b = ReportSamples.Decode(path);
        Assert.Equal(Figures.PageWidth, b.Width);
        Assert.True(ReportSamples.DarkPixels(b, 400, 0, 1100, 40) > 300, "overall title missing");
        Assert.True(ReportSamples.InkFraction(b, 0, 60, b.Width / 2, b.Height) > 0.04, "left panel empty");
        Assert.True(ReportSamples.InkFraction(b, b.Width / 2, 60, b.Width, b.Height) > 0.03, "right panel empty");
    }

    [Fact]
    public void OverEpochs_and_Scatter_write_pngs_of_the_expected_size()
    {
        using var dir = new ReportTemp();
        using SKBitmap e = ReportSamples.Decode(Figures.OverEpochs(dir.File("t_epochs.png"), "acc", "accuracy",
            [ReportSamples.Series("ID", 10, 0.6, 0.9, band: true), ReportSamples.Series("OOD", 10, 0.5, 0.7)]));
        using SKBitmap s = ReportSamples.Decode(Figures.Scatter(dir.File("t_scatter.png"), "s", "learning", "forgetting",
            [("a", [0.1, 0.2, 0.3], [0.3, 0.2, 0.1])]));
        foreach (SKBitmap b in new[] { e, s })
        {
            ReportSamples.AssertSinglePanelSize(b);
            Assert.True(ReportSamples.InkFraction(b, 0, 0, b.Width, b.Height) > 0.03);
        }
    }

    private static int CountNear(SKBitmap b, SKColor target, int tolerance = 12)
    {
        int n = 0;
        for (int y = 0; y < b.Height; y++)
            for (int x = 0; x < b.Width; x++)
            {
                SKColor c = b.GetPixel(x, y);
                if (Math.Abs(c.Red - target.Red) <= tolerance && Math.Abs(c.Green - target.Green) <= tolerance
                    && Math.Abs(c.Blue - target.Blue) <= tolerance) n++;
            }
        return n;
    }
}
