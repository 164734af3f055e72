using Invariscope.Analysis;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

/// <summary>A pretrain (task A) → finetune (task B) run made once for the analysis tests.</summary>
public sealed class FinetuneRunFixture : IDisposable
{
    public TestData.TempDir Dir { get; } = new();
    public string Pretrained { get; }
    public string Run => Dir.File("ft");

    public FinetuneRunFixture()
    {
        _ = TestData.Fixture("");
        var a = new TrainConfig { Data = "synthetic:shapes?size=16&n=384&seed=1", Epochs = 3, BatchSize = 64, Seed = 0, Device = "cpu", Lr = 2e-3 };
        new Trainer(a, new RunLayout(Dir.File("pre")), CPU).Run();
        Pretrained = new RunLayout(Dir.File("pre")).Weights(3);
        var b = a with { Data = "synthetic:texture?size=16&n=256&seed=2", Strategy = "ft", Init = Pretrained, Epochs = 2 };
        new Trainer(b, new RunLayout(Run), CPU).Run();
    }

    public void Dispose() => Dir.Dispose();
}

public class InvarianceAnalysisTests(FinetuneRunFixture fx) : IClassFixture<FinetuneRunFixture>
{
    AnalysisSettings Settings(string finetuned) => new()
    {
        Pretrained = fx.Pretrained, Finetuned = finetuned, Data = "synthetic:texture?size=16&n=64&seed=7",
        Samples = 24, Seeds = 2, Steps = 40, Layers = "all",
    };

    [Fact]
    public void AnalysesEveryEpochOfARunAndWritesTheResultFiles()
    {
        using var outDir = new TestData.TempDir();
        var log = new List<string>();
        var r = new InvarianceAnalysis(Settings(fx.Run), new AnalysisLayout(outDir.Path), CPU, log.Add).Run();
        Assert.Equal(["block0", "block1", "block2", "block3", "pre_logits"], r.Layers);
        Assert.Equal([0, 1, 2], r.Checkpoints.Select(c => c.Epoch ?? -1));
        foreach (var c in r.Checkpoints)
        {
            foreach (var m in new[] { "forgetting", "learning", "cka_divergence", "stir_f_given_p", "stir_p_given_f" })
                Assert.Equal(5, c.PerLayer[m].Mean.Length);
            Assert.Equal(2, c.PerLayer["forgetting"].Seeds);
            for (int i = 0; i < 5; i++) Assert.Equal(0, c.FlowMean![i][i]);
            Assert.NotNull(c.FlowSummary);
            Assert.Contains(c.Aggregates["forgetting"], a => a.Range == "all");
        }
        // Forgetting of layer l is 1 − the diagonal of the STIR matrix the flow is built from.
        var final = r.Checkpoints[^1];
        for (int l = 0; l < 5; l++)
            Assert.Equal(1 - final.PerLayer["stir_f_given_p"].Mean[l], final.PerLayer["forgetting"].Mean[l], 12);
        foreach (var f in new[] { "results.json", "per_layer.csv", "flow.csv", "aggregates.csv", "inversions.csv" })
            Assert.True(File.Exists(Path.Combine(outDir.Path, f)), f);
        // Inversions on p are shared: one cached file per seed for all three checkpoints.
        Assert.Equal(2, Directory.GetFiles(Path.Combine(outDir.Path, "cache")).Length);
        Assert.Contains(r.Inversions, d => d.Model == "pretrained" && d.Layer == "pre_logits");
        Assert.Contains(r.Inversions, d => d.Model == "epoch_002");
    }

