using Invariscope.Layout;
using Invariscope.Study.Slurm;

namespace Invariscope.Tests.Study.Slurm;

/// <summary>
/// A study through a real Slurm (see <see cref="SlurmCluster"/>): the same result files as the local executor, a
/// cancelled task resubmitted, a task stopped and requeued mid-cell, a failed cell with its log and its dependants.
/// Tasks get one CPU each, so two run at once on a 2-core machine.
/// </summary>
[Collection("slurm")]
public class SlurmExecutorTests(SlurmCluster cluster)
{
    /// <summary>Pretraining, a finetuned and a scratch run, their robustness and analyses: 27 cells in 11 arrays (configs/study-tiny.json).</summary>
    internal static readonly string Tiny = File.ReadAllText(TestData.RepoFile(Path.Combine("configs", "study-tiny.json")));

    /// <summary>The pretrained start and one finetuned run: 15 cells.</summary>
    const string Small = """
    {
      "name": "small study on slurm",
      "train": { "model": "vit_micro_patch8_32", "data": "synthetic:texture?size=32&n=96&seed=1", "val_fraction": 0.25, "epochs": 2, "batch_size": 32, "lr": 0.001, "seed": 0 },
      "pretrain": { "strategy": "scratch", "data": "synthetic:objects?size=32&n=96&seed=2", "epochs": 1 },
      "settings": [ { "name": "ft", "train": { "strategy": "ft", "init": "@pretrain" } } ],
      "analysis": { "samples": 8, "seeds": 2, "steps": 4, "intervals": false, "learning_epochs": "all" },
      "robustness": { "data": "synthetic:texture?size=32&n=40&seed=3", "corruptions": "gaussian_noise", "severities": "1-2", "limit": 12 },
      "statistics": { "permutations": 199 }
    }
    """;

    /// <summary>One scratch run long enough (12 epochs of 1,200 images) to be caught between its checkpoints.</summary>
    const string Long = """
    {
      "name": "long training on slurm",
      "train": { "model": "vit_micro_patch8_32", "data": "synthetic:texture?size=32&n=1200&seed=1", "val_fraction": 0.1, "epochs": 12, "batch_size": 64, "lr": 0.001, "seed": 0 },
      "settings": [ { "name": "scratch", "train": { "strategy": "scratch" } } ],
      "analysis": { "samples": 8, "seeds": 1, "steps": 4, "intervals": false, "learning_epochs": "final" },
      "robustness": { "data": "synthetic:texture?size=32&n=40&seed=3", "corruptions": "gaussian_noise", "severities": "1", "limit": 12 },
      "statistics": { "permutations": 199 }
    }
    """;

    static readonly Dictionary<string, string?> NoFault = new() { [FaultEnv] = null, [WhereEnv] = null, [ActionEnv] = null };
    const string FaultEnv = Invariscope.Runtime.FaultPoints.FaultEnv, WhereEnv = Invariscope.Runtime.FaultPoints.WhereEnv, ActionEnv = Invariscope.Runtime.FaultPoints.ActionEnv;

    static (string config, string root) Write(TestData.TempDir dir, string json)
    {
        var config = dir.File("config.json");
        File.WriteAllText(config, json);
        return (config, dir.File("study"));
    }

    static string Submit(IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        var (code, output) = TestData.ChildCli(env, args);
        Assert.True(code == 0, output);
        return output;
    }

    static string Log(string? path) => path is not null && File.Exists(path) ? File.ReadAllText(path) : "";

