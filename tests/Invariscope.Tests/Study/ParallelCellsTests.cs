using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Study;

namespace Invariscope.Tests.Study;

public sealed class ParallelCellsTests
{
    [Fact]
    public void Two_jobs_write_what_one_job_on_one_thread_writes_and_a_failed_cell_stops_the_run_until_it_resumes()
    {
        // child processes: each sets its own thread count, which a test process that other tests share cannot
        using var dir = new TestData.TempDir();
        var configFile = dir.File("study.json");
        File.WriteAllText(configFile, StudyCellsTests.Config(dir.Path).ToJson());
        string one = dir.File("one"), two = dir.File("two");
        var quiet = new Dictionary<string, string?>();
        string[] Study(string output, int jobs, int threads) =>
            ["study", configFile, "--out", output, "--device", "cpu", "--jobs", $"{jobs}", "--threads", $"{threads}"];
        var (code, log) = TestData.ChildCli(quiet, Study(one, 1, 1));
        Assert.True(code == 0, log);

        // One cell fails (an injected write error in one of scratch's analysis cells): the run stops with its error, the
        // other worker takes no new cell, and nothing downstream is written.
        var fault = new Dictionary<string, string?>
        {
            [FaultPoints.FaultEnv] = "write:epoch_N_sN.json", [FaultPoints.WhereEnv] = Path.Combine("scratch", "analysis"), [FaultPoints.ActionEnv] = "throw",
        };
        var (failed, failedLog) = TestData.ChildCli(fault, Study(two, 2, 2));
        Assert.True(failed == 1, failedLog);
        Assert.True(failedLog.Contains("2 cells at a time, 1 thread each (--jobs)") && failedLog.Contains("injected failure at write:epoch_N_sN.json"), failedLog);
        Assert.False(File.Exists(Path.Combine(two, "statistics.json")));
        Assert.True(File.Exists(new RunLayout(Path.Combine(two, "ft", "seed_0")).Weights(3)), "cells finished before the failure stay");

        // The same command resumes, and the schedule changes nothing: every result as one job on one thread wrote it.
        var (resumed, resumedLog) = TestData.ChildCli(quiet, Study(two, 2, 2));
        Assert.True(resumed == 0, resumedLog);
        Assert.Matches(@"\d+ of \d+ cells already done", resumedLog);
        Assert.Contains("time by stage (this invocation, cell-seconds on 2 workers", resumedLog);
        StudyCellsTests.AssertSameResults(one, two);
        foreach (var run in new[] { Path.Combine("ft", "seed_0"), Path.Combine("ft", "seed_1"), "scratch", "ft-recon" })
            Assert.Equal(File.ReadAllBytes(new RunLayout(Path.Combine(one, run)).Weights(3)), File.ReadAllBytes(new RunLayout(Path.Combine(two, run)).Weights(3)));
    }

    [Fact]
    public void Auto_runs_micro_models_one_cell_per_thread_and_wider_ones_or_cuda_one_at_a_time()
    {
        using var dir = new TestData.TempDir();
        var micro = StudyCellsTests.Config(dir.Path);
        Assert.Equal(2, ParallelCells.Auto(micro, TorchSharp.torch.CPU, threads: 2));
        Assert.Equal(4, ParallelCells.Auto(micro, TorchSharp.torch.CPU, threads: 4));
        Assert.Equal(1, ParallelCells.Auto(micro, TorchSharp.torch.CPU, threads: 1));
        Assert.Equal(1, ParallelCells.Auto(micro, new TorchSharp.torch.Device(TorchSharp.DeviceType.CUDA), threads: 2));
        var wide = StudyCellsTests.Config(dir.Path);
        wide.Train["model"] = "vit_tiny_patch32_224"; // 192 wide, 50 tokens
        Assert.Equal(1, ParallelCells.Auto(wide, TorchSharp.torch.CPU, threads: 2));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("two")]
    public void A_bad_jobs_value_is_a_usage_error_in_one_line(string jobs)
    {
        using var dir = new TestData.TempDir();
        var (code, _, stderr) = TestData.Cli("demo", "--out", dir.File("never"), "--jobs", jobs);
        Assert.Equal(2, code);
        Assert.Contains($"--jobs {jobs}: must be auto or a number of at least 1", stderr);
        Assert.False(Directory.Exists(dir.File("never")));
    }

    [Theory]
    [InlineData("--cell", "train/pretrain")]
    [InlineData("--executor", "slurm")]
    public void Jobs_with_one_cell_or_slurm_is_a_usage_error(string flag, string value)
    {
        using var dir = new TestData.TempDir();
        var configFile = dir.File("study.json");
        File.WriteAllText(configFile, StudyCellsTests.Config(dir.Path).ToJson());
        var (code, _, stderr) = TestData.Cli("study", configFile, "--out", dir.File("never"), flag, value, "--jobs", "2");
        Assert.Equal(2, code);
        Assert.Contains("--jobs runs a study's cells side by side in this process; with --cell or --executor slurm each cell runs alone", stderr);
        Assert.False(Directory.Exists(dir.File("never")));
    }
}