    [Fact]
    public void FinishedCellsAreNotRecomputedOnResume()
    {
        using var outDir = new TestData.TempDir();
        var settings = Settings(new RunLayout(fx.Run).Weights(2)) with { Seeds = 1, Metrics = [MetricNames.Forgetting, MetricNames.CkaDivergence] };
        var first = new InvarianceAnalysis(settings, new AnalysisLayout(outDir.Path), CPU).Run();
        var cell = new AnalysisLayout(outDir.Path).Cell("epoch_002", 0);
        var stamp = File.GetLastWriteTimeUtc(cell);
        var log = new List<string>();
        var again = new InvarianceAnalysis(settings, new AnalysisLayout(outDir.Path), CPU, log.Add).Run();
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(cell));
        Assert.Contains(log, l => l.Contains("resuming"));
        Assert.DoesNotContain(log, l => l.Contains("seed 0"));
        Assert.Equal(first.Checkpoints[0].PerLayer["forgetting"].Mean, again.Checkpoints[0].PerLayer["forgetting"].Mean);
        var saved = File.ReadAllText(new AnalysisLayout(outDir.Path).SettingsPath);
        var other = Assert.Throws<InvariscopeException>(() =>
            new InvarianceAnalysis(settings with { Steps = 41 }, new AnalysisLayout(outDir.Path), CPU).Run());
        Assert.Equal($"{outDir.Path}: holds an analysis with other settings (steps: 40 saved, 41 now); use another --out or the same settings", other.Message);
        Assert.Equal(saved, File.ReadAllText(new AnalysisLayout(outDir.Path).SettingsPath));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(cell));
    }

    [Theory]
    [InlineData("synthetic:texture?size=16&n=64&sed=7", "sed")]
    [InlineData("synthetic:texture?size=16&n=8&seed=7", "more than the 8 images")]
    public void ProbeDataThatDoesNotOpenLeavesNoFolderAndTheCorrectedAnalysisRuns(string data, string mentioned)
    {
        using var outDir = new TestData.TempDir();
        var layout = new AnalysisLayout(outDir.File("an"));
        var settings = Settings(new RunLayout(fx.Run).Weights(2)) with { Seeds = 1, Metrics = [MetricNames.CkaDivergence] };
        var e = Assert.Throws<InvariscopeException>(() => new InvarianceAnalysis(settings with { Data = data }, layout, CPU).Run());
        Assert.Contains(mentioned, e.Message);
        Assert.False(Directory.Exists(layout.Root));
        var r = new InvarianceAnalysis(settings, layout, CPU).Run();
        Assert.Equal(["cka_divergence"], r.Checkpoints[0].PerLayer.Keys);
    }

    [Fact]
    public void AModelAgainstItselfHasNoLearningForgettingOrCkaDivergence()
    {
        using var outDir = new TestData.TempDir();
        var settings = Settings(fx.Pretrained) with { Seeds = 1, Steps = 150, Samples = 32 };
        var r = new InvarianceAnalysis(settings, new AnalysisLayout(outDir.Path), CPU).Run();
        var c = r.Checkpoints[0];
        // Measured (150 steps): forgetting = learning ≤ 0.014, |flow| ≤ 0.0082, in default and MKL_CBWR=COMPATIBLE kernels;
        // the -1e-9 floors hold exactly (CKA in float64 ≤ 1; a model against itself gives identical representations).
        Assert.All(c.PerLayer["forgetting"].Mean, v => Assert.InRange(v, -1e-9, 0.05));
        Assert.All(c.PerLayer["learning"].Mean, v => Assert.InRange(v, -1e-9, 0.05));
        Assert.All(c.PerLayer["cka_divergence"].Mean, v => Assert.InRange(v, -1e-9, 1e-9));
        // Matching layer i also matches every later layer j (a function of layer i): no flow above the diagonal.
        for (int i = 0; i < 5; i++)
            for (int j = i; j < 5; j++)
                Assert.InRange(c.FlowMean![i][j], -0.05, 0.05);
    }

    [Fact]
    public void BadInputIsOneLineNamingIt()
    {
        using var outDir = new TestData.TempDir();
        Assert.Contains("/nope.safetensors", Assert.Throws<InvariscopeException>(() =>
            new InvarianceAnalysis(Settings(fx.Run) with { Pretrained = "/nope.safetensors" }, new AnalysisLayout(outDir.Path), CPU).Run()).Message);
        Assert.Contains("'stirr'", Assert.Throws<InvariscopeException>(() =>
            new InvarianceAnalysis(Settings(fx.Run) with { Metrics = ["stirr"] }, new AnalysisLayout(outDir.Path), CPU).Run()).Message);
        var tooMany = Assert.Throws<InvariscopeException>(() =>
            new InvarianceAnalysis(Settings(fx.Run) with { Samples = 1000 }, new AnalysisLayout(outDir.Path), CPU).Run());
        Assert.Contains("samples 1000: more than the", tooMany.Message);
        Assert.Equal("samples", tooMany.Field);
        var (code, _, stderr) = TestData.Cli("analyze", "--pretrained", fx.Pretrained, "--finetuned", "/nope/run", "--data", "synthetic:shapes",
            "--out", outDir.File("o"), "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("finetuned /nope/run: no such checkpoint or run folder (set with --finetuned)", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
