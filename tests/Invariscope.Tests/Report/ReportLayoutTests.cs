using System.Xml.Linq;
using Invariscope.Report;
using SkiaSharp;

namespace Invariscope.Tests.Report;

/// <summary>How the report's figures are laid out: SVG beside PNG, resolution, shared axes and colour scales, orders, merged duplicates.</summary>
public class ReportLayoutTests
{
    /// <summary>The SVG beside a PNG: valid XML whose size is the PNG's layout size.</summary>
    static (int width, int height) Svg(string png)
    {
        string svg = Path.ChangeExtension(png, ".svg");
        Assert.True(File.Exists(svg), $"no SVG beside {png}");
        var root = XDocument.Load(svg).Root!;
        Assert.Equal("svg", root.Name.LocalName);
        Assert.Contains(root.Descendants(), e => e.Name.LocalName == "text"); // text kept as text
        return (int.Parse(root.Attribute("width")!.Value), int.Parse(root.Attribute("height")!.Value));
    }

    [Fact]
    public void Every_figure_kind_writes_an_svg_of_its_layout_size_beside_its_png()
    {
        using var dir = new ReportTemp();
        var files = new[]
        {
            Figures.PerLayer(dir.File("l_perlayer.png"), "t", "y", [ReportSamples.Curve("a", 1, 0, true)]),
            Figures.PerLayerPanels(dir.File("l_panels.png"), "t", [new LayerPanel("learning", "y", [ReportSamples.Curve("a", 1, 0, true)]),
                new LayerPanel("forgetting", "y", [ReportSamples.Curve("a", 0.5, 1, false)])]),
            Figures.OverEpochs(dir.File("l_epochs.png"), "t", "acc", [ReportSamples.Series("ID", 5, 0.5, 0.9)]),
            Figures.EpochPanels(dir.File("l_epoch_panels.png"), "t", "acc", [new EpochPanel("a", [ReportSamples.Series("x", 5, 0, 1)]),
                new EpochPanel("b", [ReportSamples.Series("x", 5, 1, 2)])]),
            Figures.Scatter(dir.File("l_scatter.png"), "t", "x", "y", [("a", [1.0, 2.0], [2.0, 1.0])]),
            Figures.FlowHeatmap(dir.File("l_flow.png"), ReportSamples.Flow("s")),
            Figures.FlowPanels(dir.File("l_flow_panels.png"), "t", [ReportSamples.Flow("a"), ReportSamples.Flow("b")]),
            Figures.RobustnessBeside(dir.File("l_beside.png"), "t", [ReportSamples.Series("", 5, 0.5, 0.7)], ReportSamples.Series("std", 5, 0, 0.1)),
            Figures.Forest(dir.File("l_forest.png"), "t", "A − B", [new ForestPanel("learning", [new ForestEstimate("a − b", "block0", 0.1, 0.05, 0.15),
                new ForestEstimate("a − b", "block1", 0, -0.1, 0.1)])]),
        };
        foreach (string png in files)
        {
            using SKBitmap b = ReportSamples.Decode(png);
            Assert.Equal((b.Width, b.Height), Svg(png));
            // opaque everywhere: a panel that cleared beyond its own rectangle (its title band) left it transparent in
            // the PNG and black in the SVG
            Assert.True(ReportSamples.TransparentPixels(b) == 0, $"{png} has transparent pixels");
        }
    }

    [Fact]
    public void Dpi_scales_the_png_and_leaves_the_layout_and_the_svg_as_they_are()
    {
        using var dir = new ReportTemp();
        LayerCurve[] curves = [ReportSamples.Curve("a", 1, 0, true)];
        string one = Figures.PerLayer(dir.File("d_96.png"), "t", "y", curves);
        string two = Figures.PerLayer(dir.File("d_192.png"), "t", "y", curves, new ReportSettings { Dpi = 192 });
        using SKBitmap a = ReportSamples.Decode(one), b = ReportSamples.Decode(two);
        Assert.Equal((2 * a.Width, 2 * a.Height), (b.Width, b.Height));
        Assert.Equal(File.ReadAllBytes(Path.ChangeExtension(one, ".svg")), File.ReadAllBytes(Path.ChangeExtension(two, ".svg")));
        var e = Assert.Throws<Invariscope.Runtime.InvariscopeException>(() => new ReportSettings { Dpi = 20 }.Validate());
        Assert.Equal("dpi", e.Field);
    }

