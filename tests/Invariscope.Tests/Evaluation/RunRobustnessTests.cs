using Invariscope.Data;
using Invariscope.Evaluation;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Evaluation;

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

    static RunLayout TrainedRun(TestData.TempDir dir)
    {
        var config = new TrainConfig { Data = "synthetic:shapes?size=16&n=96&seed=3", Epochs = 2, BatchSize = 32, Lr = 2e-3, Seed = 1, Device = "cpu" };
        var run = new RunLayout(dir.File("run"));
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

        var csv = File.ReadAllLines(run.Robustness.Csv);
        Assert.Equal("setting,seed,epoch,clean_acc,ood_acc,mean_corrupted_acc,severity1_acc,severity5_acc,clean_loss,mean_corrupted_loss", csv[0]);
        Assert.Equal(4, csv.Length);
        // a run outside a study has no setting; its seed is its config's
        Assert.All(csv.Skip(1), line => Assert.StartsWith($",{RunFiles.ReadConfig(run)!.Seed},", line));

        var stamp = File.GetLastWriteTimeUtc(run.Robustness.Epoch(1));
        File.Delete(run.Robustness.Epoch(2));         // as if killed during the last epoch
        var again = RunRobustness.Run(run, Settings, CPU);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(run.Robustness.Epoch(1)));
        Assert.Equal(rows.Select(r => r.MeanCorruptedAccuracy), again.Select(r => r.MeanCorruptedAccuracy));
    }

    [Fact]
    public void Other_settings_on_an_evaluated_run_and_bad_settings_are_one_line_errors()
    {
        using var dir = new TestData.TempDir();
        var run = TrainedRun(dir);
        RunRobustness.Run(run, Settings with { Corruptions = "none", OodData = null }, CPU);
        var e = Assert.Throws<InvariscopeException>(() => RunRobustness.Run(run, Settings with { Corruptions = "none", OodData = null, Limit = 20 }, CPU));
        Assert.StartsWith($"{run.Robustness.Root}: holds a robustness evaluation with other settings (limit: ", e.Message);
        Assert.Contains("saved, 20 now", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("limit must be positive", Assert.Throws<InvariscopeException>(() => (Settings with { Limit = 0 }).Validate()).Message);
        Assert.Contains("'data'", Assert.Throws<InvariscopeException>(() => (Settings with { Data = "" }).Validate()).Message);
        Assert.Contains("unknown corruption", Assert.Throws<InvariscopeException>(() => (Settings with { Corruptions = "smog" }).Validate()).Message);
    }

    [Fact]
    public void One_epoch_is_the_unit_the_whole_run_is_made_of()
    {
        using var dir = new TestData.TempDir();
        var run = TrainedRun(dir);
        var settings = Settings with { Severities = "3" };
        var one = RunRobustness.RunEpoch(run, settings, 1, CPU);
        Assert.Equal(1, one.Epoch);
        Assert.Equal([run.Robustness.Epoch(1)], run.Robustness.EpochFiles());
        Assert.Equal(Json.Serialize(one), File.ReadAllText(run.Robustness.Epoch(1)));
        var stamp = File.GetLastWriteTimeUtc(run.Robustness.Epoch(1));

        var all = RunRobustness.Run(run, settings, CPU);                  // epochs 0 and 2 now; epoch 1 is read back
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(run.Robustness.Epoch(1)));
        Assert.Equal(Json.Serialize(one), Json.Serialize(all[1]));
        // an epoch on its own test sets scores what it scores on the sets shared by every epoch
        File.Delete(run.Robustness.Epoch(2));
        Assert.Equal(Json.Serialize(all[2]), Json.Serialize(RunRobustness.RunEpoch(run, settings, 2, CPU)));
        Assert.Equal(Json.Serialize(all[2]), Json.Serialize(RunRobustness.RunEpoch(run, settings, 2, CPU))); // done: read back

        var e = Assert.Throws<InvariscopeException>(() => RunRobustness.RunEpoch(run, settings, 7, CPU));
        Assert.Contains("epoch 7 has no complete checkpoint", e.Message);
    }

    [Theory]
    [InlineData("synthetic:shapez?size=16&n=60", null, "shapez")]
    [InlineData("synthetic:shapes?size=16&n=60&seed=8", "synthetic:shapes?size=16&n=3x0", "3x0")]
    public void A_data_spec_that_does_not_open_writes_nothing_and_the_corrected_one_runs(string data, string? ood, string mentioned)
    {
        using var dir = new TestData.TempDir();
        var run = TrainedRun(dir);
        var bad = Settings with { Data = data, OodData = ood, Corruptions = "none" };
        var e = Assert.Throws<InvariscopeException>(() => RunRobustness.Run(run, bad, CPU));
        Assert.Contains(mentioned, e.Message);
        Assert.False(Directory.Exists(run.Robustness.Root));
        Assert.Throws<InvariscopeException>(() => RunRobustness.RunEpoch(run, bad, 1, CPU));
        Assert.False(Directory.Exists(run.Robustness.Root));
        Assert.Equal([0, 1, 2], RunRobustness.Run(run, Settings with { Corruptions = "none" }, CPU).Select(r => r.Epoch));
    }

    [Fact]
    public void A_run_without_checkpoints_is_refused_before_anything_is_written()
    {
        using var dir = new TestData.TempDir();
        var run = new RunLayout(dir.File("empty"));
        Assert.Contains("no complete epoch", Assert.Throws<InvariscopeException>(() => RunRobustness.Run(run, Settings, CPU)).Message);
        Assert.False(Directory.Exists(run.Root));
    }
}
