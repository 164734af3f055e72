using Invariscope.Checkpoints;
using Invariscope.Formats;
using Invariscope.Layout;
using Invariscope.Models;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Training;

/// <summary>End-to-end training runs on tiny synthetic data (a few seconds each).</summary>
public class TrainerTests
{
    static readonly TrainConfig Tiny = new()
    {
        Data = "synthetic:shapes?size=16&n=96&seed=3",
        Epochs = 3,
        BatchSize = 32,
        ValFraction = 0.25,
        Lr = 2e-3,
        Seed = 11,
        Device = "cpu",
    };

    static IReadOnlyList<EpochMetrics> Train(TrainConfig config, string dir, bool resume = false, CancellationToken cancel = default) =>
        new Trainer(config, new RunLayout(dir), CPU).Run(resume, cancel);

    static Dictionary<string, Tensor> Weights(string path)
    {
        using var f = Safetensors.Open(path);
        return f.LoadAll();
    }

    static string Pretrained(TestData.TempDir dir)
    {
        _ = TestData.Fixture("");
        var path = dir.File("start.safetensors");
        using var m = new VisionTransformer(VitPresets.Get("vit_micro_patch4_16") with { NumClasses = 3 }, seed: 5);
        VitCheckpoint.Save(m, path);
        return path;
    }

    [Fact]
    public void WritesConfigMetricsAndACheckpointPerEpochIncludingTheStart()
    {
        using var dir = new TestData.TempDir();
        var metrics = Train(Tiny, dir.Path);
        var run = new RunLayout(dir.Path);
        Assert.Equal([0, 1, 2, 3], run.CompleteEpochs());
        Assert.Equal([1, 2, 3], metrics.Select(m => m.Epoch));
        Assert.All(metrics, m => Assert.True(double.IsFinite(m.TrainLoss) && double.IsFinite(m.ValLoss)));
        Assert.True(File.Exists(run.ConfigPath));
        Assert.Equal(4, File.ReadAllLines(run.MetricsCsv).Length);
        var side = RunFiles.ReadSidecar(run, 2);
        Assert.Equal(2, (int)side["epoch"]!);
        Assert.Equal(11, (int)side["seed"]!);
        Assert.NotNull(side["versions"]!["torchsharp"]);
        Assert.NotNull(side["metrics"]!["val_acc"]);
        using var m = VitCheckpoint.Load(run.Weights(3)); // our checkpoints carry their architecture
        Assert.Equal(6, m.Config.NumClasses);
    }