    [Fact]
    public void Panels_compared_side_by_side_share_one_y_range()
    {
        var low = PlotStyle.NewPlot("a", "x", "y");
        low.Add.Scatter(new double[] { 0, 1 }, new double[] { 0, 1 });
        var high = PlotStyle.NewPlot("b", "x", "y");
        high.Add.Scatter(new double[] { 0, 1 }, new double[] { 5, 6 });
        foreach (var p in new[] { low, high }) p.Axes.AutoScale();
        PlotStyle.ShareY([low, high]);
        var (l, h) = (low.Axes.GetLimits(), high.Axes.GetLimits());
        Assert.Equal((l.Bottom, l.Top), (h.Bottom, h.Top));
        Assert.True(l.Bottom <= 0 && l.Top >= 6, $"{l.Bottom}..{l.Top}");
    }

    [Fact]
    public void Flow_matrices_shown_together_share_one_colour_scale()
    {
        using var dir = new ReportTemp();
        // +0.1 is the maximum of the first matrix: alone it is saturated red; beside a matrix reaching 0.5 it is pale
        var small = new FlowMatrix("small", ["a", "b"], [[0, 0.1], [-0.1, 0]]);
        var large = new FlowMatrix("large", ["a", "b"], [[0, 0.5], [-0.5, 0]]);
        var (path, cells) = FlowHeatmapFigure.PanelsWithCells(dir.File("f_shared.png"), "shared", [small, large]);
        using SKBitmap b = ReportSamples.Decode(path);
        SKColor At(int k, int i, int j)
        {
            float dy = (cells[k][1, 0].Y - cells[k][0, 0].Y) * 0.33f; // below the value's text, inside the cell
            return b.GetPixel((int)cells[k][i, j].X, (int)(cells[k][i, j].Y + dy));
        }
        SKColor pale = At(0, 0, 1), red = At(1, 0, 1);
        Assert.True(red.Red > 150 && red.Green < 60, $"+0.5 should be the scale's red, was {red}");
        Assert.True(pale.Red > 220 && pale.Green > 170 && pale.Blue > 170, $"+0.1 on a ±0.5 scale should be pale, was {pale}");
        FlowHeatmapFigure.Render(dir.File("f_alone.png"), small);
        Assert.Equal(0.5, FlowHeatmapFigure.SymmetricLimit([.. small.Values, .. large.Values]));
    }

    [Fact]
    public void Ordered_series_such_as_layers_get_colours_from_dark_to_light()
    {
        double Luminance(ScottPlot.Color c) => 0.2126 * c.R + 0.7152 * c.G + 0.0722 * c.B;
        var l = Enumerable.Range(0, 13).Select(i => Luminance(PlotStyle.OrderedColor(i, 13))).ToList();
        Assert.True(l.Zip(l.Skip(1)).All(p => p.Second > p.First), string.Join(", ", l));
        Assert.True(Luminance(PlotStyle.OrderedColor(12, 13)) < 200, "the lightest layer stays visible on white");
    }

    [Fact]
    public void Hypotheses_with_the_same_series_are_drawn_once_named_together()
    {
        int[] e = [2, 3, 4];
        var merged = StudyFigures.MergeIdentical([new EpochSeries("forgetting/std/all", e, [0.5, double.NaN, 0.7]),
            new EpochSeries("sum/mean/all", e, [0.1, 0.2, 0.3]), new EpochSeries("forgetting/std/last3", e, [0.5, double.NaN, 0.7])]);
        Assert.Equal(["forgetting/std/all = forgetting/std/last3", "sum/mean/all"], merged.Select(s => s.Name));
    }
}
