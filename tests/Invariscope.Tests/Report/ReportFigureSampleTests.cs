using Invariscope.Report;

namespace Invariscope.Tests.Report;

/// <summary>Renders one of every figure with realistic inputs (kept in $INVARISCOPE_REPORT_SAMPLES when set, for a person to look at).</summary>
public class ReportFigureSampleTests
{
    [Fact]
    public void Every_figure_renders_realistic_inputs()
    {
        using var dir = new ReportTemp();
        Figures.PerLayer(dir.File("per_layer_forgetting.png"), "Forgetting per layer (final epoch)", "forgetting",
            [ReportSamples.Curve("full finetune", 1.0, 0, true), ReportSamples.Curve("LoRA r=8", 0.6, 1, true),
             ReportSamples.Curve("linear probe", 0.2, 2, false)]);
        Figures.FlowHeatmap(dir.File("flow_heatmap.png"), ReportSamples.Flow("full finetune"));
        Figures.OverEpochs(dir.File("over_epochs_layers.png"), "CKA divergence per layer over epochs", "CKA divergence",
            ReportSamples.Layers.Select((l, i) => ReportSamples.Series(l, 20, 0, 0.05 + 0.05 * i)).ToArray());
        Figures.OverEpochs(dir.File("over_epochs_accuracy.png"), "Test accuracy over epochs", "accuracy",
            [ReportSamples.Series("ID", 10, 0.6, 0.92, band: true), ReportSamples.Series("OOD", 10, 0.5, 0.71, band: true)]);
        Figures.RobustnessBeside(dir.File("robustness_beside.png"), "Robustness to corruption vs. spread of forgetting",
            Enumerable.Range(1, 5).Select(s => ReportSamples.Series($"severity {s}", 10, 0.55 - 0.06 * s, 0.85 - 0.1 * s)).ToArray(),
            ReportSamples.Series("std", 10, 0.01, 0.12));
        double[] learn = ReportSamples.Curve("a", 1, 0, false).Mean;
        double[] forget = ReportSamples.Curve("b", 0.8, 3, false).Mean;
        Figures.Scatter(dir.File("scatter.png"), "Learning vs forgetting per layer", "learning", "forgetting",
            [("full finetune", learn, forget), ("LoRA r=8", learn.Select(v => v * 0.7).ToArray(), forget.Select(v => v * 0.5).ToArray())]);
        foreach (string f in Directory.GetFiles(dir.Path, "*.png"))
            ReportSamples.Decode(f).Dispose();

        string html = new HtmlPage("Invariscope report (sample)")
            .Heading("Forgetting", 2)
            .Paragraph("Forgetting per layer at the final epoch; bands are 95% intervals.")
            .Figure(dir.File("per_layer_forgetting.png"), "Fig. 1: forgetting per layer")
            .FiguresSideBySide((dir.File("flow_heatmap.png"), "layer flow"), (dir.File("scatter.png"), "learning vs forgetting"))
            .Table(["layer", "r", "p"], [["block0", "0.12", "0.4"], ["block11", "0.81", "0.001"]], "Correlation", (r, _) => r == 1 ? "sig" : null)
            .Preformatted("invariscope report --runs runs/")
            .Save(dir.File("report.html"));
        Assert.Contains("data:image/png;base64,", File.ReadAllText(html));
    }
}
