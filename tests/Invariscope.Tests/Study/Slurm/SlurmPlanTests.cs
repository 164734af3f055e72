using Invariscope.Runtime;
using Invariscope.Study;
using Invariscope.Study.Cells;
using Invariscope.Study.Slurm;

namespace Invariscope.Tests.Study.Slurm;

/// <summary>What runs without a cluster: the arrays and their dependencies, the job script, Slurm's answers parsed, the CLI's checks.</summary>
public class SlurmPlanTests
{
    static StudyPlan Plan() => StudyPlan.For(StudyConfig.FromJson(SlurmExecutorTests.Tiny, "tiny"));

    [Fact]
    public void Cells_go_to_one_job_per_training_run_and_one_array_per_run_or_start_each_waiting_for_what_it_needs()
    {
        var plan = Plan();
        var arrays = SlurmArrays.For(plan, new HashSet<string>(), new HashSet<string>());
        Assert.Equal(["train+pretrain", "train+ft", "train+scratch", "robustness+ft", "robustness+scratch", "inversion+pretrain", "inversion+scratch",
            "analysis+ft", "analysis+scratch", "statistics", "report"], arrays.Select(a => a.Name));
        Assert.Equal(plan.Cells.Select(c => c.Id).Order(), arrays.SelectMany(a => a.Cells).Order()); // every cell once
        var by = arrays.ToDictionary(a => a.Name);
        Assert.Empty(by["train+pretrain"].After);
        Assert.Equal(["train/pretrain"], by["train+ft"].After);
        Assert.Equal(["train/ft", "inversion/pretrain/s0", "inversion/pretrain/s1"], by["analysis+ft"].After);
        Assert.Equal(6, by["analysis+ft"].Cells.Count); // epochs 0..2 × 2 STIR seeds
        Assert.Equal(["statistics"], by["report"].After);
        // each array comes after every array it waits for
        var seen = new HashSet<string>();
        foreach (var a in arrays)
        {
            Assert.All(a.After, d => Assert.Contains(d, seen));
            seen.UnionWith(a.Cells);
        }
    }

    [Fact]
    public void Done_and_queued_cells_are_left_out_a_done_dependency_is_dropped_and_a_long_array_is_split()
    {
        var plan = Plan();
        var done = plan.Cells.Where(c => c.Kind == CellKind.Train).Select(c => c.Id).ToHashSet();
        var queued = new HashSet<string> { "inversion/pretrain/s1" };
        var arrays = SlurmArrays.For(plan, done.Concat(queued).ToHashSet(), done, maxTasks: 4);
        Assert.DoesNotContain(arrays, a => a.Kind == CellKind.Train);
        var analysis = arrays.Where(a => a.Name.StartsWith("analysis+ft", StringComparison.Ordinal)).ToList();
        Assert.Equal(["analysis+ft.0", "analysis+ft.1"], analysis.Select(a => a.Name));
        Assert.Equal([4, 2], analysis.Select(a => a.Cells.Count));
        // train/ft is done; the queued inversion is still waited for (its job is named at submission)
        Assert.Equal(["inversion/pretrain/s0", "inversion/pretrain/s1"], analysis[0].After);
        Assert.Equal(["inversion/pretrain/s0"], arrays.Single(a => a.Name == "inversion+pretrain").Cells);
    }