    [Fact]
    public void ResumeAfterAKillMidEpochGivesIdenticalWeights()
    {
        using var whole = new TestData.TempDir();
        using var killed = new TestData.TempDir();
        Train(Tiny, whole.Path);

        using var cancel = new CancellationTokenSource();
        int steps = 0;
        var trainer = new Trainer(Tiny, new RunLayout(killed.Path), CPU, onStep: _ => { if (++steps == 5) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Run(false, cancel.Token));
        Assert.Equal([0, 1], new RunLayout(killed.Path).CompleteEpochs()); // 3 steps per epoch: killed in epoch 2
        Assert.Null(RunFiles.FinalEpoch(new RunLayout(killed.Path))); // not finished
        var metrics = Train(Tiny, killed.Path, resume: true);
        Assert.Equal([1, 2, 3], metrics.Select(m => m.Epoch));

        var a = Weights(new RunLayout(whole.Path).Weights(3));
        var b = Weights(new RunLayout(killed.Path).Weights(3));
        // Exact: both runs do the same ops on the same batch shapes in one process, so the kernels and sums are the same.
        foreach (var (k, t) in a) Assert.True(TestData.MaxAbsDiff(t, b[k]) == 0, k);
    }

    [Fact]
    public void LinearProbingChangesNoWeightOutsideTheHead()
    {
        using var dir = new TestData.TempDir();
        var config = Tiny with { Strategy = "lp", Init = Pretrained(dir), Epochs = 2 };
        Train(config, dir.File("run"));
        var start = Weights(dir.File("start.safetensors"));
        var after = Weights(new RunLayout(dir.File("run")).Weights(2));
        foreach (var (k, t) in after)
        {
            if (k.StartsWith("head.")) Assert.Equal(6, t.shape[0]); // a new head for the 6 shape classes
            else Assert.True(TestData.MaxAbsDiff(t, start[k]) == 0, $"{k} changed during linear probing");
        }
        var epoch0 = Weights(new RunLayout(dir.File("run")).Weights(0));
        Assert.True(TestData.MaxAbsDiff(after["head.weight"], epoch0["head.weight"]) > 0, "the head should train");
    }

    [Fact]
    public void LpFtAndHpFtRunTheirPhasesAndRecordTheEnergy()
    {
        using var dir = new TestData.TempDir();
        var init = Pretrained(dir);
        var lpft = Train(Tiny with { Strategy = "lp-ft", Init = init, LpEpochs = 2, Epochs = 1 }, dir.File("lpft"));
        Assert.Equal(["lp", "lp", "ft"], lpft.Select(m => m.Phase));
        // A reachable target stops head probing after its first epoch.
        var hpft = Train(Tiny with { Strategy = "hp-ft", Init = init, HpEpochs = 3, HpTargetAcc = 0.01, Epochs = 2 }, dir.File("hpft"));
        Assert.Equal(["hp", "ft", "ft"], hpft.Select(m => m.Phase));
        var run = new RunLayout(dir.File("hpft"));
        Assert.True(File.Exists(run.EnergyJson));
        // The run is marked finished at the epoch it wrote (3), not at its plan's last (5); the mark is written last.
        Assert.Equal(3, RunFiles.FinalEpoch(run));
        Assert.True(File.GetLastWriteTimeUtc(run.DonePath) >= File.GetLastWriteTimeUtc(run.Sidecar(3)));
        // A finished run without the mark (written before it existed) gets it back on resume, and trains nothing.
        var weights = File.GetLastWriteTimeUtc(run.Weights(3));
        File.Delete(run.DonePath);
        Assert.Null(RunFiles.FinalEpoch(run));
        Assert.Equal([1, 2, 3], Train(Tiny with { Strategy = "hp-ft", Init = init, HpEpochs = 3, HpTargetAcc = 0.01, Epochs = 2 }, run.Root, resume: true).Select(m => m.Epoch));
        Assert.Equal(3, RunFiles.FinalEpoch(run));
        Assert.Equal(weights, File.GetLastWriteTimeUtc(run.Weights(3)));
        Assert.Equal([0, 1, 2, 3], run.CompleteEpochs());
    }

    [Fact]
    public void FrozenPatternsStayFixed()
    {
        using var dir = new TestData.TempDir();
        Train(Tiny with { Strategy = "ft", Init = Pretrained(dir), Epochs = 1, Freeze = ["blocks.0.*", "pos_embed"] }, dir.File("run"));
        var start = Weights(new RunLayout(dir.File("run")).Weights(0));
        var after = Weights(new RunLayout(dir.File("run")).Weights(1));
        foreach (var (k, t) in after)
        {
            bool frozen = k.StartsWith("blocks.0.") || k == "pos_embed";
            Assert.True(frozen == (TestData.MaxAbsDiff(t, start[k]) == 0), k);
        }
    }

    [Fact]
    public void ReconstructionTrainsADecoderAndSavesIt()
    {
        using var dir = new TestData.TempDir();
        var metrics = Train(Tiny with { Task = "reconstruction", Epochs = 2 }, dir.Path);
        var run = new RunLayout(dir.Path);
        Assert.True(File.Exists(run.DecoderWeights(2)));
        Assert.True(metrics[^1].TrainLoss < metrics[0].TrainLoss, "L1 should fall");
        using var m = VitCheckpoint.Load(run.Weights(2));
        Assert.Equal(0, m.Config.NumClasses);
    }

    [Fact]
    public void MixedPrecisionTrainsInBFloat16WithFp32MastersAndResumesExactly()
    {
        using var whole = new TestData.TempDir();
        using var killed = new TestData.TempDir();
        var amp = Tiny with { Amp = true, Epochs = 2 };
        var metrics = Train(amp, whole.Path);
        Assert.True(metrics[^1].TrainLoss < metrics[0].TrainLoss + 0.05, "bf16 training should not diverge");
        var run = new RunLayout(whole.Path);
        using (var f = Safetensors.Open(run.Weights(2))) Assert.Equal("BF16", f.Info("blocks.0.attn.qkv.weight").DType);
        using (var o = Safetensors.Open(run.OptimizerState(2))) Assert.Equal("F32", o.Info("blocks.0.attn.qkv.weight/master").DType);
        using (var m = VitCheckpoint.Load(run.Weights(2))) Assert.Equal(ScalarType.Float32, m.parameters().First().dtype); // analysis runs in fp32

        using var cancel = new CancellationTokenSource();
        int steps = 0;
        var trainer = new Trainer(amp, new RunLayout(killed.Path), CPU, onStep: _ => { if (++steps == 4) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Run(false, cancel.Token));
        Train(amp, killed.Path, resume: true);
        var a = Weights(run.Weights(2));
        var b = Weights(new RunLayout(killed.Path).Weights(2));
        foreach (var (k, t) in a) Assert.True(TestData.MaxAbsDiff(t, b[k]) == 0, k);
    }

    [Fact]
    public void ANaNLossStopsWithTheEpochAndStepAndKeepsTheLastGoodCheckpoint()
    {
        using var dir = new TestData.TempDir();
        var e = Assert.Throws<InvariscopeException>(() => Train(Tiny with { Lr = 1e30, Optimizer = "sgd", WeightDecay = 0 }, dir.Path));
        Assert.Matches(@"epoch \d+, step \d+: the loss is (NaN|-?∞|-?Infinity)", e.Message);
        var run = new RunLayout(dir.Path);
        Assert.Contains(0, run.CompleteEpochs());
        Assert.Contains(run.Weights(run.CompleteEpochs()[^1]), e.Message);
    }

    [Fact]
    public void AnExistingRunIsNotOverwrittenWithoutResume()
    {
        using var dir = new TestData.TempDir();
        Train(Tiny with { Epochs = 1 }, dir.Path);
        var e = Assert.Throws<InvariscopeException>(() => Train(Tiny with { Epochs = 1 }, dir.Path));
        Assert.Contains("--resume", e.Message);
        var changed = Assert.Throws<InvariscopeException>(() => Train(Tiny with { Epochs = 2 }, dir.Path, resume: true));
        Assert.Contains($"{dir.Path}: holds a run with other settings (train.epochs: 1 saved, 2 now)", changed.Message);
    }

    [Fact]
    public void InputsThatDoNotOpenLeaveNoFolderAndTheCorrectedRunStarts()
    {
        using var dir = new TestData.TempDir();
        var path = dir.File("run");
        var bad = new[]
        {
            (Tiny with { Data = "synthetic:shapes?size=16&n=9x6" }, "9x6"),
            (Tiny with { ValData = "folder:/nope/val" }, "/nope/val"),
            (Tiny with { Strategy = "ft", Init = "/nope/start.safetensors" }, "/nope/start.safetensors"),
        };
        foreach (var (config, mentioned) in bad)
        {
            Assert.Contains(mentioned, Assert.Throws<InvariscopeException>(() => Train(config with { Epochs = 1 }, path)).Message);
            Assert.False(Directory.Exists(path));
        }
        Assert.Single(Train(Tiny with { Epochs = 1 }, path));
    }

    [Fact]
    public void WithoutValidationDataTheValidationMetricsAreNaNAndReadBack()
    {
        using var dir = new TestData.TempDir();
        var rows = Train(Tiny with { Epochs = 1, ValFraction = 0 }, dir.Path);
        Assert.True(double.IsNaN(rows[0].ValLoss));
        var run = new RunLayout(dir.Path);
        Assert.Contains("\"val_loss\": \"NaN\"", File.ReadAllText(run.MetricsJson));
        Assert.True(double.IsNaN(RunFiles.ReadMetrics(run)[0].ValAcc));
        Assert.Equal("NaN", RunFiles.ReadSidecar(run, 1)["metrics"]!["val_acc"]!.GetValue<string>());
    }

    [Fact]
    public void ResumeRebuildsTheMetricsFromTheSidecars()
    {
        // as after a kill between an epoch's sidecar and its metrics (a row missing), and between the metrics of the
        // next epoch and its sidecar (a row too many): the sidecars are the record
        using var dir = new TestData.TempDir();
        var config = Tiny with { Epochs = 2 };
        var rows = Train(config, dir.Path);
        var run = new RunLayout(dir.Path);
        string json = File.ReadAllText(run.MetricsJson), csv = File.ReadAllText(run.MetricsCsv);
        RunFiles.WriteMetrics(run, [rows[0]]);
        Assert.Equal(rows.Select(r => r.ToCsv()), Train(config, dir.Path, resume: true).Select(r => r.ToCsv()));
        Assert.Equal(json, File.ReadAllText(run.MetricsJson));
        Assert.Equal(csv, File.ReadAllText(run.MetricsCsv));
        // a corrupt metrics.json is not an error on resume either: it is rebuilt from the same record
        File.WriteAllText(run.MetricsJson, "{");
        Assert.Equal(rows.Select(r => r.ToCsv()), Train(config, dir.Path, resume: true).Select(r => r.ToCsv()));
        Assert.Equal(json, File.ReadAllText(run.MetricsJson));

        File.Delete(run.Sidecar(2));
        Assert.Equal([rows[0]], RunFiles.RebuildMetrics(run, 2));
        Assert.Equal(2, File.ReadAllLines(run.MetricsCsv).Length);
    }

    [Fact]
    public void ConfigTyposAreErrors()
    {
        var e = Assert.Throws<InvariscopeException>(() => TrainConfig.FromJson("""{"epochs": 2, "lrr": 0.1}""", "exp.json"));
        Assert.Contains("exp.json", e.Message);
        Assert.Contains("lrr", e.Message);
        var f = Assert.Throws<InvariscopeException>(() => Tiny.With("batchsize", "8"));
        Assert.Contains("batchsize", f.Message);
        Assert.Equal(8, Tiny.With("batch_size", "8").BatchSize);
        Assert.Equal("lp", Tiny.With("strategy", "lp").With("init", "x.safetensors").Validate().Strategy);
        Assert.Throws<InvariscopeException>(() => Tiny.With("strategy", "ft").Validate()); // ft needs init
        Assert.Throws<InvariscopeException>(() => Tiny.With("epochs", "many"));
    }

    [Theory]
    [InlineData("lr", "1e400")]
    [InlineData("weight_decay", "1e400")]
    [InlineData("grad_clip", "1e999")]
    [InlineData("probe_lr", "1e400")]
    [InlineData("momentum", "1")]
    public void OverflowingOrOutOfRangeNumbersAreOneLineNamingTheField(string field, string value)
    {
        var e = Assert.Throws<InvariscopeException>(() => Tiny.With(field, value).Validate("exp.json"));
        Assert.StartsWith("exp.json: " + field, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
