using Invariscope.Layout;
using System.Text.Json;
using Invariscope.Study;
using Invariscope.Study.Cells;
using Invariscope.Training;

namespace Invariscope.Tests.Study;

public class StudyCellsTests
{
    /// <summary>The tiny demo with ft over training seeds 0 and 1 (so three runs share the inversions on @pretrain), one corruption, fewer permutations.</summary>
    internal static StudyConfig Config(string dir)
    {
        var demo = Demo.Config(DemoTests.Tiny(dir));
        return (demo with
        {
            Settings = [demo.Settings[0] with { Seeds = [0, 1] }, demo.Settings[1], demo.Settings[2]],
            Robustness = demo.Robustness! with { Corruptions = "gaussian_noise" },
            Statistics = new StudyStatisticsOptions { Permutations = 199 },
        }).Validate("cells");
    }

    [Fact]
    public void A_study_run_cell_by_cell_in_a_shuffled_valid_order_writes_the_same_result_files_as_study()
    {
        using var dir = new TestData.TempDir();
        var configFile = dir.File("study.json");
        File.WriteAllText(configFile, Config(dir.Path).ToJson());
        string whole = dir.File("whole"), cells = dir.File("cells");

        // --plan prints the cells and creates nothing.
        var (planCode, planOut, planErr) = TestData.Cli("study", configFile, "--plan", "--out", cells);
        Assert.True(planCode == 0, planErr);
        Assert.False(Directory.Exists(cells));
        var plan = StudyPlan.For(StudyConfig.Load(configFile));
        using (var json = JsonDocument.Parse(planOut))
            Assert.Equal(plan.Cells.Select(c => c.Id), json.RootElement.GetProperty("cells").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(2 * 2, plan.Cells.Count(c => c.Kind == CellKind.Inversion)); // @pretrain (ft seeds, ft-recon) and scratch, 2 STIR seeds each

        File.WriteAllText(dir.File("bad.json"), "{ \"settings\": [] }");
        Assert.Equal(1, TestData.Cli("study", dir.File("bad.json"), "--plan").code); // the config is validated

        // --cell refuses a cell whose dependencies are not done (one line, exit 1, nothing created); an unknown id is a usage error.
        var (refused, _, refusal) = TestData.Cli("study", configFile, "--cell", "analysis/ft/seed_1/epoch_002/s1", "--out", cells, "--device", "cpu");
        Assert.Equal(1, refused);
        Assert.Contains("cell analysis/ft/seed_1/epoch_002/s1: 2 of its dependencies are not done (train/ft/seed_1, inversion/pretrain/s1)", refusal);
        Assert.Single(refusal.Trim().Split('\n'));
        Assert.False(Directory.Exists(cells));
        var (unknown, _, unknownErr) = TestData.Cli("study", configFile, "--cell", "analysis/ft/epoch_002/s1", "--out", cells, "--device", "cpu");
        Assert.Equal(2, unknown);
        Assert.Contains("unknown cell 'analysis/ft/epoch_002/s1'", unknownErr);

        var (code, stdout, stderr) = TestData.Cli("study", configFile, "--out", whole, "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("time by stage", stdout);
        // every log line has its time stamp; each stage's header after the first cell ran says the time left
        var log = stdout.Split('\n').TakeWhile(l => l != "").ToList();
        Assert.All(log, l => Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", l));
        var headers = log.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\S+ \S+ \[\d+/\d+\] ")).ToList();
        Assert.DoesNotContain("left", headers[0]);
        Assert.All(headers.Skip(1), h => Assert.Matches(@"\(((about \d+(\.\d)? (s|min|h)|under a second) left(, and [a-z, ]+ not timed yet)?|time left: [a-z, ]+ not timed yet)\)$", h));

        // The inversions on the pretrained model come first, before any run that starts from it exists; then the rest, shuffled.
        string[] first = ["train/pretrain", "inversion/pretrain/s0"];
        var order = first.Select(id => plan[id]).Concat(StudyPlanTests.ShuffledValidOrder(plan, seed: 12).Where(c => !first.Contains(c.Id))).ToList();
        Assert.NotEqual(plan.Cells.Select(c => c.Id), order.Select(c => c.Id));
        foreach (var cell in order)
        {
            var (c, _, e) = TestData.Cli("study", configFile, "--cell", cell.Id, "--out", cells, "--device", "cpu");
            Assert.True(c == 0, $"{cell.Id}: {e}");
        }
        AssertSameResults(whole, cells);
        // One key folder per start: the analyses of ft's two seeds and of ft-recon found the inversion cells' files on @pretrain.
        Assert.Equal(2, Directory.GetDirectories(new StudyLayout(cells).Inversions).Count(d => Path.GetFileName(d) != "cells"));

        // A done cell is only read back.
        var weights = new RunLayout(Path.Combine(cells, "ft", "seed_0")).Weights(3);
        var written = File.GetLastWriteTimeUtc(weights);
        var (again, againOut, _) = TestData.Cli("study", configFile, "--cell", "train/ft/seed_0", "--out", cells, "--device", "cpu");
        Assert.Equal(0, again);
        Assert.Contains("train/ft/seed_0: already done", againOut);
        Assert.Equal(written, File.GetLastWriteTimeUtc(weights));
    }

    [Fact]
    public void Without_shared_inversions_each_run_inverts_its_own_start_to_the_same_results()
    {
        // Unshared inversion cells write into their run's analysis folder; its analysis cells must then resume there
        // (they once refused: the inversion cell had claimed analysis.json with other settings).
        using var dir = new TestData.TempDir();
        var shared = Config(dir.File("shared-config"));
        var alone = shared with { Analysis = shared.Analysis with { ShareInversions = false } };
        string a = dir.File("a"), b = dir.File("b");
        new StudyRunner(shared, a, TorchSharp.torch.CPU, new StudyCallbacks(_ => { })).Run();
        new StudyRunner(alone, b, TorchSharp.torch.CPU, new StudyCallbacks(_ => { })).Run();
        Assert.True(File.Exists(new RunLayout(Path.Combine(b, "ft", "seed_1")).Analysis.PretrainedInversions(0)));
        Assert.False(Directory.Exists(new StudyLayout(b).Inversions));
        // the same p (the pretrained backbone, or a scratch run's own epoch 0) inverted in either place: the same numbers
        foreach (var run in new[] { Path.Combine("ft", "seed_0"), "ft-recon", "scratch" })
            Assert.Equal(File.ReadAllText(Path.Combine(a, run, "analysis", "per_layer.csv")), File.ReadAllText(Path.Combine(b, run, "analysis", "per_layer.csv")));
    }

    [Fact]
    public void An_hp_ft_run_that_stops_probing_early_completes_its_study_at_the_epoch_it_wrote()
    {
        using var dir = new TestData.TempDir();
        var tiny = DemoTests.Tiny(dir.Path);
        var demo = Demo.Config(tiny with { Analysis = tiny.Analysis with { LearningEpochs = "final" } });
        // Head probing for up to 3 epochs, stopped once training accuracy reaches 1% (after its first epoch), then 2 epochs of finetuning:
        // the plan says epochs 0..5, the run writes 0..3.
        var hp = new StudySetting
        {
            Name = "hp", Train = new System.Text.Json.Nodes.JsonObject
            {
                ["strategy"] = "hp-ft", ["init"] = StudyConfig.PretrainRef, ["hp_epochs"] = 3, ["hp_target_acc"] = 0.01, ["epochs"] = 2,
            },
        };
        var config = (demo with
        {
            Settings = [hp], Robustness = demo.Robustness! with { Corruptions = "gaussian_noise" },
            Statistics = new StudyStatisticsOptions { Permutations = 199 },
        }).Validate("hp");
        var log = new List<string>();
        var outcome = new StudyRunner(config, dir.Path, TorchSharp.torch.CPU, new StudyCallbacks(log.Add)).Run();

        var run = new RunLayout(Path.Combine(dir.Path, "hp"));
        Assert.Equal(3, RunFiles.FinalEpoch(run));
        Assert.Equal([0, 1, 2, 3], run.CompleteEpochs());
        Assert.Equal(["hp", "ft", "ft"], RunFiles.ReadMetrics(run).Select(m => m.Phase));
        var analysis = outcome.Results.Settings[0].Analysis!;
        Assert.Equal([0, 1, 2, 3], analysis.Checkpoints.Select(c => c.Epoch!.Value));
        // learning_epochs "final" is the run's final epoch, 3, not the plan's 5 (epoch 0 always has it: the noise floor)
        Assert.Equal([true, false, false, true], analysis.Checkpoints.Select(c => c.PerLayer.ContainsKey("learning")));
        Assert.Equal([0, 1, 2, 3], outcome.Results.Settings[0].Robustness.Select(r => r.Epoch));
        Assert.True(File.Exists(outcome.Report));

        // The epochs the run did not write are cells that are done and empty.
        using (var cells = new StudyCells(config, dir.Path, TorchSharp.torch.CPU, new StudyCallbacks(_ => { })))
        {
            foreach (var id in new[] { "robustness/hp/epoch_004", "robustness/hp/epoch_005", "analysis/hp/epoch_005/s1" })
            {
                var cell = cells.Plan[id];
                Assert.True(cells.IsDone(cell), id);
                Assert.Empty(cells.Stage(cell.Kind).Outputs(cell));
                Assert.Null(cells.Run(cell));
            }
            Assert.True(cells.Plan.Cells.All(cells.IsDone));
            // The stages declare their settings and inputs: @pretrain is the pretraining run's final checkpoint (epoch 1, from its done.json).
            var train = cells.Plan["train/hp"];
            var pretrained = new RunLayout(Path.Combine(dir.Path, "pretrain")).Weights(1);
            Assert.Equal(pretrained, Assert.IsType<TrainConfig>(cells.Stage(CellKind.Train).Settings(train)).Init);
            Assert.Equal([pretrained], cells.Stage(CellKind.Train).Inputs(train));
            Assert.Equal(4, Assert.IsType<Invariscope.Analysis.AnalysisSettings>(cells.Stage(CellKind.Analysis).Settings(cells.Plan["analysis/hp/epoch_003/s0"])).Steps);
        }
        Assert.False(File.Exists(run.Robustness.Epoch(4)));

        // Running the study again trains nothing: the run counts as complete.
        var weights = File.GetLastWriteTimeUtc(run.Weights(3));
        log.Clear();
        new StudyRunner(config, dir.Path, TorchSharp.torch.CPU, new StudyCallbacks(log.Add)).Run();
        Assert.Equal(2, log.Count(l => l.Contains("already complete"))); // pretraining and hp
        Assert.DoesNotContain(log, l => l.Contains("epoch 1 [hp]"));
        Assert.Equal(weights, File.GetLastWriteTimeUtc(run.Weights(3)));
    }

    /// <summary>The two study folders hold the same results (see <see cref="ResultFiles.AssertSame"/>), most files byte for byte.</summary>
    internal static void AssertSameResults(string a, string b)
    {
        var (files, exact) = ResultFiles.AssertSame(a, b);
        Assert.Contains(Path.Combine("ft-recon", "analysis", "results.json"), files);
        Assert.Contains("statistics.json", files);
        foreach (var f in new[] { "statistics.json", Path.Combine("ft", "seed_1", "robustness", "robustness.csv"), Path.Combine("scratch", "robustness", "epoch_002.json"),
                     Path.Combine("ft-recon", "analysis", "cells", "epoch_003_s1.json") })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f)));
        Assert.True(exact > files.Count / 2, $"only {exact} of {files.Count} files are byte-identical");
    }
}
