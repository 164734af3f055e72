using Invariscope.Checkpoints;
using Invariscope.Formats;
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
        new Trainer(config, new RunFolder(dir), CPU).Run(resume, cancel);

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
        var run = new RunFolder(dir.Path);
        Assert.Equal([0, 1, 2, 3], run.CompleteEpochs());
        Assert.Equal([1, 2, 3], metrics.Select(m => m.Epoch));
        Assert.All(metrics, m => Assert.True(double.IsFinite(m.TrainLoss) && double.IsFinite(m.ValLoss)));
        Assert.True(File.Exists(run.ConfigPath));
        Assert.Equal(4, File.ReadAllLines(run.MetricsCsv).Length);
        var side = run.ReadSidecar(2);
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
        var trainer = new Trainer(Tiny, new RunFolder(killed.Path), CPU, onStep: _ => { if (++steps == 5) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Run(false, cancel.Token));
        Assert.Equal([0, 1], new RunFolder(killed.Path).CompleteEpochs()); // 3 steps per epoch: killed in epoch 2
        Assert.Null(new RunFolder(killed.Path).FinalEpoch()); // not finished
        var metrics = Train(Tiny, killed.Path, resume: true);
        Assert.Equal([1, 2, 3], metrics.Select(m => m.Epoch));

        var a = Weights(new RunFolder(whole.Path).Weights(3));
        var b = Weights(new RunFolder(killed.Path).Weights(3));
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
        var after = Weights(new RunFolder(dir.File("run")).Weights(2));
        foreach (var (k, t) in after)
        {
            if (k.StartsWith("head.")) Assert.Equal(6, t.shape[0]); // a new head for the 6 shape classes
            else Assert.True(TestData.MaxAbsDiff(t, start[k]) == 0, $"{k} changed during linear probing");
        }
        var epoch0 = Weights(new RunFolder(dir.File("run")).Weights(0));
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
        var run = new RunFolder(dir.File("hpft"));
        Assert.True(File.Exists(run.EnergyJson));
        // The run is marked finished at the epoch it wrote (3), not at its plan's last (5); the mark is written last.
        Assert.Equal(3, run.FinalEpoch());
        Assert.True(File.GetLastWriteTimeUtc(run.DonePath) >= File.GetLastWriteTimeUtc(run.Sidecar(3)));
        // A finished run without the mark (written before it existed) gets it back on resume, and trains nothing.
        var weights = File.GetLastWriteTimeUtc(run.Weights(3));
        File.Delete(run.DonePath);
        Assert.Null(run.FinalEpoch());
        Assert.Equal([1, 2, 3], Train(Tiny with { Strategy = "hp-ft", Init = init, HpEpochs = 3, HpTargetAcc = 0.01, Epochs = 2 }, run.Root, resume: true).Select(m => m.Epoch));
        Assert.Equal(3, run.FinalEpoch());
        Assert.Equal(weights, File.GetLastWriteTimeUtc(run.Weights(3)));
        Assert.Equal([0, 1, 2, 3], run.CompleteEpochs());
    }

    [Fact]
    public void FrozenPatternsStayFixed()
    {
        using var dir = new TestData.TempDir();
        Train(Tiny with { Strategy = "ft", Init = Pretrained(dir), Epochs = 1, Freeze = ["blocks.0.*", "pos_embed"] }, dir.File("run"));
        var start = Weights(new RunFolder(dir.File("run")).Weights(0));
        var after = Weights(new RunFolder(dir.File("run")).Weights(1));
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
        var run = new RunFolder(dir.Path);
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
        var run = new RunFolder(whole.Path);
        using (var f = Safetensors.Open(run.Weights(2))) Assert.Equal("BF16", f.Info("blocks.0.attn.qkv.weight").DType);
        using (var o = Safetensors.Open(run.OptimizerState(2))) Assert.Equal("F32", o.Info("blocks.0.attn.qkv.weight/master").DType);
        using (var m = VitCheckpoint.Load(run.Weights(2))) Assert.Equal(ScalarType.Float32, m.parameters().First().dtype); // analysis runs in fp32

        using var cancel = new CancellationTokenSource();
        int steps = 0;
        var trainer = new Trainer(amp, new RunFolder(killed.Path), CPU, onStep: _ => { if (++steps == 4) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Run(false, cancel.Token));
        Train(amp, killed.Path, resume: true);
        var a = Weights(run.Weights(2));
        var b = Weights(new RunFolder(killed.Path).Weights(2));
        foreach (var (k, t) in a) Assert.True(TestData.MaxAbsDiff(t, b[k]) == 0, k);
    }

    [Fact]
    public void ANaNLossStopsWithTheEpochAndStepAndKeepsTheLastGoodCheckpoint()
    {
        using var dir = new TestData.TempDir();
        var e = Assert.Throws<InvariscopeException>(() => Train(Tiny with { Lr = 1e30, Optimizer = "sgd", WeightDecay = 0 }, dir.Path));
        Assert.Matches(@"epoch \d+, step \d+: the loss is (NaN|-?∞|-?Infinity)", e.Message);
        var run = new RunFolder(dir.Path);
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
        Assert.Contains("different config", changed.Message);
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
}
