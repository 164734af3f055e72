using Invariscope.Layout;

namespace Invariscope.Tests.Layout;

/// <summary>The names on disk are a format other tools and older runs rely on: pinned here.</summary>
public class LayoutTests
{
    static string P(string path) => Path.GetFullPath(path);

    [Fact]
    public void ARunsFilesKeepTheirNames()
    {
        var run = new RunLayout("/r/ft");
        Assert.Equal(P("/r/ft/config.json"), run.ConfigPath);
        Assert.Equal(P("/r/ft/metrics.json"), run.MetricsJson);
        Assert.Equal(P("/r/ft/metrics.csv"), run.MetricsCsv);
        Assert.Equal(P("/r/ft/energy.json"), run.EnergyJson);
        Assert.Equal(P("/r/ft/checkpoints/epoch_007.safetensors"), run.Weights(7));
        Assert.Equal(P("/r/ft/checkpoints/epoch_007.decoder.safetensors"), run.DecoderWeights(7));
        Assert.Equal(P("/r/ft/checkpoints/epoch_007.optim.safetensors"), run.OptimizerState(7));
        Assert.Equal(P("/r/ft/checkpoints/epoch_007.json"), run.Sidecar(7));
        Assert.Equal(P("/r/ft/checkpoints/epoch_1234.json"), run.Sidecar(1234));
        Assert.Equal(P("/m/vit.json"), RunLayout.SidecarOf("/m/vit.safetensors"));
        Assert.Equal(P("/m/vit.decoder.safetensors"), RunLayout.DecoderOf("/m/vit.safetensors"));
        Assert.Equal(P("/r/ft/robustness/settings.json"), run.Robustness.SettingsPath);
        Assert.Equal(P("/r/ft/robustness/epoch_003.json"), run.Robustness.Epoch(3));
        Assert.Equal(P("/r/ft/robustness/robustness.csv"), run.Robustness.Csv);
        Assert.Equal(P("/r/ft/analysis/analysis.json"), run.Analysis.SettingsPath);
    }

    [Fact]
    public void AnAnalysisFilesKeepTheirNames()
    {
        var a = new AnalysisLayout("/a");
        Assert.Equal(P("/a/cache/inversions_pretrained_s2.safetensors"), a.PretrainedInversions(2));
        Assert.Equal(P("/a/cells/epoch_001_s2.json"), a.Cell("epoch_001", 2));
        Assert.Equal(P("/a/cells/epoch_001_cka.json"), a.CkaCell("epoch_001"));
        Assert.Equal([P("/a/results.json"), P("/a/per_layer.csv"), P("/a/flow.csv"), P("/a/aggregates.csv"), P("/a/inversions.csv")],
            [a.Results, a.PerLayerCsv, a.FlowCsv, a.AggregatesCsv, a.InversionsCsv]);
        Assert.Equal(P("/s/inversions/k3y/inversions_s1.safetensors"), AnalysisLayout.SharedInversions(new StudyLayout("/s").Inversions, "k3y", 1));
    }

    [Fact]
    public void AStudysFoldersKeepTheirNames()
    {
        var s = new StudyLayout("/s");
        Assert.Equal(P("/s/study.json"), s.ConfigPath);
        Assert.Equal(P("/s/statistics.json"), s.StatisticsPath);
        Assert.Equal(P("/s/report"), s.ReportDir);
        Assert.Equal(P("/s/pretrain"), s.Pretrain.Root);
        Assert.Equal(P("/s/ft"), s.Run("ft").Root);
        Assert.Equal(P("/s/ft/seed_2"), s.Run("ft", 2).Root);
        Assert.Equal(P("/s/ft/seed_2/analysis"), s.Run("ft", 2).Analysis.Root);
    }
}
