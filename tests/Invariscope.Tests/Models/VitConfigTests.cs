using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Tests.Models;

public class VitConfigTests
{
    [Fact]
    public void TimmConstructorJsonIsAConfig()
    {
        var c = VitConfig.Load(TestData.Fixture("timm_vit_tiny32_config.json"));
        Assert.Equal((32, 4, 64, 4, 4, 10), (c.ImgSize, c.PatchSize, c.EmbedDim, c.Depth, c.NumHeads, c.NumClasses));
        Assert.Equal(65, c.NumTokens);
        Assert.Equal(256, c.MlpHidden);
        Assert.False(c.UseFcNorm);
        Assert.Equal(1e-6, c.LayerNormEps);
    }

    [Fact]
    public void HuggingFaceConfigJsonIsAConfig()
    {
        var c = VitConfig.Load(TestData.Fixture("hf_vit_tiny32_config.json"));
        Assert.Equal((32, 4, 64, 4, 4, 10), (c.ImgSize, c.PatchSize, c.EmbedDim, c.Depth, c.NumHeads, c.NumClasses));
        Assert.Equal(1e-12, c.LayerNormEps);
        Assert.Equal(4.0, c.MlpRatio);
        Assert.True(c.ClassToken);
        Assert.Equal("token", c.GlobalPool);
    }

    [Fact]
    public void ConfigRoundTripsThroughJson()
    {
        var c = VitPresets.Get("vit_base_patch32_224") with { GlobalPool = "avg", ClassToken = false, NumClasses = 7 };
        Assert.Equal(c, VitConfig.FromJson(c.ToJson(), "test"));
    }

    [Fact]
    public void UnknownFieldIsAnErrorNamingIt()
    {
        var e = Assert.Throws<InvariscopeException>(() => VitConfig.FromJson("""{"embed_dim": 64, "detph": 4}""", "my.json"));
        Assert.Contains("my.json", e.Message);
        Assert.Contains("detph", e.Message);
    }

    [Theory]
    [InlineData("""{"img_size": 30, "patch_size": 4}""", "patch_size 4 must divide img_size 30")]
    [InlineData("""{"embed_dim": 64, "num_heads": 5}""", "num_heads 5 must divide embed_dim 64")]
    [InlineData("""{"global_pool": "max"}""", "global_pool")]
    [InlineData("""{"class_token": false}""", "class_token")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{"embed_dim": """, "not valid JSON")]
    public void InvalidConfigsAreClearErrors(string json, string expected)
    {
        var e = Assert.Throws<InvariscopeException>(() => VitConfig.FromJson(json, "cfg.json"));
        Assert.Contains("cfg.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MissingConfigFileIsNamed()
    {
        var e = Assert.Throws<InvariscopeException>(() => VitConfig.Load("/nonexistent/c.json"));
        Assert.Contains("/nonexistent/c.json", e.Message);
    }

    [Theory]
    [InlineData("vit_base_patch32_224", 768, 12, 12, 32, 224, 50)]
    [InlineData("vit_base_patch16_224", 768, 12, 12, 16, 224, 197)]
    [InlineData("vit_small_patch32_224", 384, 12, 6, 32, 224, 50)]
    [InlineData("vit_small_patch16_224", 384, 12, 6, 16, 224, 197)]
    [InlineData("vit_tiny_patch16_224", 192, 12, 3, 16, 224, 197)]
    [InlineData("vit_tiny_patch32_224", 192, 12, 3, 32, 224, 50)]
    [InlineData("B/32", 768, 12, 12, 32, 224, 50)]
    [InlineData("Ti/16@32", 192, 12, 3, 16, 32, 5)]
    [InlineData("vit_micro_patch4_16", 64, 4, 4, 4, 16, 17)]
    public void PresetsHaveTheirSizes(string name, int dim, int depth, int heads, int patch, int img, int tokens)
    {
        var c = VitPresets.Get(name);
        Assert.Equal((dim, depth, heads, patch, img, tokens), (c.EmbedDim, c.Depth, c.NumHeads, c.PatchSize, c.ImgSize, c.NumTokens));
    }

    [Fact]
    public void UnknownPresetListsTheKnownOnes()
    {
        var e = Assert.Throws<InvariscopeException>(() => VitPresets.Get("vit_huge"));
        Assert.Contains("vit_huge", e.Message);
        Assert.Contains("vit_base_patch32_224", e.Message);
    }
}