    [SlurmFact]
    public void A_reduced_study_through_slurm_writes_the_same_result_files_as_the_local_executor()
    {
        using var dir = new TestData.TempDir();
        var (config, root) = Write(dir, Tiny);
        var output = Submit(NoFault, "study", config, "--executor", "slurm", "--out", root, "--device", "cpu");
        Assert.Contains("27 cells: 0 done, 0 queued or running, 27 to submit in 11 job arrays", output);
        Assert.Contains("submitted analysis+ft: job ", output);

        var states = SlurmCluster.WaitIdle(root);
        Assert.All(states, s => Assert.True(s.Value.state == "done", $"{s.Key}: {s.Value}"));
        ResultFiles.AssertSame(cluster.Baseline(Tiny), root, "slurm", "logs");

        // one job per training run, one array per run's robustness and analysis and per start's inversions, then statistics and report
        var layout = new StudyLayout(root);
        var submission = Assert.Single(SlurmJobs.Read(layout).Submissions);
        Assert.Equal(["train+pretrain", "train+ft", "train+scratch", "robustness+ft", "robustness+scratch", "inversion+pretrain", "inversion+scratch",
            "analysis+ft", "analysis+scratch", "statistics", "report"], submission.Arrays.Select(a => a.Name));
        var jobOf = submission.Arrays.ToDictionary(a => a.Name, a => a.Job);
        Assert.Equal($"afterok:{jobOf["train+ft"]}:{jobOf["inversion+pretrain"]}", submission.Arrays.Single(a => a.Name == "analysis+ft").Dependency);
        // every task logged into logs/JOB_TASK.out, naming its cell
        foreach (var array in submission.Arrays)
            for (int i = 0; i < array.Cells.Count; i++)
                Assert.Contains($"{array.Cells[i]}: job {array.Job}_{i}", File.ReadAllText(layout.TaskLog(array.Job, i)));

        // submitting again finds every cell done
        Assert.Contains("nothing to submit", Submit(NoFault, "study", "resubmit", root));
        Assert.Contains("27 cells: 27 done", TestData.Cli("study", "status", root).stdout);
    }

    [SlurmFact]
    public void An_analysis_task_cancelled_mid_run_is_completed_by_resubmit_with_the_same_results()
    {
        using var dir = new TestData.TempDir();
        var (config, root) = Write(dir, Small);
        const string target = "analysis/ft/epoch_001/s1";
        // that cell's task blocks at its write, so it is caught running
        var hang = new Dictionary<string, string?> { [FaultEnv] = "write:epoch_N_sN.json", [WhereEnv] = "/ft/analysis/cells/epoch_001_s1.json", [ActionEnv] = "hang" };
        Submit(hang, "study", config, "--executor", "slurm", "--out", root, "--device", "cpu");
        string? task = null, log = null;
        SlurmCluster.Await(() =>
        {
            var s = SlurmCluster.Status(root)[target];
            (task, log) = (s.task, s.log);
            return s.state == "running" && Log(log).Contains("hangs at write:epoch_N_sN.json");
        }, $"{target} to run and block");
        var (code, output) = SlurmCluster.Run("scancel", task!);
        Assert.True(code == 0, output);

        var states = SlurmCluster.WaitIdle(root);
        Assert.Equal("failed", states[target].state);
        Assert.StartsWith("CANCELLED", states[target].detail);
        Assert.Equal(task, states[target].task);
        Assert.Equal(["statistics", "report"], states.Where(s => s.Value.state == "blocked").Select(s => s.Key));
        Assert.Equal(15 - 3, states.Count(s => s.Value.state == "done"));
        Assert.False(File.Exists(new StudyLayout(root).StatisticsPath));

        var again = Submit(NoFault, "study", "resubmit", root);
        Assert.Contains("15 cells: 12 done, 0 queued or running, 3 to submit in 3 job arrays", again);
        Assert.All(SlurmCluster.WaitIdle(root), s => Assert.True(s.Value.state == "done", $"{s.Key}: {s.Value}"));
        ResultFiles.AssertSame(cluster.Baseline(Small), root, "slurm", "logs");
    }

