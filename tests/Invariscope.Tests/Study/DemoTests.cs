using System.Text.Json;
using Invariscope.Study;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Study;

public class DemoTests
{
    [Fact]
    public void AReducedDemoRunsEndToEndAndResumesWithoutRetraining()
    {
        using var dir = new TestData.TempDir();
        var options = new DemoOptions(Out: dir.Path, Images: 96, PretrainEpochs: 1, FinetuneEpochs: 1, AnalysisImages: 24);
        var log = new List<string>();
        var summary = Demo.Run(options, CPU, log.Add);
        Assert.Equal(["block0", "block1", "block2", "block3", "pre_logits"], summary.Layers.Select(l => l.Layer));
        Assert.All(summary.Layers, l => Assert.InRange(l.CkaFinetuned, 0, 1));
        Assert.True(File.Exists(Path.Combine(dir.Path, "summary.json")));
        var saved = JsonSerializer.Deserialize<DemoSummary>(File.ReadAllText(Path.Combine(dir.Path, "summary.json")))!;
        Assert.Equal(summary.FinetuneValAcc, saved.FinetuneValAcc);
        foreach (var run in new[] { "pretrain", "finetune", "scratch" })
            Assert.Equal([0, 1], new RunFolder(Path.Combine(dir.Path, run)).CompleteEpochs());

        log.Clear();
        var again = Demo.Run(options, CPU, log.Add);
        Assert.Equal(3, log.Count(l => l.Contains("already complete")));
        Assert.Equal(summary.Layers.Select(l => l.CkaFinetuned), again.Layers.Select(l => l.CkaFinetuned));
    }

    [Fact]
    public void TheDemoCommandPrintsWhereTheResultsAre()
    {
        using var dir = new TestData.TempDir();
        var (code, stdout, stderr) = TestData.Cli("demo", "--out", dir.Path, "--images", "64", "--pretrain-epochs", "1",
            "--finetune-epochs", "1", "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains(Path.Combine(dir.Path, "summary.json"), stdout);
        Assert.Contains("pre_logits", stdout);
    }
}
