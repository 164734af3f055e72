using System.Text.Json;
using Invariscope.Analysis;
using Invariscope.Layout;
using Invariscope.Study;
using Invariscope.Tests.Report;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Study;

public class DemoTests
{
    /// <summary>The demo at toy sizes: every stage runs, but in seconds.</summary>
    internal static DemoOptions Tiny(string dir) => new(Out: dir, Images: 96, PretrainImages: 96, PretrainEpochs: 1, FinetuneEpochs: 3, TestImages: 40,
        CorruptionLimit: 12, Corruptions: "gaussian_noise,contrast", TrainingSeeds: 1, OodB: TinyOod)
    {
        Analysis = new AnalysisOptions { Samples = 8, Seeds = 2, Steps = 4, Intervals = true, LearningEpochs = "all" },
    };

    /// <summary>
    /// A second in-distribution set as the "OOD" data: after one pretraining epoch the tiny models answer the pale shifted
    /// look with one class, so its accuracy is a constant 0.2 over epochs and has nothing to correlate.
    /// </summary>
    internal const string TinyOod = "synthetic:texture?size=32&n=40&seed=9";

    [Fact]
    public void A_reduced_demo_writes_every_result_file_and_resumes_without_recomputing()
    {
        using var dir = new TestData.TempDir();
        var config = Demo.Config(Tiny(dir.Path));
        var log = new List<string>();
        var (results, _, _) = new StudyRunner(config, dir.Path, CPU, new StudyCallbacks(log.Add)).Run();

        Assert.Equal(["ft", "scratch", "ft-recon"], results.Settings.Select(s => s.Name));
        Assert.Equal([0, 1], new RunLayout(Path.Combine(dir.Path, "pretrain")).CompleteEpochs());
        foreach (var s in results.Settings)
        {
            Assert.Equal([0, 1, 2, 3], new RunLayout(Path.Combine(dir.Path, s.Name)).CompleteEpochs());
            var analysis = s.Analysis!;
            Assert.Equal(["block0", "block1", "block2", "block3", "pre_logits"], analysis.Layers);
            Assert.Equal([0, 1, 2, 3], analysis.Checkpoints.Select(c => c.Epoch!.Value));
            foreach (var c in analysis.Checkpoints)
            {
                foreach (var m in new[] { "learning", "forgetting", "cka_divergence" })
                {
                    var series = c.PerLayer[m];
                    Assert.Equal(5, series.Mean.Length);
                    Assert.All(series.Mean, v => Assert.InRange(v, -1e-9, 1 + 1e-9));
                    Assert.Equal(8, series.Replicates![0].Length);             // one per probe image left out
                    Assert.All(Enumerable.Range(0, 5), l => Assert.True(series.Lower![l] <= series.Mean[l] && series.Mean[l] <= series.Upper![l]));
                }
                Assert.Equal(5, c.FlowMean!.Length);
            }
            // epoch 0 is the reference itself: CKA divergence 0 at every layer
            Assert.All(analysis.Checkpoints[0].PerLayer["cka_divergence"].Mean, v => Assert.Equal(0, v, 1e-9));
        }
        var ft = results.Settings[0];
        Assert.Equal([0, 1, 2, 3], ft.Robustness.Select(r => r.Epoch));
        Assert.All(ft.Robustness, r =>
        {
            Assert.Equal(2 * 5, r.Cells.Count);
            Assert.NotNull(r.Ood);
            Assert.Equal(r.Cells.Where(c => c.Severity == 3).Average(c => c.Accuracy), r.AccuracyBySeverity[3], 1e-12);
        });
        Assert.Empty(results.Settings[2].Robustness); // reconstruction: robustness off

        var stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "statistics.json"))).RootElement.GetProperty("settings");
        var ftStats = stats[0];
        Assert.Equal("ft", ftStats.GetProperty("setting").GetString());
        var families = ftStats.GetProperty("families");
        Assert.Equal(2, families.GetArrayLength()); // corrupted and OOD accuracy
        Assert.Equal("forgetting/std/all", families[0].GetProperty("headline").GetProperty("id").GetString());
        Assert.Equal(3, families[0].GetProperty("headline").GetProperty("n").GetInt32()); // epochs 1..3
        Assert.Equal(0, stats[2].GetProperty("families").GetArrayLength());

        // Resume: nothing is trained, evaluated or inverted again.
        var cells = Directory.GetFiles(Path.Combine(dir.Path, "ft", "analysis", "cells")).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        log.Clear();
        new StudyRunner(config, dir.Path, CPU, new StudyCallbacks(log.Add)).Run();
        Assert.Equal(4, log.Count(l => l.Contains("already complete")));
        Assert.DoesNotContain(log, l => l.Contains("epoch 1: clean"));
        Assert.All(cells, kv => Assert.Equal(kv.Value, File.GetLastWriteTimeUtc(kv.Key)));
    }

    [Fact]
    public void The_demo_command_prints_the_report_location_and_the_report_opens_with_every_figure()
    {
        using var dir = new TestData.TempDir();
        var o = Tiny(dir.Path);
        var (code, stdout, stderr) = TestData.Cli("demo", "--out", dir.Path, "--images", "96", "--pretrain-images", "96", "--pretrain-epochs", "1",
            "--training-seeds", "1", "--learning-epochs", "all", "--ood-b", TinyOod,
            "--finetune-epochs", "3", "--test-images", "40", "--corruption-limit", "12", "--corruptions", o.Corruptions,
            "--samples", "8", "--seeds", "2", "--steps", "4", "--intervals", "true", "--device", "cpu");
        Assert.True(code == 0, stderr);
        var html = Path.Combine(dir.Path, "report", "index.html");
        Assert.Contains($"report: {html}", stdout);
        Assert.Contains("std of forgetting across layers r =", stdout);
        Assert.Contains("findings: ", stdout);
        var page = File.ReadAllText(html);
        Assert.True(page.IndexOf("<h2 id=\"findings\">Findings</h2>", StringComparison.Ordinal) is > 0 and var at && at < page.IndexOf("<h2 id=\"settings\">Settings</h2>", StringComparison.Ordinal),
            "the report opens with the findings");
        foreach (var png in new[] { "learning_forgetting.png", "differences.png", "cka_divergence.png", "flow.png", "dynamics_learning.png", "dynamics_forgetting.png",
                     "dynamics_cka_divergence.png", "learning_vs_forgetting.png", "early_epochs.png", "reconstruction_loss.png", "accuracy.png", "robustness.png" })
        {
            Assert.True(File.Exists(Path.Combine(dir.Path, "report", "figures", png)), png);
        }
        string[] runs = ["ft", "scratch", "ft-recon"];
        ReportChecks.Page(html, Path.Combine(dir.Path, "report"));
        ReportChecks.Warnings(dir.Path, runs, stdout, html);
        ReportChecks.Tables(dir.Path, runs, seed: 0);
        Assert.Contains("data:image/png;base64,", page);
        Assert.Contains("forgetting/std/all", page);
        Assert.DoesNotContain("http://", page);

        // The report is rebuilt from the files alone, also for a single run folder.
        var (code2, stdout2, stderr2) = TestData.Cli("report", Path.Combine(dir.Path, "ft"));
        Assert.True(code2 == 0, stderr2);
        var (code3, stdout3, stderr3) = TestData.Cli("report", dir.Path, "--out", dir.File("again"), "--findings-markdown", "--dpi", "192");
        Assert.True(code3 == 0, stderr3);
        // --dpi: the PNGs have twice the pixels, the layout (the SVG) is the same
        using (var sharp = SkiaSharp.SKBitmap.Decode(Path.Combine(dir.File("again"), "figures", "flow.png")))
        using (var plain = SkiaSharp.SKBitmap.Decode(Path.Combine(dir.Path, "report", "figures", "flow.png")))
            Assert.Equal((2 * plain.Width, 2 * plain.Height), (sharp.Width, sharp.Height));
        ReportChecks.Page(Path.Combine(dir.File("again"), "index.html"), dir.File("again"));
        var (code4, _, stderr4) = TestData.Cli("report", dir.Path, "--out", dir.File("never"), "--dpi", "5");
        Assert.Equal(2, code4); // a usage error, before anything is read or written
        Assert.Contains("dpi 5: must lie between", stderr4);
        Assert.Single(stderr4.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir.File("never")));
        Assert.Contains("| finding | settings | measured | value | interval | verdict |", stdout3);
        Assert.Contains("| pretraining_helps | pretrained → FT vs from scratch |", stdout3);
        Assert.True(File.Exists(Path.Combine(dir.Path, "ft", "report", "index.html")), stdout2);
    }

    [Fact]
    public void Report_on_a_folder_without_results_is_a_one_line_error()
    {
        using var dir = new TestData.TempDir();
        var (code, _, stderr) = TestData.Cli("report", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("not a study, run or analysis folder", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Bad_study_robustness_and_run_inputs_are_one_line_errors_naming_the_file()
    {
        using var dir = new TestData.TempDir();
        void OneLine(string expected, params string[] args)
        {
            var (code, _, stderr) = TestData.Cli(args);
            Assert.Equal(1, code);
            Assert.Contains(expected, stderr);
            Assert.Single(stderr.Trim().Split('\n'));
        }
        OneLine("study config not found", "study", dir.File("missing.json"));
        File.WriteAllText(dir.File("bad.json"), "{ \"settings\": [ { \"name\": \"a b\" } ] }");
        OneLine("letters, digits", "study", dir.File("bad.json"));
        OneLine("not a run folder (no config.json)", "robustness", dir.Path, "--data", "synthetic:shapes?size=16&n=20", "--device", "cpu");
        OneLine("unknown corruption 'smog'", "robustness", dir.Path, "--data", "synthetic:shapes?size=16&n=20", "--corruptions", "smog", "--device", "cpu");
        // A run folder whose config.json is damaged: the report names the file.
        Directory.CreateDirectory(dir.File("run"));
        File.WriteAllText(dir.File("run/config.json"), "{ \"train\": { \"task\": ");
        OneLine("config.json", "report", dir.File("run"));
    }
}
