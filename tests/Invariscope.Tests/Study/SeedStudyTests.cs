using System.Text.Json;
using Invariscope.Analysis;
using Invariscope.Layout;
using Invariscope.Study;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Study;

public class SeedStudyTests
{
    /// <summary>The tiny demo with two settings, each trained with seeds 0 and 1, and one corruption.</summary>
    static StudyConfig Config(string dir)
    {
        var demo = Demo.Config(DemoTests.Tiny(dir));
        return (demo with
        {
            Settings = [demo.Settings[0] with { Seeds = [0, 1] }, demo.Settings[1] with { Seeds = [0, 1] }],
            Robustness = demo.Robustness! with { Corruptions = "gaussian_noise" },
            Statistics = new StudyStatisticsOptions { Permutations = 199 },
        }).Validate("seeds");
    }

    [Fact]
    public void A_reduced_study_over_training_seeds_shares_inversions_pools_seeds_and_resumes()
    {
        using var dir = new TestData.TempDir();
        var config = StudyConfig.FromJson(Config(dir.Path).ToJson(), "round trip");
        Assert.Equal([0, 1], config.Settings[0].Seeds);
        var log = new List<string>();
        var (results, stats, _) = new StudyRunner(config, dir.Path, CPU, new StudyCallbacks(log.Add)).Run();

        // One run folder per setting and seed, trained with that seed.
        foreach (var name in new[] { "ft", "scratch" })
        {
            var runs = new[] { 0, 1 }.Select(k => new RunLayout(Path.Combine(dir.Path, name, $"seed_{k}"))).ToList();
            Assert.All(runs, r => Assert.Equal([0, 1, 2, 3], r.CompleteEpochs()));
            Assert.Equal([0, 1], runs.Select(r => RunFiles.ReadConfig(r)!.Seed));
            Assert.NotEqual(File.ReadAllBytes(runs[0].Weights(3)), File.ReadAllBytes(runs[1].Weights(3)));
            Assert.False(File.Exists(Path.Combine(dir.Path, name, "config.json")));
            // The runs use the study's shared cache, not their own.
            Assert.All(runs, r => Assert.False(Directory.Exists(Path.Combine(r.Analysis.Root, "cache"))));
        }
        // Inversions on p: one key per distinct backbone at epoch 0 — both ft seeds start from the pretrained model
        // (heads differ, backbone shared), each scratch seed from its own initialisation.
        // (inversions/cells/ holds the inversion cells' markers, beside the key folders)
        var keys = Directory.GetDirectories(new StudyLayout(dir.Path).Inversions).Where(d => Path.GetFileName(d) != "cells").ToArray();
        Assert.Equal(3, keys.Length);
        Assert.All(keys, k => Assert.Equal(["inversions_s0.safetensors", "inversions_s1.safetensors"], Directory.GetFiles(k).Select(Path.GetFileName).Order()));
        Assert.Equal(1, log.Count(l => l.Contains("ft (seed 0): invariance analysis")));

        // Loaded results: replicates per seed, the setting itself the seed average.
        var loaded = StudyResults.Load(dir.Path);
        Assert.Equal(["ft", "scratch"], loaded.Settings.Select(s => s.Name));
        foreach (var s in loaded.Settings)
        {
            Assert.Equal([0, 1], s.Replicates!.Select(r => r.Seed!.Value));
            Assert.All(s.Replicates!, r => Assert.NotNull(r.Analysis));
            var avg = s.Analysis!;
            Assert.Equal([0, 1, 2, 3], avg.Checkpoints.Select(c => c.Epoch!.Value));
            var f = avg.Final.PerLayer["forgetting"];
            Assert.Equal(2, f.Seeds);
            for (int l = 0; l < f.Mean.Length; l++)
                Assert.Equal(s.Replicates!.Average(r => r.Analysis!.Final.PerLayer["forgetting"].Mean[l]), f.Mean[l], 1e-12);
            Assert.Equal([0, 1, 2, 3], s.Robustness.Select(r => r.Epoch));
            Assert.Equal(s.Replicates!.Average(r => r.Robustness[^1].Clean.Accuracy), s.Robustness[^1].Clean.Accuracy, 1e-12);
        }

        // statistics.json: per seed, pooled, noise floor, differences across training seeds.
        var path = Path.Combine(dir.Path, "statistics.json");
        var bytes = File.ReadAllBytes(path);
        using (var json = JsonDocument.Parse(bytes))
        {
            var settings = json.RootElement.GetProperty("settings");
            Assert.Equal(2, settings.GetArrayLength());
            foreach (var s in settings.EnumerateArray())
            {
                var perSeed = s.GetProperty("per_seed");
                Assert.Equal([0, 1], perSeed.EnumerateArray().Select(p => p.GetProperty("seed").GetInt32()));
                Assert.All(perSeed.EnumerateArray(), p => Assert.Equal(2, p.GetProperty("families").GetArrayLength()));
                Assert.All(perSeed.EnumerateArray(), p => Assert.Equal(5, p.GetProperty("noise_floor").GetArrayLength()));
                var pooled = s.GetProperty("pooled");
                Assert.Equal(["corrupted_accuracy", "ood_accuracy"], pooled.EnumerateArray().Select(p => p.GetProperty("target").GetString()));
                Assert.All(pooled.EnumerateArray(), p =>
                {
                    Assert.Equal(2, p.GetProperty("seeds").GetInt32());
                    Assert.Equal(2, p.GetProperty("required_seeds").GetInt32());
                    Assert.True(p.GetProperty("hypotheses").GetArrayLength() > 10);
                    Assert.Equal(HypothesisGridHeadline, p.GetProperty("headline").GetProperty("id").GetString());
                });
                Assert.Equal(0, s.GetProperty("families").GetArrayLength());
                var floor = s.GetProperty("noise_floor");
                Assert.Equal(5, floor.GetArrayLength());
                Assert.All(floor.EnumerateArray(), row =>
                    Assert.Equal(row.GetProperty("forgetting").GetDouble() - row.GetProperty("floor").GetDouble(),
                        row.GetProperty("forgetting_above_floor").GetDouble(), 1e-12));
            }
            var differences = json.RootElement.GetProperty("differences").EnumerateArray().ToList();
            var seeded = differences.Where(d => d.GetProperty("basis").GetString() == "training_seeds").ToList();
            Assert.Equal(3 * 5, seeded.Count);                                     // learning, forgetting, CKA divergence × 5 layers
            Assert.All(seeded, d =>
            {
                Assert.Equal([2, 2], d.GetProperty("seeds").EnumerateArray().Select(x => x.GetInt32()));
                Assert.Equal("pretrained → FT", d.GetProperty("a").GetString());
            });
        }
        // The noise floor of the averaged setting is the seed mean of the replicates' floors.
        var ftStats = stats.Settings[0];
        Assert.Equal(ftStats.PerSeed!.Average(p => p.Floor![0].Floor), ftStats.Floor![0].Floor, 1e-12);
        Assert.Equal(15, stats.Differences.Count(d => d.Basis == "training_seeds"));
        var one = stats.Differences.First(d => d.Basis == "training_seeds" && d.Metric == "forgetting");
        var xa = loaded.Settings[0].Replicates!.Select(r => r.Analysis!.Final.PerLayer["forgetting"].Mean[0]).ToArray();
        var xb = loaded.Settings[1].Replicates!.Select(r => r.Analysis!.Final.PerLayer["forgetting"].Mean[0]).ToArray();
        Assert.Equal(xa.Average() - xb.Average(), one.Difference, 1e-12);
        Assert.Equal(SeedStatistics.Welch(xa, xb).p, one.P, 1e-12);

        // Rerun: nothing is trained, evaluated, inverted or analysed again; the statistics are byte-identical.
        var cells = Directory.GetFiles(Path.Combine(dir.Path, "ft", "seed_1", "analysis", "cells")).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var inversions = keys.SelectMany(Directory.GetFiles).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        log.Clear();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        new StudyRunner(config, dir.Path, CPU, new StudyCallbacks(log.Add)).Run();
        Assert.Equal(1 + 4, log.Count(l => l.Contains("already complete")));   // pretraining and the four runs
        Assert.DoesNotContain(log, l => l.Contains("epoch 1: clean"));
        Assert.All(cells, kv => Assert.Equal(kv.Value, File.GetLastWriteTimeUtc(kv.Key)));
        Assert.All(inversions, kv => Assert.Equal(kv.Value, File.GetLastWriteTimeUtc(kv.Key)));
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"resume took {watch.Elapsed}");
    }

    const string HypothesisGridHeadline = Invariscope.Analysis.Robustness.HypothesisGrid.HeadlineId;
}
