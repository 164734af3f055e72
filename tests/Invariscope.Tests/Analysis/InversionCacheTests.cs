using System.Text.Json;
using Invariscope.Analysis;
using Invariscope.Layout;
using Invariscope.Models;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

/// <summary>The shared cache of inversions on p, and the reuse of p's inversions at a run's epoch 0.</summary>
public class InversionCacheTests(FinetuneRunFixture fx) : IClassFixture<FinetuneRunFixture>
{
    AnalysisSettings Settings(string finetuned, string? pretrained = null) => new()
    {
        Pretrained = pretrained ?? fx.Pretrained, Finetuned = finetuned, Data = "synthetic:texture?size=16&n=64&seed=7",
        Samples = 16, Seeds = 2, Steps = 20, Layers = "all", Metrics = ["forgetting", "flow"],
    };

    static (AnalysisResults results, List<string> stages) Analyze(AnalysisSettings settings, string outDir)
    {
        var stages = new List<string>();
        var r = new InvarianceAnalysis(settings, new AnalysisLayout(outDir), CPU,
            progress: label => { lock (stages) stages.Add(label); return new Progress<(int, int)>(); }).Run();
        return (r, stages);
    }

    [Fact]
    public void Analyses_sharing_p_write_one_cached_file_per_seed_and_match_a_private_cache()
    {
        using var dir = new TestData.TempDir();
        var cache = dir.File("inversions");
        var run = new RunLayout(fx.Run);
        var (_, first) = Analyze(Settings(run.Weights(1)) with { InversionCache = cache }, dir.File("a"));
        var key = Assert.Single(Directory.GetDirectories(cache));
        Assert.Equal(["inversions_s0.safetensors", "inversions_s1.safetensors"],
            Directory.GetFiles(key).Select(Path.GetFileName).Order());
        Assert.Equal(2, first.Count(s => s.StartsWith("invert pretrained")));
        Assert.False(Directory.Exists(Path.Combine(dir.File("a"), "cache")) && Directory.GetFiles(Path.Combine(dir.File("a"), "cache")).Length > 0);
        var stamps = Directory.GetFiles(key).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        // Another checkpoint from the same p: reads the cache, inverts nothing, writes nothing new.
        var (shared, second) = Analyze(Settings(run.Weights(2)) with { InversionCache = cache }, dir.File("b"));
        Assert.DoesNotContain(second, s => s.StartsWith("invert pretrained"));
        Assert.Equal(key, Assert.Single(Directory.GetDirectories(cache)));
        Assert.All(stamps, kv => Assert.Equal(kv.Value, File.GetLastWriteTimeUtc(kv.Key)));
        Assert.Equal(2, Directory.GetFiles(key).Length);
        Assert.Contains(shared.Inversions, d => d.Model == "pretrained" && d.Seed == 1);

        // The same checkpoint with its own private cache gives the same numbers.
        var (own, third) = Analyze(Settings(run.Weights(2)), dir.File("c"));
        Assert.Equal(2, third.Count(s => s.StartsWith("invert pretrained")));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir.File("c"), "cache")).Length);
        var (x, y) = (shared.Final.PerLayer["forgetting"], own.Final.PerLayer["forgetting"]);
        for (int l = 0; l < x.Mean.Length; l++)
        {
            Assert.Equal(y.Mean[l], x.Mean[l], 1e-12);
            Assert.Equal(y.Std[l], x.Std[l], 1e-12);
        }
        for (int i = 0; i < x.Mean.Length; i++)
            for (int j = 0; j < x.Mean.Length; j++)
                Assert.Equal(own.Final.FlowMean![i][j], shared.Final.FlowMean![i][j], 1e-12);
    }

    static VisionTransformer Model(int numClasses = 10, long seed = 0) => new(VitPresets.Get("vit_micro_patch4_16") with { NumClasses = numClasses }, seed);

    static void CopyBackbone(VisionTransformer from, VisionTransformer to)
    {
        using var _ = no_grad();
        var source = from.state_dict();
        foreach (var (name, t) in to.state_dict().Where(kv => !kv.Key.StartsWith("head.")))
            t.copy_(source[name]);
    }

    [Fact]
    public void The_key_follows_the_backbone_and_the_inversion_settings_but_not_the_head()
    {
        var s = new AnalysisSettings { Data = "synthetic:texture?size=16&n=64&seed=7", Samples = 16, Steps = 20 };
        using var p = Model();
        var key = InversionCache.Key(p, s);
        Assert.Matches("^[0-9a-f]{32}$", key);
        using (var same = Model()) Assert.Equal(key, InversionCache.Key(same, s));

        // Another classifier head on the same backbone: same key.
        using (var head = Model())
        {
            using (no_grad()) head.state_dict()["head.weight"].add_(1.0);
            Assert.Equal(key, InversionCache.Key(head, s));
        }
        // A head for another number of classes (e.g. another task finetuned from the same backbone): same key.
        using (var other = Model(numClasses: 3, seed: 5))
        {
            CopyBackbone(p, other);
            Assert.Equal(key, InversionCache.Key(other, s));
        }
        // One backbone weight changed: another key.
        using (var changed = Model())
        {
            using (no_grad()) changed.state_dict().First(kv => kv.Key.StartsWith("blocks.")).Value.view(-1)[0].add_(1e-3);
            Assert.NotEqual(key, InversionCache.Key(changed, s));
        }
        using (var otherInit = Model(seed: 1)) Assert.NotEqual(key, InversionCache.Key(otherInit, s));

        // Inversion settings: steps, step size, probe images, layers change it; STIR seeds (one file each), the
        // analysed checkpoint and the metrics do not.
        Assert.NotEqual(key, InversionCache.Key(p, s with { Steps = 21 }));
        Assert.NotEqual(key, InversionCache.Key(p, s with { StepSize = 0.25 }));
        Assert.NotEqual(key, InversionCache.Key(p, s with { Samples = 17 }));
        Assert.NotEqual(key, InversionCache.Key(p, s with { SampleSeed = 1 }));
        Assert.NotEqual(key, InversionCache.Key(p, s with { Layers = "2" }));
        // the same layers however they are written: all = every block and pre_logits of the 4-block model
        Assert.Equal(key, InversionCache.Key(p, s with { Layers = "0,1,2,3,pre_logits" }));
        Assert.Equal(key, InversionCache.Key(p, s with { Layers = "last:5" }));
        Assert.Equal(key, InversionCache.Key(p, s with { Seeds = 7, Finetuned = "elsewhere", Metrics = ["forgetting"], InversionCache = "/c" }));
    }

    [Fact]
    public void At_a_runs_epoch_0_learning_reuses_the_inversions_on_p_and_learning_epochs_final_skips_the_middle()
    {
        using var dir = new TestData.TempDir();
        var run = new RunLayout(fx.Run);
        var settings = Settings(fx.Run, pretrained: run.Weights(0)) with
        {
            Seeds = 1, Metrics = ["forgetting", "learning", "stir"], LearningEpochs = "final",
        };
        var (r, stages) = Analyze(settings, dir.File("a"));
        Assert.Equal([0, 1, 2], r.Checkpoints.Select(c => c.Epoch!.Value));

        // Epoch 0 is p itself: X'(f) = X'(p), so STIR(p|f) is STIR(f|p) exactly, and no inversion of f ran.
        var zero = r.Checkpoints[0];
        Assert.Equal(zero.PerLayer["forgetting"].Mean, zero.PerLayer["learning"].Mean);
        Assert.Equal(zero.PerLayer["stir_f_given_p"].Mean, zero.PerLayer["stir_p_given_f"].Mean);
        Assert.Equal(zero.PerLayer["forgetting"].Replicates!, zero.PerLayer["learning"].Replicates!);
        Assert.DoesNotContain(stages, s => s.StartsWith("invert epoch_000"));
        Assert.DoesNotContain(stages, s => s.StartsWith("invert epoch_001"));
        Assert.Contains(stages, s => s.StartsWith("invert epoch_002"));

        // learning_epochs = final: the middle epoch has forgetting but no learning, in memory and in results.json.
        Assert.False(r.Checkpoints[1].PerLayer.ContainsKey("learning"));
        Assert.True(r.Checkpoints[1].PerLayer.ContainsKey("forgetting"));
        var final = r.Checkpoints[2];
        Assert.NotEqual(final.PerLayer["forgetting"].Mean, final.PerLayer["learning"].Mean);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("a"), "results.json")));
        var perLayer = json.RootElement.GetProperty("checkpoints").EnumerateArray()
            .ToDictionary(c => c.GetProperty("epoch").GetInt32(), c => c.GetProperty("per_layer"));
        Assert.True(perLayer[0].TryGetProperty("learning", out _));
        Assert.False(perLayer[1].TryGetProperty("learning", out _));
        Assert.True(perLayer[1].TryGetProperty("forgetting", out _));
        Assert.True(perLayer[2].TryGetProperty("learning", out _));
        Assert.Equal("final", json.RootElement.GetProperty("settings").GetProperty("learning_epochs").GetString());
    }
}
