using Invariscope.Models;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Tests.Models;

public class VisionTransformerTests
{
    static VisionTransformer Tiny(VitConfig? config = null, int seed = 0)
    {
        _ = TestData.Fixture(""); // runtime init
        var m = new VisionTransformer(config ?? VitPresets.Get("vit_test_patch4_32"), seed);
        m.eval();
        return m;
    }

    [Fact]
    public void ForwardShapes()
    {
        using var m = Tiny();
        using var x = randn(3, 3, 32, 32);
        using var logits = m.call(x);
        Assert.Equal([3L, 10], logits.shape);
        using var feats = m.ForwardFeatures(x);
        Assert.Equal([3L, 65, 64], feats.shape);
        using var pooled = m.ForwardHead(feats, preLogits: true);
        Assert.Equal([3L, 64], pooled.shape);
    }

    [Fact]
    public void IntermediatesAreConsistentWithTheStagedForward()
    {
        using var m = Tiny();
        using var x = randn(2, 3, 32, 32);
        using var _ = no_grad();
        using var all = m.ForwardIntermediates(x);
        Assert.Equal(["block0", "block1", "block2", "block3", "final_norm", "pre_logits"], all.Layers.Keys.Select(l => l.Name));
        for (int i = 0; i < 4; i++) Assert.Equal([2L, 65, 64], all.Block(i).shape);
        using var features = m.ForwardFeatures(x);
        using var lastNormed = m.FinalNorm(all.Block(3));
        // The last intermediate after the final norm equals the features.
        Assert.True(TestData.MaxAbsDiff(lastNormed, features) < 1e-6);
        Assert.True(TestData.MaxAbsDiff(all.FinalNorm!, features) < 1e-6);
        using var pooled = m.ForwardHead(features, preLogits: true);
        Assert.True(TestData.MaxAbsDiff(all.PreLogits!, pooled) < 1e-6);
        using var logits = m.call(x);
        Assert.True(TestData.MaxAbsDiff(all.Logits!, logits) < 1e-6);
        // A layer's output from the tokens of its last block (what STIR's own loop uses) is the same computation.
        foreach (var layer in LayerId.Every(4))
        {
            using var output = m.LayerOutput(layer, all.Block(layer.LastBlock(4)));
            Assert.Equal(0, TestData.MaxAbsDiff(output, all[layer]));
        }
    }

    [Fact]
    public void StopEarlyDoesNotRunLaterBlocks()
    {
        using var m = Tiny();
        var calls = new int[4];
        var hooks = new List<Action>();
        foreach (var (name, module) in m.named_modules())
            if (module is Block block && name.StartsWith("blocks.") && int.TryParse(name["blocks.".Length..], out var i))
            {
                int index = i;
                var remover = block.register_forward_hook((_, _, output) => { calls[index]++; return output; });
                hooks.Add(remover.remove);
            }
        using var x = randn(1, 3, 32, 32);
        using var _ = no_grad();
        using (var r = m.ForwardIntermediates(x, [LayerId.OfBlock(1), LayerId.OfBlock(0)]))
        {
            Assert.Equal([LayerId.OfBlock(0), LayerId.OfBlock(1)], r.Layers.Keys);
            Assert.Null(r.FinalNorm);
            Assert.Null(r.Logits);
        }
        Assert.Equal([1, 1, 0, 0], calls);
        using (var r = m.ForwardIntermediates(x, [LayerId.OfBlock(1), LayerId.PreLogits]))
        {
            Assert.Equal([LayerId.OfBlock(1), LayerId.PreLogits], r.Layers.Keys);
            Assert.Null(r.FinalNorm);
            Assert.NotNull(r.Logits);
        }
        Assert.Equal([2, 2, 1, 1], calls);
        using (var r = m.ForwardIntermediates(x, [LayerId.FinalNorm], logits: false))
        {
            Assert.Equal([LayerId.FinalNorm], r.Layers.Keys);
            Assert.Null(r.Logits);
        }
        Assert.Equal([3, 3, 2, 2], calls);
        Assert.Contains("block4 is out of range for a 4-block model",
            Assert.Throws<InvariscopeException>(() => m.ForwardIntermediates(x, [LayerId.OfBlock(4)])).Message);
        foreach (var remove in hooks) remove();
    }

