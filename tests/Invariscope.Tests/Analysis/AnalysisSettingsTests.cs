using System.Text.Json;
using Invariscope.Analysis;
using Invariscope.Runtime;
using Invariscope.Study;

namespace Invariscope.Tests.Analysis;

public class AnalysisSettingsTests
{
    [Fact]
    public void The_defaults_are_the_papers_and_every_home_of_the_analysis_shares_them()
    {
        var d = new AnalysisSettings();
        Assert.Equal((500, 3, 500, 0.5, 0), (d.Samples, d.Seeds, d.Steps, d.StepSize, d.SampleSeed));
        Assert.Equal(MetricNames.All, d.Metrics);
        // The study's section and the settings built from it carry the same defaults: there is one set.
        Assert.Equal(d.ToJson(), new AnalysisSettings(new StudyAnalysis()).ToJson());
        var stir = StirSettings.Of(d);
        Assert.Equal((d.Steps, d.StepSize, d.MaxRows, d.Representation), (stir.Steps, stir.StepSize, stir.MaxRows, stir.Representation));
    }

    [Fact]
    public void Analysis_json_keeps_its_keys_in_their_order_and_round_trips()
    {
        var s = new AnalysisSettings { Pretrained = "p", Finetuned = "f", Data = "d", InversionCache = "c" };
        using var doc = JsonDocument.Parse(s.ToJson());
        Assert.Equal(["pretrained", "finetuned", "data", "samples", "sample_seed", "seeds", "steps", "step_size", "layers", "metrics",
            "normalize", "representation", "intervals", "max_rows", "learning_epochs", "inversion_cache", "config", "preset"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(s.ToJson(), AnalysisSettings.FromJson(s.ToJson(), "analysis.json").ToJson());
    }

    [Theory]
    [InlineData("cka-divergence", "unknown metric 'cka-divergence': did you mean 'cka_divergence'?")]
    [InlineData("Forgetting", "did you mean 'forgetting'?")]
    [InlineData("stirr", "unknown metric 'stirr' (known: stir, learning, forgetting, cka_divergence, flow)")]
    public void A_metric_has_one_spelling_and_a_misspelling_names_the_right_one(string metric, string expected)
    {
        var e = Assert.Throws<InvariscopeException>(() => new AnalysisSettings { Metrics = [metric] }.Validate(checkFiles: false));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("metrics: ", e.Message);
        Assert.Equal("metrics", e.Field);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Null(MetricNames.Problem(MetricNames.CkaDivergence));
    }

    public static TheoryData<string, string, string> BadFields => new()
    {
        { "samples", "samples 2: need at least 4 probe images", """{ "samples": 2 }""" },
        { "seeds", "seeds 0: need at least 1", """{ "seeds": 0 }""" },
        { "steps", "steps 0: must be at least 1", """{ "steps": 0 }""" },
        { "step_size", "step_size -1: must be a positive number", """{ "step_size": -1 }""" },
        { "max_rows", "max_rows 0: must be at least 1", """{ "max_rows": 0 }""" },
        { "metrics", "metrics: nothing to compute", """{ "metrics": [] }""" },
        { "representation", "representation pixels: expected tokens, cls or mean", """{ "representation": "pixels" }""" },
        { "learning_epochs", "learning_epochs 'x': expected all, final or a list", """{ "learning_epochs": "x" }""" },
        { "normalize", "normalize zca: unknown; presets:", """{ "normalize": "zca" }""" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void Errors_name_the_field_and_no_flag(string field, string expected, string json)
    {
        var e = Assert.Throws<InvariscopeException>(() => AnalysisSettings.FromJson(json, "a.json").Validate(checkFiles: false));
        Assert.StartsWith(expected, e.Message);
        Assert.Equal(field, e.Field);
        Assert.DoesNotContain("--", e.Message);
    }

    [Fact]
    public void Missing_checkpoints_name_their_fields()
    {
        var e = Assert.Throws<InvariscopeException>(() => new AnalysisSettings { Pretrained = "/nope/p.safetensors" }.Validate());
        Assert.Equal(("pretrained", "pretrained /nope/p.safetensors: file not found"), (e.Field, e.Message));
        e = Assert.Throws<InvariscopeException>(() => new AnalysisSettings { Pretrained = TestData.Fixture("timm_vit_tiny32.safetensors"), Finetuned = "/nope/run" }.Validate());
        Assert.Equal("finetuned", e.Field);
    }
}
