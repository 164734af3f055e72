using Invariscope.Checkpoints;
using Invariscope.Models;
using static TorchSharp.torch;

namespace Invariscope.Tests.Checkpoints;

/// <summary>Our ViT against timm's and Hugging Face's own outputs for the same weights and input.</summary>
public class ParityTests
{
    const double Tolerance = 1e-4;

    [Fact]
    public void TimmFixtureMatchesEveryLayer()
    {
        using var model = VitCheckpoint.Load(TestData.Fixture("timm_vit_tiny32.safetensors"),
            TestData.Fixture("timm_vit_tiny32_config.json"));
        var expected = TestData.Load("timm_vit_tiny32_expected.safetensors");
        using var _ = no_grad();
        using var r = model.ForwardIntermediates(expected["input"]);
        for (int i = 0; i < 4; i++)
            Assert.True(TestData.MaxAbsDiff(r.Block(i), expected[$"block{i}"]) <= Tolerance, $"block{i}");
        Assert.True(TestData.MaxAbsDiff(r.FinalNorm!, expected["final_norm"]) <= Tolerance, "final_norm");
        Assert.True(TestData.MaxAbsDiff(r.PreLogits!, expected["pre_logits"]) <= Tolerance, "pre_logits");
        Assert.True(TestData.MaxAbsDiff(r.Logits!, expected["logits"]) <= Tolerance, "logits");
        foreach (var t in expected.Values) t.Dispose();
    }

    [Fact]
    public void TimmFixtureLoadsFromItsOwnMetadataWithoutAConfig()
    {
        using var model = VitCheckpoint.Load(TestData.Fixture("timm_vit_tiny32.safetensors"));
        Assert.Equal(VitConfig.Load(TestData.Fixture("timm_vit_tiny32_config.json")), model.Config);
    }

    [Fact]
    public void HuggingFaceFixtureMatchesEveryHiddenState()
    {
        using var model = VitCheckpoint.Load(TestData.Fixture("hf_vit_tiny32.safetensors"),
            TestData.Fixture("hf_vit_tiny32_config.json"));
        var expected = TestData.Load("hf_vit_tiny32_expected.safetensors");
        using var _ = no_grad();
        using var embedded = model.Embed(expected["input"]);
        Assert.True(TestData.MaxAbsDiff(embedded, expected["hidden0"]) <= Tolerance, "hidden0");
        using var r = model.ForwardIntermediates(expected["input"]);
        for (int i = 0; i < 4; i++) // HF's hidden_states[i+1] is block i's output
            Assert.True(TestData.MaxAbsDiff(r.Block(i), expected[$"hidden{i + 1}"]) <= Tolerance, $"hidden{i + 1}");
        Assert.True(TestData.MaxAbsDiff(r.Logits!, expected["logits"]) <= Tolerance, "logits");
        foreach (var t in expected.Values) t.Dispose();
    }

    [Fact]
    public void HuggingFaceVitBase32KeysMapOntoTimmVitBase32()
    {
        var hf = Models.VisionTransformerTests.KeyList("# transformers ViTForImageClassification(image_size=224, patch_size=32)");
        var tensors = hf.ToDictionary(kv => kv.Key, kv => zeros(ParseShape(kv.Value)));
        var timm = HfVitKeys.ToTimm(tensors);
        using var model = new VisionTransformer(VitPresets.Get("vit_base_patch32_224") with { NumClasses = 2 });
        StrictLoad.Into(model, timm, "hf keys"); // throws on any missing, unexpected or mis-shaped key
        foreach (var t in timm.Values.Concat(tensors.Values).Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>()) t.Dispose();
    }

    [Fact]
    public void TransformersFourNamesMapToo()
    {
        // The same fixture renamed to transformers 4.x keys loads to the same logits.
        var hf = TestData.Load("hf_vit_tiny32.safetensors");
        var old = new Dictionary<string, Tensor>();
        foreach (var (k, t) in hf)
            old[k.Replace("vit.layers.", "vit.encoder.layer.")
                 .Replace(".attention.q_proj.", ".attention.attention.query.")
                 .Replace(".attention.k_proj.", ".attention.attention.key.")
                 .Replace(".attention.v_proj.", ".attention.attention.value.")
                 .Replace(".attention.o_proj.", ".attention.output.dense.")
                 .Replace(".mlp.fc1.", ".intermediate.dense.")
                 .Replace(".mlp.fc2.", ".output.dense.")] = t;
        var mapped = HfVitKeys.ToTimm(old);
        using var model = new VisionTransformer(VitConfig.Load(TestData.Fixture("hf_vit_tiny32_config.json")));
        StrictLoad.Into(model, mapped, "hf4");
        model.eval();
        var expected = TestData.Load("hf_vit_tiny32_expected.safetensors");
        using var _ = no_grad();
        using var logits = model.call(expected["input"]);
        Assert.True(TestData.MaxAbsDiff(logits, expected["logits"]) <= Tolerance);
        foreach (var t in mapped.Values.Concat(hf.Values).Concat(expected.Values).Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>()) t.Dispose();
    }

    static long[] ParseShape(string text) =>
        text.Trim('(', ')').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
}