    [Fact]
    public void AvgPoolingUsesFcNormLikeTimm()
    {
        var config = VitPresets.Get("vit_test_patch4_32") with { GlobalPool = "avg", ClassToken = false };
        using var m = Tiny(config);
        var keys = m.state_dict().Keys.ToHashSet();
        Assert.Contains("fc_norm.weight", keys);
        Assert.DoesNotContain("norm.weight", keys);
        Assert.DoesNotContain("cls_token", keys);
        using var x = randn(2, 3, 32, 32);
        using var _ = no_grad();
        using var r = m.ForwardIntermediates(x);
        Assert.Equal([2L, 64, 64], r.FinalNorm!.shape);
        Assert.Equal([2L, 64], r.PreLogits!.shape);
    }

    [Fact]
    public void StateDictNamesMatchTimmForTheFixtureModel()
    {
        using var m = Tiny();
        var fixture = TestData.Load("timm_vit_tiny32.safetensors");
        Assert.Equal(fixture.Keys.Order(), m.state_dict().Keys.Order());
        foreach (var (k, t) in m.state_dict()) Assert.Equal(fixture[k].shape, t.shape);
        foreach (var t in fixture.Values) t.Dispose();
    }

    [Fact]
    public void StateDictNamesAndShapesMatchTimmVitBase32()
    {
        var expected = KeyList("# timm vit_base_patch32_224");
        using var m = new VisionTransformer(VitPresets.Get("vit_base_patch32_224"));
        var actual = m.state_dict().ToDictionary(kv => kv.Key, kv => "(" + string.Join(", ", kv.Value.shape) + (kv.Value.shape.Length == 1 ? ",)" : ")"));
        Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
    }

    /// <summary>Reads one section of vit_b32_keys.txt: name → shape text.</summary>
    public static Dictionary<string, string> KeyList(string header)
    {
        var lines = File.ReadAllLines(TestData.Fixture("vit_b32_keys.txt"));
        var result = new Dictionary<string, string>();
        bool inSection = false;
        foreach (var line in lines)
        {
            if (line.StartsWith('#')) { inSection = line.Trim() == header; continue; }
            if (!inSection || line.Trim().Length == 0) continue;
            var parts = line.Split('\t');
            result[parts[0]] = parts[1];
        }
        Assert.NotEmpty(result);
        return result;
    }

    [Fact]
    public void SameSeedSameWeights()
    {
        using var a = Tiny(seed: 7);
        using var b = Tiny(seed: 7);
        using var c = Tiny(seed: 8);
        var sa = a.state_dict();
        Assert.All(sa, kv => Assert.Equal(0.0, TestData.MaxAbsDiff(kv.Value, b.state_dict()[kv.Key])));
        Assert.True(TestData.MaxAbsDiff(sa["blocks.0.attn.qkv.weight"], c.state_dict()["blocks.0.attn.qkv.weight"]) > 0);
        Assert.True(TestData.MaxAbsDiff(sa["pos_embed"], c.state_dict()["pos_embed"]) > 0);
        Assert.True(TestData.MaxAbsDiff(sa["patch_embed.proj.weight"], c.state_dict()["patch_embed.proj.weight"]) > 0);
    }

    [Fact]
    public void InitialisationFollowsTimm()
    {
        using var m = Tiny(seed: 1);
        var sd = m.state_dict();
        using var qkv = sd["blocks.0.attn.qkv.weight"];
        Assert.InRange(qkv.std().item<float>(), 0.019, 0.021);
        Assert.True(qkv.abs().max().item<float>() < 0.2);
        Assert.Equal(0.0, sd["blocks.0.attn.qkv.bias"].abs().max().item<float>());
        Assert.InRange(sd["pos_embed"].std().item<float>(), 0.018, 0.022);
        Assert.True(sd["cls_token"].abs().max().item<float>() < 1e-5);
        double bound = 1 / Math.Sqrt(3 * 4 * 4);
        Assert.InRange(sd["patch_embed.proj.weight"].abs().max().item<float>(), 0.9 * bound, bound);
        Assert.Equal(1.0, sd["blocks.0.norm1.weight"].mean().item<float>());
    }

    [Fact]
    public void RepeatedForwardPassesLeakNoTensors()
    {
        using var m = Tiny();
        using var x = randn(4, 3, 32, 32);
        void Step()
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            using var r = m.ForwardIntermediates(x);
            using var y = m.call(x);
        }
        Step();
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++) Step();
        long after = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        Assert.Equal(before, after);
    }

    [Fact]
    public void RepeatedTrainingStepsLeakNoTensors()
    {
        using var m = Tiny();
        m.train();
        using var opt = optim.AdamW(m.parameters(), lr: 1e-3);
        using var x = randn(4, 3, 32, 32);
        using var y = tensor(new long[] { 0, 1, 2, 3 });
        void Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(m.call(x), y);
            loss.backward();
            opt.step();
        }
        Step();
        Step();
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++) Step();
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }
}
