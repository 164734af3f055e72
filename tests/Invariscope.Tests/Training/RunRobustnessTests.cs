using Invariscope.Data;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Training;

/// <summary>Per-epoch robustness of a run: every checkpoint on clean, OOD and corrupted data, resumable.</summary>
public class RunRobustnessTests
{
    static readonly RobustnessSettings Settings = new()
    {
        Data = "synthetic:shapes?size=16&n=60&seed=8",
        OodData = "synthetic:shapes?size=16&n=30&seed=9&shift=ood",
        Corruptions = "gaussian_noise,contrast",
        Severities = "1,5",
        Limit = 40,
        Seed = 2,
        BatchSize = 16,
    };

    static RunFolder TrainedRun(TestData.TempDir dir)
    {
        var config = new TrainConfig { Data = "synthetic:shapes?size=16&n=96&seed=3", Epochs = 2, BatchSize = 32, Lr = 2e-3, Seed = 1, Device = "cpu" };
        var run = new RunFolder(dir.File("run"));
        new Trainer(config, run, CPU).Run(false, default);
        return run;
    }

    [Fact]
    public void Every_epoch_gets_clean_ood_and_every_cell_and_a_rerun_recomputes_nothing()
    {
        using var dir = new TestData.TempDir();
        var run = TrainedRun(dir);
        var rows = RunRobustness.Run(run, Settings, CPU);

        Assert.Equal([0, 1, 2], rows.Select(r => r.Epoch));
        foreach (var r in rows)
        {
            Assert.Equal(40, r.Clean.N);                      // the limit
            Assert.Equal(30, r.Ood!.N);
            Assert.Equal(4, r.Cells.Count);                   // 2 corruptions x 2 severities
            Assert.All(r.Cells, c => Assert.InRange(c.Accuracy, 0, 1));
            Assert.Equal([1, 5], r.AccuracyBySeverity.Keys);
            Assert.Equal(r.Cells.Where(c => c.Severity == 5).Average(c => c.Accuracy), r.AccuracyBySeverity[5], 12);
            Assert.Equal(r.Cells.Average(c => c.Accuracy), r.MeanCorruptedAccuracy, 12);
        }
        // The clean accuracy is the checkpoint's accuracy on the same seeded subset.
        using (var ckpt = EvaluatedCheckpoint.Load(run.Weights(2)))
        {
            var direct = ckpt.Evaluate(DatasetSpecs.Open(Settings.Data).Limit(40, Settings.Seed), 16, CPU);
            Assert.Equal(direct.Accuracy, rows[2].Clean.Accuracy, 12);
        }
        // Training moves the model, so the three epochs are not one repeated number.
        Assert.True(rows.Select(r => r.Clean.Loss).Distinct().Count() > 1);

        var csv = File.ReadAllLines(Path.Combine(RunRobustness.Folder(run), "robustness.csv"));
        Assert.Equal("epoch,clean_acc,ood_acc,mean_corrupted_acc,severity1_acc,severity5_acc,clean_loss,mean_corrupted_loss", csv[0]);
        Assert.Equal(4, csv.Length);

        var stamp = File.GetLastWriteTimeUtc(RunRobustness.EpochFile(run, 1));
        File.Delete(RunRobustness.EpochFile(run, 2));         // as if killed during the last epoch
        var again = RunRobustness.Run(run, Settings, CPU);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(RunRobustness.EpochFile(run, 1)));
        Assert.Equal(rows.Select(r => r.MeanCorruptedAccuracy), again.Select(r => r.MeanCorruptedAccuracy));
    }

    [Fact]
    public void Other_settings_on_an_evaluated_run_and_bad_settings_are_one_line_errors()
    {
        using var dir = new TestData.TempDir();
        var run = TrainedRun(dir);
        RunRobustness.Run(run, Settings with { Corruptions = "none", OodData = null }, CPU);
        var e = Assert.Throws<InvariscopeException>(() => RunRobustness.Run(run, Settings with { Corruptions = "none", OodData = null, Limit = 20 }, CPU));
        Assert.Contains("settings.json", e.Message);
        Assert.Contains("other robustness settings", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("limit must be positive", Assert.Throws<InvariscopeException>(() => (Settings with { Limit = 0 }).Validate()).Message);
        Assert.Contains("'data'", Assert.Throws<InvariscopeException>(() => (Settings with { Data = "" }).Validate()).Message);
        Assert.Contains("unknown corruption", Assert.Throws<InvariscopeException>(() => (Settings with { Corruptions = "smog" }).Validate()).Message);
    }
}