    [SlurmFact]
    public void A_training_task_stopped_by_the_time_limit_signal_or_killed_and_requeued_resumes_to_the_same_run()
    {
        using var dir = new TestData.TempDir();
        var (config, root) = Write(dir, Long);
        Submit(NoFault, "study", config, "--executor", "slurm", "--out", root, "--device", "cpu");
        var run = new RunLayout(Path.Combine(root, "scratch"));
        var layout = new StudyLayout(root);
        var train = SlurmJobs.Read(layout).Submissions[0].Arrays.Single(a => a.Name == "train+scratch");
        string task = $"{train.Job}_0", log = layout.TaskLog(train.Job, 0);

        // 1. the signal Slurm sends before the time limit (--signal=B:USR1@S goes to the batch shell, which is the CLI):
        //    the task stops at its next step, requeues itself, and its second run resumes after its last complete epoch
        SlurmCluster.Await(() => run.CompleteEpochs().Contains(2), "epoch 2 of training");
        var (code, output) = SlurmCluster.Run("scancel", "--batch", "--signal=USR1", task);
        Assert.True(code == 0, output);
        SlurmCluster.Await(() => Log(log).Contains("restart 1"), "the requeued task to start again");
        Assert.Contains("the time limit is near; stopped at a safe point, requeueing job " + task, Log(log));

        // 2. a task killed outright (its node died, or the job was requeued by hand) runs again from the start of the cell
        SlurmCluster.Await(() => run.CompleteEpochs().Count >= 2 + 3 && Log(log).Contains("resuming after epoch"), "three more epochs");
        (code, output) = SlurmCluster.Run("scontrol", "requeue", task);
        Assert.True(code == 0, output);
        SlurmCluster.Await(() => Log(log).Contains("restart 2"), "the killed task to start again");

        Assert.All(SlurmCluster.WaitIdle(root), s => Assert.True(s.Value.state == "done", $"{s.Key}: {s.Value}"));
        var text = Log(log);
        Assert.Equal(2, text.Split("resuming after epoch").Length - 1); // both reruns resumed, neither started over
        Assert.DoesNotContain("resuming after epoch 0,", text);
        ResultFiles.AssertSame(cluster.Baseline(Long), root, "slurm", "logs");
    }

    [SlurmFact]
    public void A_failed_cell_shows_in_status_with_its_log_and_its_dependants_do_not_run()
    {
        using var dir = new TestData.TempDir();
        var (config, root) = Write(dir, Small);
        const string target = "robustness/ft/epoch_001";
        var kill = new Dictionary<string, string?> { [FaultEnv] = "write:epoch_N.json", [WhereEnv] = "/ft/robustness/epoch_001.json" };
        Submit(kill, "study", config, "--executor", "slurm", "--out", root, "--device", "cpu");

        var states = SlurmCluster.WaitIdle(root);
        var failed = states[target];
        Assert.Equal("failed", failed.state);
        Assert.StartsWith("FAILED", failed.detail);
        Assert.Contains("killed at write:epoch_N.json", Log(failed.log));
        Assert.Equal(["statistics", "report"], states.Where(s => s.Value.state == "blocked").Select(s => s.Key));
        var layout = new StudyLayout(root);
        Assert.False(File.Exists(layout.StatisticsPath));
        Assert.False(Directory.Exists(layout.ReportDir));
        Assert.Equal(15 - 3, states.Count(s => s.Value.state == "done"));

        // the text a user reads: the failed cell with its log path, what waits for it, what to do
        var (_, text, _) = TestData.Cli("study", "status", root);
        Assert.Contains("15 cells: 12 done, 1 failed, 2 blocked", text);
        Assert.Contains($"failed  {target}  task {failed.task}: FAILED", text);
        Assert.Contains($"log {failed.log}", text);
        Assert.Contains("blocked 2 cells wait for a failed cell (statistics, report)", text);
        Assert.Contains($"invariscope study resubmit {layout.Root}", text);

        Submit(NoFault, "study", "resubmit", root);
        Assert.All(SlurmCluster.WaitIdle(root), s => Assert.True(s.Value.state == "done", $"{s.Key}: {s.Value}"));
        ResultFiles.AssertSame(cluster.Baseline(Small), root, "slurm", "logs");
    }
}
