using System.Diagnostics;
using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Study;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Runtime;

/// <summary>One writer per folder: every stage that writes a folder holds its lock, and a second writer is refused in one line.</summary>
public class WritersTests
{
    static readonly TrainConfig Tiny = new()
    {
        Data = "synthetic:shapes?size=16&n=64&seed=3", Epochs = 1, BatchSize = 32, Lr = 2e-3, Seed = 1, Device = "cpu",
    };

    static void Refused(string folder, Action write)
    {
        var e = Assert.Throws<InvariscopeException>(write);
        Assert.Contains(Path.GetFullPath(folder), e.Message);
        Assert.Contains($"process {Environment.ProcessId}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Training_robustness_and_analysis_refuse_a_folder_another_writer_holds()
    {
        using var dir = new TestData.TempDir();
        var run = new RunLayout(dir.File("run"));
        using (FolderLock.Acquire(run.Root))
            Refused(run.Root, () => new Trainer(Tiny, run, CPU).Run());
        Assert.False(run.Exists); // the refused writer wrote nothing
        new Trainer(Tiny, run, CPU).Run(); // released: the same command runs

        var robustness = new RobustnessSettings { Data = "synthetic:shapes?size=16&n=20&seed=8", Corruptions = "none", BatchSize = 16 };
        using (FolderLock.Acquire(run.Robustness.Root))
            Refused(run.Robustness.Root, () => RunRobustness.Run(run, robustness, CPU));
        Assert.False(File.Exists(run.Robustness.Epoch(0)));
        Assert.Equal(2, RunRobustness.Run(run, robustness, CPU).Count);

        var analysis = new AnalysisSettings
        {
            Pretrained = run.Weights(0), Finetuned = run.Root, Data = "synthetic:shapes?size=16&n=20&seed=8", Samples = 8, Seeds = 1,
            Steps = 2, Metrics = [MetricNames.CkaDivergence],
        };
        var folder = new AnalysisLayout(dir.File("analysis"));
        using (FolderLock.Acquire(folder.Root))
            Refused(folder.Root, () => new InvarianceAnalysis(analysis, folder, CPU).Run());
        Assert.False(File.Exists(folder.SettingsPath));
    }

    [Fact]
    public void A_study_and_its_cells_exclude_each_other_and_one_cell_never_runs_twice_at_once()
    {
        using var dir = new TestData.TempDir();
        var config = Demo.Config(Invariscope.Tests.Study.DemoTests.Tiny(dir.Path));
        var runner = new StudyRunner(config, dir.File("s"), CPU, new StudyCallbacks(_ => { }));
        // a cell of this study is running in another process: its shared lock keeps a whole-study run out ...
        using (FolderLock.Acquire(runner.Root, shared: true))
        {
            Refused(runner.Root, () => runner.Run());
            using var another = FolderLock.Acquire(runner.Root, shared: true); // ... but not another cell
        }
        // a whole-study run keeps cells out
        using (FolderLock.Acquire(runner.Root))
            Refused(runner.Root, () => runner.RunCell("train/pretrain"));
        // the same cell, already running elsewhere
        var layout = new StudyLayout(runner.Root);
        using (FolderLock.Acquire(layout.CellLocks, Invariscope.Study.Cells.CellIds.LockName("train/pretrain")))
            Refused(layout.CellLocks, () => runner.RunCell("train/pretrain"));
        Assert.False(layout.Pretrain.Exists);
    }

    [Fact]
    public void A_second_train_process_on_a_run_is_one_line_naming_the_holder()
    {
        using var dir = new TestData.TempDir();
        var run = new RunLayout(dir.File("run"));
        new Trainer(Tiny, run, CPU).Run();
        // another process holds the run (flock(1) takes the same lock a train process does)
        var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", Path.Combine(run.Root, FolderLock.FileName), "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            for (int i = 0; i < 200 && !Held(run.Root); i++) Thread.Sleep(25);
            File.WriteAllText(dir.File("c.json"), Tiny.ToJson());
            var (code, _, stderr) = TestData.Cli("train", "--config", dir.File("c.json"), "--resume", "--out", run.Root, "--device", "cpu");
            Assert.Equal(1, code);
            Assert.True(stderr.Contains($"{run.Root}: in use"), stderr);
            Assert.Single(stderr.Trim().Split('\n'));
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
    }

    static bool Held(string folder)
    {
        try { FolderLock.Acquire(folder).Dispose(); return false; }
        catch (InvariscopeException) { return true; }
    }
}
