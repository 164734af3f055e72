using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Invariscope.Cli.Commands;
using Invariscope.Formats;
using Invariscope.Runtime;
using Invariscope.Study;
using Invariscope.Tests.Training;

namespace Invariscope.Tests.Cli;

/// <summary>
/// <c>--layers</c> has one grammar and one meaning: the same value selects the same layers in every command that takes
/// it, read back from what each command writes. All models here have 4 blocks, so the index space is
/// [block0..block3, pre_logits].
/// </summary>
public sealed class LayersFlagTests : IDisposable
{
    readonly TestData.TempDir _dir = new();
    readonly string _a, _b;
    const string Data = "synthetic:shapes?size=16&n=8&seed=3";

    public LayersFlagTests()
    {
        _a = EvalModels.SaveVit(_dir.File("a.safetensors"), seed: 1);
        _b = EvalModels.SaveVit(_dir.File("b.safetensors"), seed: 2);
    }

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string> Values() => new()
    {
        { "3", "block3" },                                   // a bare number is index 3 everywhere (extract and analyze once read "last 3")
        { "-1", "pre_logits" },
        { "0,-2", "block0,block3" },
        { "last:2", "block3,pre_logits" },
        { "all", "block0,block1,block2,block3,pre_logits" },
        { "block1,final_norm,pre_logits", "block1,final_norm,pre_logits" },
    };

    static void Ok((int code, string stdout, string stderr) r) => Assert.True(r.code == 0, r.stderr);

    string Extract(string layers)
    {
        var output = _dir.File($"x{Guid.NewGuid():N}.safetensors");
        Ok(TestData.Cli("extract", "--weights", _a, "--data", Data, "--layers", layers, "--device", "cpu", "--out", output));
        using var f = Safetensors.Open(output);
        return string.Join(",", f.Names.Where(n => n is not "logits" and not "labels").Order(LayerOrder.Instance));
    }

    string FeaturesChange(string layers)
    {
        var output = _dir.File($"f{Guid.NewGuid():N}.json");
        Ok(TestData.Cli("features-change", "--finetuned", _b, "--start", _a, "--data", Data, "--layers", layers, "--device", "cpu", "--out", output));
        return string.Join(",", JsonNode.Parse(File.ReadAllText(output))!["layers"]!.AsArray().Select(r => (string)r!["layer"]!));
    }

    string Analyze(string layers)
    {
        var output = _dir.File($"a{Guid.NewGuid():N}");
        // CKA divergence alone needs no inversion: the layers still go through the analysis's one resolution.
        Ok(TestData.Cli("analyze", "--pretrained", _a, "--finetuned", _b, "--data", Data, "--samples", "4", "--seeds", "1",
            "--metrics", "cka_divergence", "--layers", layers, "--device", "cpu", "--out", output));
        return string.Join(",", JsonNode.Parse(File.ReadAllText(Path.Combine(output, "results.json")))!["layers"]!.AsArray().Select(n => (string)n!));
    }

    static string BenchStir(string layers)
    {
        var (code, stdout, stderr) = TestData.Cli("bench", "stir", "--preset", "vit_micro_patch4_16", "--images", "2", "--steps", "1",
            "--layers", layers, "--device", "cpu");
        Assert.True(code == 0, stderr);
        return Regex.Match(stdout, @"layers \(([^)]*)\)").Groups[1].Value;
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void ExtractSelectsTheseLayers(string layers, string expected) => Assert.Equal(expected, Extract(layers));

    [Theory]
    [MemberData(nameof(Values))]
    public void FeaturesChangeSelectsTheseLayers(string layers, string expected) => Assert.Equal(expected, FeaturesChange(layers));

    [Theory]
    [MemberData(nameof(Values))]
    public void AnalyzeSelectsTheseLayers(string layers, string expected) => Assert.Equal(expected, Analyze(layers));

    [Theory]
    [MemberData(nameof(Values))]
    public void BenchStirSelectsTheseLayers(string layers, string expected) => Assert.Equal(expected, BenchStir(layers));

    [Fact]
    public void EachCommandKeepsItsDefault()
    {
        var output = _dir.File("default.safetensors");
        Ok(TestData.Cli("extract", "--weights", _a, "--data", Data, "--device", "cpu", "--out", output));
        using (var f = Safetensors.Open(output))
            Assert.Equal("block0,block1,block2,block3,final_norm,pre_logits,logits,labels", string.Join(",", f.Names.Order(LayerOrder.Instance)));
        var (code, stdout, stderr) = TestData.Cli("features-change", "--finetuned", _b, "--start", _a, "--data", Data, "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Equal(["layer", "pre_logits"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]));
        Assert.Equal("block0,block1,block2,block3,pre_logits", BenchStir("all")); // bench stir's default is all
        var analyze = _dir.File("analyze_default");
        Ok(TestData.Cli("analyze", "--pretrained", _a, "--finetuned", _b, "--data", Data, "--samples", "4", "--seeds", "1",
            "--metrics", "cka_divergence", "--device", "cpu", "--out", analyze));
        Assert.Equal("block0,block1,block2,block3,pre_logits",
            string.Join(",", JsonNode.Parse(File.ReadAllText(Path.Combine(analyze, "results.json")))!["layers"]!.AsArray().Select(n => (string)n!)));
    }

    [Theory]
    [InlineData("extract")]
    [InlineData("features-change")]
    [InlineData("analyze")]
    [InlineData("bench")]
    public void OutOfRangeAndBadSyntaxAreOneLineErrorsInEveryCommand(string command)
    {
        foreach (var (layers, message) in new[] { ("5", "index 5 is out of range for a 4-block model (valid: 0..4 or -5..-1"), ("x", "'x' is not a layer") })
        {
            string[] args = command switch
            {
                "extract" => ["extract", "--weights", _a, "--data", Data, "--out", _dir.File("bad.safetensors")],
                "features-change" => ["features-change", "--finetuned", _b, "--start", _a, "--data", Data],
                "analyze" => ["analyze", "--pretrained", _a, "--finetuned", _b, "--data", Data, "--samples", "4", "--metrics", "cka_divergence", "--out", _dir.File("bad")],
                _ => ["bench", "stir", "--preset", "vit_micro_patch4_16"],
            };
            var (code, _, stderr) = TestData.Cli([.. args, "--layers", layers, "--device", "cpu"]);
            Assert.Equal(1, code);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.Contains(message, stderr);
            Assert.Matches(@"error: (--)?layers", stderr); // names the flag (or, from the analysis, its settings field)
        }
    }

    [Fact]
    public void AStudyTakesTheSameGrammarAndRejectsBadSyntaxUpFront()
    {
        const string head = "{ \"robustness\": { \"data\": \"synthetic:texture?size=16&n=50\" }, \"settings\": [ { \"name\": \"ft\" } ], ";
        var study = StudyConfig.FromJson(head + "\"analysis\": { \"layers\": \"last:2\" } }", "s.json");
        Assert.Equal("last:2", study.AnalysisFor("p", "r", "vit", null).Layers);
        var e = Assert.Throws<InvariscopeException>(() => StudyConfig.FromJson(head + "\"analysis\": { \"layers\": \"0,last\" } }", "s.json"));
        Assert.Contains("layers '0,last': 'last' is not a layer", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
