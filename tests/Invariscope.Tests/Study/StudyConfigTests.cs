using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Invariscope.Analysis;
using Invariscope.Runtime;
using Invariscope.Study;

namespace Invariscope.Tests.Study;

public class StudyConfigTests
{
    const string Good = """
    {
      "name": "strategies",
      "train": { "model": "vit_micro_patch4_16", "data": "synthetic:texture?size=16&n=200", "epochs": 3, "lr": 0.001 },
      "pretrain": { "data": "synthetic:shapes?size=16&n=200", "epochs": 2 },
      "settings": [
        { "name": "ft", "train": { "strategy": "ft", "init": "@pretrain", "lr": 0.0005 } },
        { "name": "lp-ft", "label": "LP-FT", "train": { "strategy": "lp-ft", "init": "@pretrain", "lp_epochs": 1 } },
        { "name": "scratch", "train": {} }
      ],
      "analysis": { "samples": 16, "seeds": 2, "steps": 10 },
      "robustness": { "data": "synthetic:texture?size=16&n=50&seed=3", "corruptions": "contrast", "limit": 20 }
    }
    """;

    static string Error(string json) => Assert.Throws<InvariscopeException>(() => StudyConfig.FromJson(json, "s.json")).Message;

    [Theory]
    [InlineData("\"settings\": [ { \"name\": \"ft\", \"seeds\": [] } ]", "setting 'ft': seeds must be a non-empty list")]
    [InlineData("\"settings\": [ { \"name\": \"ft\", \"seeds\": [0, 0] } ]", "setting 'ft': seeds must be a non-empty list of distinct")]
    [InlineData("\"settings\": [ { \"name\": \"ft\", \"seeds\": [-1] } ]", "non-negative integers")]
    [InlineData("\"settings\": [ { \"name\": \"ft\" } ], \"statistics\": { \"robust\": \"most\" }", "statistics.robust must be all or majority, got 'most'")]
    [InlineData("\"settings\": [ { \"name\": \"ft\" } ], \"statistics\": { \"permutations\": 10 }", "statistics.permutations must be at least 99, got 10")]
    [InlineData("\"settings\": [ { \"name\": \"ft\" } ], \"analysis\": { \"learning_epochs\": \"5,x\" }", "learning_epochs '5,x': expected all, final or a list")]
    public void Bad_seed_statistics_and_learning_fields_are_one_line_errors(string body, string expected)
    {
        var message = Error($"{{ \"robustness\": {{ \"data\": \"synthetic:texture?size=16&n=50\" }}, {body} }}");
        Assert.Contains(expected, message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Settings_override_the_common_train_fields_and_resolve_the_pretrained_start()
    {
        var c = StudyConfig.FromJson(Good, "s.json");
        var ft = c.SettingConfig(c.Settings[0], "/x/pretrain.safetensors");
        Assert.Equal(5e-4, ft.Lr);
        Assert.Equal(3, ft.Epochs);
        Assert.Equal("/x/pretrain.safetensors", ft.Init);
        var lpft = c.SettingConfig(c.Settings[1], "/x/p.safetensors");
        Assert.Equal((1e-3, 1, "lp-ft"), (lpft.Lr, lpft.LpEpochs, lpft.Strategy));
        Assert.Equal("LP-FT", c.Settings[1].DisplayName);
        Assert.Equal("scratch", c.SettingConfig(c.Settings[2], null).Strategy);
        Assert.Equal(2, c.PretrainConfig()!.Epochs);
        var analysis = c.AnalysisFor("p.safetensors", "runs/ft", "vit", null);
        Assert.Equal(("synthetic:texture?size=16&n=50&seed=3", 16, 2, 10), (analysis.Data, analysis.Samples, analysis.Seeds, analysis.Steps));
        Assert.Equal(c.ToJson(), StudyConfig.FromJson(c.ToJson(), "round trip").ToJson());
    }

    [Theory]
    [InlineData("\"settings\": [", "\"settings\": [ { \"name\": \"ft\", \"train\": {} },", "appears twice")]
    [InlineData("\"name\": \"scratch\"", "\"name\": \"a b\"", "letters, digits")]
    [InlineData("\"lp_epochs\": 1", "\"lp_epoch\": 1", "lp_epoch")]
    [InlineData("\"analysis\":", "\"analysys\": {}, \"analysis\":", "analysys")]
    [InlineData("\"pretrain\": { \"data\": \"synthetic:shapes?size=16&n=200\", \"epochs\": 2 },", "", "no 'pretrain'")]
    [InlineData("\"corruptions\": \"contrast\"", "\"corruptions\": \"fog2\"", "unknown corruption 'fog2'")]
    [InlineData("\"samples\": 16", "\"samples\": 2", "s.json: analysis.samples 2: need at least 4 probe images")]
    public void Bad_studies_fail_up_front_with_one_line_naming_the_problem(string from, string to, string expected)
    {
        var message = Error(Good.Replace(from, to));
        Assert.Contains(expected, message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Missing_file_and_empty_settings_are_errors()
    {
        Assert.Contains("not found", Assert.Throws<InvariscopeException>(() => StudyConfig.Load("/nonexistent/study.json")).Message);
        Assert.Contains("'settings' is empty", Error("{ \"settings\": [] }"));
    }

    [Fact]
    public void The_demo_config_is_a_valid_study_with_the_three_settings()
    {
        var c = Demo.Config(new DemoOptions());
        Assert.Equal(["ft", "scratch", "ft-recon"], c.Settings.Select(s => s.Name));
        Assert.Equal("reconstruction", c.SettingConfig(c.Settings[2], "p").Task);
        Assert.False(c.Settings[2].Robustness);
        Assert.Contains("shift=ood", c.Robustness!.OodData);
    }

    [Fact]
    public void The_demo_analysis_is_the_defaults_with_the_demos_own_overrides()
    {
        var c = Demo.Config(new DemoOptions());
        var a = c.AnalysisFor("runs/demo/ft/seed_0/checkpoints/epoch_000.safetensors", "runs/demo/ft/seed_0", "vit", "runs/demo");
        var d = new AnalysisSettings();
        // the demo's own values (the analysis.json it wrote before the settings had one home) ...
        Assert.Equal((128, 1, 200, "final", 640, "synthetic:texture?size=32&n=500&seed=3"), (a.Samples, a.Seeds, a.Steps, a.LearningEpochs, a.MaxRows, a.Data));
        Assert.Equal(new Invariscope.Layout.StudyLayout("runs/demo").Inversions, a.InversionCache);
        // ... and every other field the default
        var want = new AnalysisSettings(d)
        {
            Samples = 128, Seeds = 1, Steps = 200, LearningEpochs = "final", MaxRows = 640,
            Pretrained = a.Pretrained, Finetuned = a.Finetuned, Data = a.Data, InversionCache = a.InversionCache,
        };
        Assert.Equal(want.ToJson(), a.ToJson());
    }

    [Fact]
    public void Every_analysis_field_can_be_set_from_a_study()
    {
        var custom = new AnalysisOptions
        {
            Data = "synthetic:texture?size=16&n=80&seed=8", Samples = 9, SampleSeed = 4, Seeds = 2, Steps = 7, StepSize = 0.25, Layers = "-1",
            Metrics = [MetricNames.Forgetting, MetricNames.Flow], Representation = "cls", Intervals = false, MaxRows = 100, LearningEpochs = "final",
        };
        var section = JsonSerializer.Serialize(custom);
        var c = StudyConfig.FromJson(Good.Replace("""{ "samples": 16, "seeds": 2, "steps": 10 }""", section), "s.json");
        var a = c.AnalysisFor("p.safetensors", "runs/ft", "vit", null);
        var defaults = new AnalysisOptions();
        var fields = typeof(AnalysisOptions).GetProperties().Where(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null).ToList();
        Assert.Equal(12, fields.Count);
        foreach (var p in fields)
        {
            string Json(object o) => JsonSerializer.Serialize(p.GetValue(o));
            Assert.NotEqual(Json(defaults), Json(custom)); // else this test could not see the field dropped
            Assert.True(Json(custom) == Json(a), $"{p.Name}: the study set {Json(custom)}, the run's analysis has {Json(a)}");
        }
    }

    [Theory]
    [InlineData("\"steps\": 10", "\"steps\": 0", "s.json: analysis.steps 0: must be at least 1", "analysis.steps")]
    [InlineData("\"steps\": 10", "\"step_size\": 0", "s.json: analysis.step_size 0: must be a positive number", "analysis.step_size")]
    [InlineData("\"steps\": 10", "\"metrics\": [\"cka-divergence\"]", "s.json: analysis.metrics: unknown metric 'cka-divergence': did you mean 'cka_divergence'?", "analysis.metrics")]
    [InlineData("\"steps\": 10", "\"pretrained\": \"p.safetensors\"", "pretrained", null)]
    [InlineData("\"steps\": 10", "\"normalize\": \"none\"", "normalize", null)]
    [InlineData("\"steps\": 10", "\"inversion_cache\": \"/c\"", "inversion_cache", null)]
    public void The_analysis_section_is_validated_by_field_and_the_runs_own_fields_are_unknown_there(string from, string to, string expected, string? field)
    {
        var e = Assert.Throws<InvariscopeException>(() => StudyConfig.FromJson(Good.Replace(from, to), "s.json"));
        Assert.Contains(expected, e.Message);
        Assert.Equal(field, e.Field);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain("--", e.Message);
    }

    static string ExampleConfig(string name) => TestData.RepoFile(Path.Combine("configs", name));

    [Theory]
    [InlineData("study-strategies.json", new[] { "ft", "lp-ft", "hp-ft", "lp" })]
    [InlineData("study-fashion-mnist.json", new[] { "ft", "scratch", "ft-recon" })]
    [InlineData("study-paper-cifar10.json", new[] { "ft", "lp-ft", "hp-ft" })]
    public void The_example_study_configs_load_and_every_setting_gets_its_strategy(string file, string[] strategies)
    {
        var c = StudyConfig.Load(ExampleConfig(file));
        Assert.Equal(strategies, c.Settings.Select(s => s.Name));
        foreach (var s in c.Settings)
        {
            var train = c.SettingConfig(s, "pretrain.safetensors");
            Assert.Equal(s.Name.Replace("-recon", ""), train.Strategy);
            Assert.Equal(train.Strategy != "scratch", train.Init is not null);
        }
    }

    [Fact]
    public void The_paper_config_is_the_paper_finetuning_recipe()
    {
        var c = StudyConfig.Load(ExampleConfig("study-paper-cifar10.json"));
        var ft = c.SettingConfig(c.Settings[0], null);
        var paper = Invariscope.Training.TrainConfig.PaperFinetune;
        Assert.Equal((paper.Optimizer, paper.Lr, paper.Momentum, paper.WeightDecay, paper.BatchSize, paper.WarmupSteps, paper.GradClip, paper.Schedule, paper.Epochs, paper.Model),
            (ft.Optimizer, ft.Lr, ft.Momentum, ft.WeightDecay, ft.BatchSize, ft.WarmupSteps, ft.GradClip, ft.Schedule, ft.Epochs, ft.Model));
    }
}
