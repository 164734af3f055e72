using Invariscope.Checkpoints;
using Invariscope.Formats;
using Invariscope.Models;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Tests.Checkpoints;

public class CheckpointTests
{
    static Dictionary<string, Tensor> TimmWeights() => TestData.Load("timm_vit_tiny32.safetensors");

    static VisionTransformer FixtureModel() => new(VitConfig.Load(TestData.Fixture("timm_vit_tiny32_config.json")));

    [Fact]
    public void StrictLoadNamesMissingKeys()
    {
        var w = TimmWeights();
        w.Remove("blocks.2.mlp.fc1.bias");
        using var m = FixtureModel();
        var e = Assert.Throws<InvariscopeException>(() => StrictLoad.Into(m, w, "ckpt.safetensors"));
        Assert.Contains("ckpt.safetensors", e.Message);
        Assert.Contains("missing blocks.2.mlp.fc1.bias", e.Message);
    }

    [Fact]
    public void StrictLoadNamesUnexpectedKeys()
    {
        var w = TimmWeights();
        w["blocks.9.norm1.weight"] = zeros(64);
        using var m = FixtureModel();
        var e = Assert.Throws<InvariscopeException>(() => StrictLoad.Into(m, w, "ckpt.safetensors"));
        Assert.Contains("unexpected blocks.9.norm1.weight", e.Message);
    }

    [Fact]
    public void StrictLoadNamesMisShapedKeys()
    {
        var w = TimmWeights();
        w["head.weight"] = zeros(5, 64);
        using var m = FixtureModel();
        var e = Assert.Throws<InvariscopeException>(() => StrictLoad.Into(m, w, "ckpt.safetensors"));
        Assert.Contains("head.weight (5, 64) in file vs (10, 64) in model", e.Message);
    }

    [Fact]
    public void SaveThenLoadRoundTripsWeightsAndConfig()
    {
        using var dir = new TestData.TempDir();
        var config = VitPresets.Get("vit_micro_patch4_16") with { GlobalPool = "avg", NumClasses = 5 };
        using var a = new VisionTransformer(config, seed: 3);
        var path = dir.File("m.safetensors");
        VitCheckpoint.Save(a, path, new Dictionary<string, string> { ["epoch"] = "3" });
        using var b = VitCheckpoint.Load(path);
        Assert.Equal(config, b.Config);
        foreach (var (k, t) in a.state_dict()) Assert.Equal(0.0, TestData.MaxAbsDiff(t, b.state_dict()[k]));
        using var f = Safetensors.Open(path);
        Assert.Equal("3", f.Metadata["epoch"]);
    }

    [Fact]
    public void PresetTakesTheClassCountFromTheCheckpoint()
    {
        using var m = VitCheckpoint.Load(TestData.Fixture("timm_vit_tiny32.safetensors"), preset: "mu/4@32");
        Assert.Equal(10, m.Config.NumClasses);
    }

    [Fact]
    public void HfWeightsWithoutAnArchitectureAskForOne()
    {
        var e = Assert.Throws<InvariscopeException>(() => VitCheckpoint.Load(TestData.Fixture("hf_vit_tiny32.safetensors")));
        Assert.Contains("does not say its architecture; set config (an architecture JSON) or preset", e.Message);
    }

    [Fact]
    public void WrongArchitectureIsReportedBySizesElseByKey()
    {
        // sizes the shapes show: one sentence, before any model is built
        var e = Assert.Throws<InvariscopeException>(() =>
            VitCheckpoint.Load(TestData.Fixture("timm_vit_tiny32.safetensors"), preset: "vit_micro_patch4_16"));
        Assert.EndsWith("the checkpoint has dim 64, depth 4, image size 32; preset vit_micro_patch4_16 has dim 64, depth 4, image size 16", e.Message);
        Assert.Equal("preset", e.Field);
        // a difference no size shows (a qkv bias) is still named key by key
        using var dir = new TestData.TempDir();
        File.WriteAllText(dir.File("c.json"), File.ReadAllText(TestData.Fixture("timm_vit_tiny32_config.json")).Replace("\"qkv_bias\": true", "\"qkv_bias\": false"));
        e = Assert.Throws<InvariscopeException>(() => VitCheckpoint.Load(TestData.Fixture("timm_vit_tiny32.safetensors"), configPath: dir.File("c.json")));
        Assert.Contains("unexpected blocks.0.attn.qkv.bias", e.Message);
    }
}