    [Fact]
    public void Squeue_and_scontrol_answers_parse_into_task_states()
    {
        var queue = SlurmClient.ParseQueue("12_0|RUNNING|None\n12_3|PENDING|Resources\n13_1|PENDING|DependencyNeverSatisfied\n99|RUNNING|None\n");
        Assert.Equal([(12L, 0, "RUNNING"), (12L, 3, "PENDING"), (13L, 1, "PENDING")], queue.Select(t => (t.Job, t.Task, t.State)));
        Assert.True(queue[0].Running && queue[0].Live);
        Assert.True(queue[1].Live && !queue[1].Running);
        Assert.True(queue[2].NeverRuns && !queue[2].Live);

        var show = SlurmClient.ParseShow(
            "JobId=20 ArrayJobId=17 ArrayTaskId=2 JobName=inv:x UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 Command=/a b\n" +
            "JobId=17 ArrayJobId=17 ArrayTaskId=3-5%2 JobState=PENDING Reason=Dependency ExitCode=0:0\n" +
            "JobId=18 ArrayJobId=17 ArrayTaskId=0 JobState=COMPLETED Reason=None ExitCode=0:0\n");
        Assert.Equal([(2, "FAILED", "NonZeroExitCode", "1:0"), (3, "PENDING", "Dependency", "0:0"), (4, "PENDING", "Dependency", "0:0"),
            (5, "PENDING", "Dependency", "0:0"), (0, "COMPLETED", "", "0:0")], show.Select(t => (t.Task, t.State, t.Reason, t.ExitCode)));
    }

    [Fact]
    public void The_job_script_is_valid_bash_and_each_task_runs_its_own_cell_with_absolute_paths()
    {
        using var dir = new TestData.TempDir();
        var array = new SlurmArray("analysis+ft", CellKind.Analysis, ["analysis/ft/epoch_000/s0", "analysis/ft/epoch_001/s0"], []);
        var options = new SlurmOptions { Partition = "gpu", Time = "0-04:00", CpusPerTask = 4, GpusPerTask = 1, Mem = "32G", MaxRunning = 8, SbatchArgs = ["--account=lab"], Device = "cuda", TorchLib = "/opt/torch lib" };
        var cells = dir.File("analysis+ft.cells");
        File.WriteAllText(cells, string.Join('\n', array.Cells) + "\n");
        // a CLI that prints its arguments one a line, to see what a task would run
        var task = new TaskCommand(["/usr/bin/printf", "%s\\n"], "/shared/my study/study.json", "/shared/my study", "/shared");
        var script = JobScript.Render(array, options, task, cells, "/shared/my study/logs");
        foreach (var line in new[] { "#SBATCH --array=0-1%8", "#SBATCH --output=/shared/my study/logs/%A_%a.out", "#SBATCH --open-mode=append", "#SBATCH --requeue",
                     "#SBATCH --signal=B:USR1@120", "#SBATCH --chdir=/shared", "#SBATCH --cpus-per-task=4", "#SBATCH --partition=gpu", "#SBATCH --time=0-04:00",
                     "#SBATCH --mem=32G", "#SBATCH --gpus-per-task=1", "#SBATCH --account=lab" })
            Assert.Contains(line + "\n", script);
        var path = dir.File("job.sbatch");
        File.WriteAllText(path, script);
        Assert.Equal(0, SlurmCluster.Run("/bin/bash", "-n", path).code);

        var env = new Dictionary<string, string?>
        {
            ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_JOB_ID"] = "41", ["SLURM_JOB_ID"] = "43", ["SLURM_CPUS_PER_TASK"] = "4", ["OMP_NUM_THREADS"] = null,
        };
        var (code, stdout, _) = ChildProcess.Run("/bin/bash", [path], env);
        var output = stdout.Split('\n');
        Assert.Equal(0, code);
        Assert.Contains("analysis/ft/epoch_001/s0: job 41_1 (id 43)", output[0]);
        Assert.Equal(["study", "/shared/my study/study.json", "--out", "/shared/my study", "--cell", "analysis/ft/epoch_001/s0", "--device", "cuda", "--torch-lib", "/opt/torch lib"],
            output.Skip(1).Where(l => l.Length > 0));

        // a task index past the list is an error naming the list, not a run of an empty cell
        env["SLURM_ARRAY_TASK_ID"] = "5";
        var (past, _, err) = ChildProcess.Run("/bin/bash", [path], env);
        Assert.Equal(1, past);
        Assert.Contains($"no cell for task 5 in {cells}", err);
    }

