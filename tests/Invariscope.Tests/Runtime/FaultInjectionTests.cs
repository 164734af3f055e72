using Invariscope.Analysis;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Study;
using Invariscope.Tests.Study;

namespace Invariscope.Tests.Runtime;

/// <summary>
/// A kill -9 at every write point of train (finetune lp-ft: both phases, energy.json, optimiser state), analyze,
/// robustness and study, then a resume, gives the same result files as an uninterrupted run (see
/// <see cref="FaultInjection"/>). Tiny models and data: each command runs in a few seconds.
/// </summary>
public class FaultInjectionTests
{
    const string Data = "synthetic:shapes?size=16&n=32&seed=2";

    static string[] Train(string init, string folder) =>
    [
        "finetune", "--init", init, "--strategy", "lp-ft", "--data", Data, "--epochs", "1", "--set", "lp_epochs=1",
        "--set", "val_fraction=0.25", "--batch-size", "16", "--out", folder, "--device", "cpu",
        .. File.Exists(Path.Combine(folder, "config.json")) ? new[] { "--resume" } : [],
    ];

    /// <summary>A one-epoch run (epochs 0 and 1), trained in process: the start of finetuning, and what analyze and robustness read.</summary>
    static RunLayout Start(TestData.TempDir dir, string name)
    {
        var (code, _, stderr) = TestData.Cli("train", "--data", Data, "--epochs", "1", "--batch-size", "32", "--out", dir.File(name), "--device", "cpu");
        Assert.True(code == 0, stderr);
        return new RunLayout(dir.File(name));
    }

    static void CopyTree(string from, string to)
    {
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(f, dest);
        }
    }

    [Fact]
    public void A_kill_at_any_write_point_of_training_then_resume_gives_the_same_run()
    {
        using var dir = new TestData.TempDir();
        var init = Start(dir, "init").Weights(1);
        string a = dir.File("a"), b = dir.File("b");
        var points = FaultInjection.KillAtEachPoint(a, b, folder => Train(init, folder), dir.Path);
        string[] files = ["config.json", "energy.json", "metrics.json", "metrics.csv", "epoch_N.safetensors", "epoch_N.optim.safetensors", "epoch_N.json",
            "events.out.tfevents.invariscope", "done.json"];
        Assert.Equal(files.SelectMany(f => FaultPoints.Steps.Select(s => $"{s}:{f}")).Order(), points.Order());
        var (all, exact) = ResultFiles.AssertSame(a, b);
        Assert.Equal(3 * 2 + 2 + 6, all.Count); // epochs 0-2 (weights, sidecar), 2 optimiser states, 6 run files
        foreach (var f in all.Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal)))
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f)));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(b, "metrics.csv")).Length - 1); // no row lost, none doubled
    }

    [Fact]
    public void A_kill_at_any_write_point_of_robustness_then_resume_gives_the_same_evaluation()
    {
        using var dir = new TestData.TempDir();
        var run = Start(dir, "a");
        CopyTree(run.Root, dir.File("b"));
        static string[] Command(string folder) =>
            ["robustness", folder, "--data", "synthetic:shapes?size=16&n=16&seed=6", "--corruptions", "gaussian_noise", "--severities", "1",
             "--limit", "8", "--batch-size", "8", "--device", "cpu"];
        var points = FaultInjection.KillAtEachPoint(run.Root, dir.File("b"), Command, dir.Path);
        string[] files = ["settings.json", "epoch_N.json", "robustness.csv"];
        Assert.Equal(files.SelectMany(f => FaultPoints.Steps.Select(s => $"{s}:{f}")).Order(), points.Order());
        var (all, exact) = ResultFiles.AssertSame(run.Root, dir.File("b"));
        Assert.Equal(all.Count, exact);
    }

    [Fact]
    public void A_kill_at_any_write_point_of_analysis_then_resume_gives_the_same_analysis()
    {
        using var dir = new TestData.TempDir();
        var run = Start(dir, "run");
        string[] Command(string folder) =>
            ["analyze", "--pretrained", run.Weights(0), "--finetuned", run.Root, "--data", "synthetic:shapes?size=16&n=16&seed=5",
             "--samples", "4", "--seeds", "1", "--steps", "3", "--layers", "1", "--intervals", "false", "--out", folder, "--device", "cpu"];
        var points = FaultInjection.KillAtEachPoint(dir.File("a"), dir.File("b"), Command, dir.Path);
        string[] files = ["analysis.json", "inversions_pretrained_sN.safetensors", "epoch_N_sN.json", "epoch_N_cka.json",
            "per_layer.csv", "flow.csv", "aggregates.csv", "inversions.csv", "results.json"];
        Assert.Equal(files.SelectMany(f => FaultPoints.Steps.Select(s => $"{s}:{f}")).Order(), points.Order());
        var (all, exact) = ResultFiles.AssertSame(dir.File("a"), dir.File("b"));
        Assert.Equal(all.Count, exact);
    }

    /// <summary>
    /// The study's own write points: its config, the shared inversions and their markers, each run's done.json,
    /// hypotheses.csv (standing for the study tables written just before statistics.json), statistics.json and the report.
    /// (The points inside its stages are those of the tests above.)
    /// </summary>
    static readonly string[] StudyFiles = ["study.json", "inversions_sN.safetensors", "sN.json", "done.json", "hypotheses.csv", "statistics.json", "index.html"];

    [Fact]
    public void A_kill_at_any_study_level_write_point_then_resume_gives_the_same_study()
    {
        using var dir = new TestData.TempDir();
        var demo = Demo.Config(DemoTests.Tiny(dir.Path) with { FinetuneEpochs = 2, TestImages = 16, CorruptionLimit = 8 });
        var config = (demo with
        {
            Settings = [demo.Settings[0], demo.Settings[1]],
            Analysis = demo.Analysis with { Samples = 4, Seeds = 1, Steps = 2, Intervals = false },
            Robustness = demo.Robustness! with { Corruptions = "gaussian_noise", Severities = "1" },
            Statistics = new StudyStatisticsOptions { Permutations = 99 },
        }).Validate("fault");
        var configFile = dir.File("study.json");
        File.WriteAllText(configFile, config.ToJson());
        string[] Command(string folder) => ["study", configFile, "--out", folder, "--device", "cpu"];
        // every figure is written alike (PlotStyle.Save or Figures' own PNG): the first one stands for them all
        string? figure = null;
        bool Kill(string point)
        {
            string file = point[(point.IndexOf(':') + 1)..];
            if (file.EndsWith(".png", StringComparison.Ordinal)) figure ??= file;
            return StudyFiles.Contains(file) || file == figure;
        }
        var points = FaultInjection.KillAtEachPoint(dir.File("a"), dir.File("b"), Command, dir.Path, Kill);
        Assert.NotNull(figure);
        Assert.Equal(StudyFiles.Append(figure).SelectMany(f => FaultPoints.Steps.Select(s => $"{s}:{f}")).Order(), points.Order());
        ResultFiles.AssertSame(dir.File("a"), dir.File("b"));
    }
}
