using Invariscope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Tests.Models;

public class VisionTransformerTests
{
    static VisionTransformer Tiny(VitConfig? config = null, int seed = 0)
    {
        _ = TestData.Fixture(""); // runtime init
        manual_seed(seed);
        var m = new VisionTransformer(config ?? VitPresets.Get("vit_test_patch4_32"));
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
        Assert.Equal([0, 1, 2, 3], all.Blocks.Keys);
        foreach (var t in all.Blocks.Values) Assert.Equal([2L, 65, 64], t.shape);
        using var features = m.ForwardFeatures(x);
        using var lastNormed = m.FinalNorm(all.Blocks[3]);
        // The last intermediate after the final norm equals the features.
        Assert.True(TestData.MaxAbsDiff(lastNormed, features) < 1e-6);
        Assert.True(TestData.MaxAbsDiff(all.FinalNorm!, features) < 1e-6);
        using var pooled = m.ForwardHead(features, preLogits: true);
        Assert.True(TestData.MaxAbsDiff(all.PreLogits!, pooled) < 1e-6);
        using var logits = m.call(x);
        Assert.True(TestData.MaxAbsDiff(all.Logits!, logits) < 1e-6);
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
                hooks.Add(block.register_forward_hook((_, _, output) => { calls[index]++; return output; }).remove);
            }
        using var x = randn(1, 3, 32, 32);
        using var _ = no_grad();
        using (var r = m.ForwardIntermediates(x, LayerSelection.Of(0, 1), stopEarly: true))
        {
            Assert.Equal([0, 1], r.Blocks.Keys);
            Assert.Null(r.FinalNorm);
            Assert.Null(r.Logits);
        }
        Assert.Equal([1, 1, 0, 0], calls);
        using (var r = m.ForwardIntermediates(x, LayerSelection.Of(1)))
        {
            Assert.Equal([1], r.Blocks.Keys);
            Assert.NotNull(r.Logits);
        }
        Assert.Equal([2, 2, 1, 1], calls);
        foreach (var h in hooks) h();
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
        Assert.All(sa, kv => Assert.True(kv.Value.equal(b.state_dict()[kv.Key]).item<bool>()));
        Assert.False(sa["blocks.0.attn.qkv.weight"].equal(c.state_dict()["blocks.0.attn.qkv.weight"]).item<bool>());
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