    [Fact]
    public void A_dry_run_prints_every_script_with_what_it_waits_for_and_writes_nothing()
    {
        using var dir = new TestData.TempDir();
        var config = dir.File("config.json");
        File.WriteAllText(config, SlurmExecutorTests.Tiny);
        var root = dir.File("study");
        var (code, stdout, stderr) = TestData.Cli("study", config, "--executor", "slurm", "--out", root, "--dry-run", "--max-running", "3", "--gpus-per-task", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("27 cells: 0 done, 0 queued or running, 27 to submit in 11 job arrays", stdout);
        Assert.Equal(11, stdout.Split("#!/bin/bash").Length - 1);
        Assert.Contains("analysis+ft.sbatch (submitted with --dependency=afterok:<train/ft>:<inversion/pretrain/s0>:<inversion/pretrain/s1>)", stdout);
        Assert.Contains("#SBATCH --array=0-5%3", stdout);
        Assert.Contains("#SBATCH --gpus-per-task=1", stdout);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public void Bad_slurm_flags_and_folders_are_one_line_errors_naming_the_flag_or_file()
    {
        using var dir = new TestData.TempDir();
        var config = dir.File("config.json");
        File.WriteAllText(config, SlurmExecutorTests.Tiny);
        var root = dir.File("study");
        void Fails(int exit, string message, params string[] args)
        {
            var (code, _, stderr) = TestData.Cli(args);
            Assert.Equal(exit, code);
            Assert.Contains(message, stderr);
            Assert.Single(stderr.Trim().Split('\n'));
        }
        Fails(1, "slurm: cpus_per_task 0: must be at least 1 (set with --cpus-per-task)", "study", config, "--executor", "slurm", "--out", root, "--dry-run", "--cpus-per-task", "0");
        Fails(1, "slurm: time 'two hours': Slurm's format is", "study", config, "--executor", "slurm", "--out", root, "--dry-run", "--time", "two hours");
        Fails(1, "slurm: sbatch_args each must be one sbatch option", "study", config, "--executor", "slurm", "--out", root, "--dry-run", "--sbatch-arg", "account=x");
        Fails(2, "--cell runs one cell here; --executor slurm submits the study", "study", config, "--executor", "slurm", "--cell", "report");
        Fails(2, "usage:", "study", config, "--executor", "pbs");
        Fails(1, $"{dir.File("nope")}: not a study folder (no study.json)", "study", "status", dir.File("nope"));

        // a study folder that was never submitted: status says so and how to submit it; resubmit refuses
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "study.json"), StudyConfig.FromJson(SlurmExecutorTests.Tiny, "tiny").ToJson());
        var (code, stdout, _) = TestData.Cli("study", "status", root);
        Assert.Equal(0, code);
        Assert.Contains("27 cells: 27 not submitted", stdout);
        Assert.Contains($"to run it on Slurm: invariscope study {Path.Combine(root, "study.json")} --executor slurm --out {root}", stdout);
        Fails(1, "the study was never submitted to Slurm", "study", "resubmit", root);
        Assert.False(Directory.Exists(Path.Combine(root, "slurm")));
    }

    [Fact]
    public void Without_sbatch_on_path_a_submission_says_where_to_run_it_and_submits_nothing()
    {
        using var dir = new TestData.TempDir();
        var config = dir.File("config.json");
        File.WriteAllText(config, SlurmExecutorTests.Tiny);
        var empty = Directory.CreateDirectory(dir.File("bin")).FullName;
        var (code, output) = TestData.ChildCli(new Dictionary<string, string?> { ["PATH"] = empty }, ["study", config, "--executor", "slurm", "--out", dir.File("study")]);
        Assert.Equal(1, code);
        Assert.Contains("sbatch not found on PATH: run this on a Slurm login node (or use the local executor, the default)", output);
        Assert.False(Directory.Exists(dir.File(Path.Combine("study", "slurm", "submit_000"))));
    }

    [Fact]
    public void The_study_json_the_tasks_run_reads_back_to_the_same_text()
    {
        // tasks run on STUDY/study.json, and a cell rewrites it when its text changes (which would make the aggregates stale)
        var json = StudyConfig.FromJson(SlurmExecutorTests.Tiny, "tiny").ToJson();
        Assert.Equal(json, StudyConfig.FromJson(json, "study.json").ToJson());
    }
}
