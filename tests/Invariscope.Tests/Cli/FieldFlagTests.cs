using System.CommandLine;
using Invariscope.Cli;

namespace Invariscope.Tests.Cli;

/// <summary>The library names the config field at fault; the CLI adds the flag of the command that sets it, and only that.</summary>
public class FieldFlagTests
{
    static string Checkpoint => TestData.Fixture("timm_vit_tiny32.safetensors");

    static string Fails(params string[] args)
    {
        var (code, _, stderr) = TestData.Cli(args);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        return stderr.Trim();
    }

    [Theory]
    [InlineData("--steps", "0", "steps 0: must be at least 1 (set with --steps)")]
    [InlineData("--step-size", "0", "step_size 0: must be a positive number (set with --step-size)")]
    [InlineData("--max-rows", "0", "max_rows 0: must be at least 1 (set with --max-rows)")]
    [InlineData("--samples", "2", "samples 2: need at least 4 probe images (set with --samples)")]
    [InlineData("--metrics", "forgetting,cka-divergence", "metrics: unknown metric 'cka-divergence': did you mean 'cka_divergence'? (metric names are snake_case) (set with --metrics)")]
    [InlineData("--learning-epochs", "x", "learning_epochs 'x': expected all, final or a list of epochs such as 0,5,10 (set with --learning-epochs)")]
    public void Analyze_names_the_field_and_its_flag(string flag, string value, string expected)
    {
        using var dir = new TestData.TempDir();
        var err = Fails("analyze", "--pretrained", Checkpoint, "--finetuned", Checkpoint, "--data", "synthetic:shapes", "--out", dir.File("o"),
            flag, value, "--device", "cpu");
        Assert.Equal($"invariscope: error: {expected}", err);
        Assert.False(Directory.Exists(dir.File("o")), "a rejected analysis created its folder");
    }

    [Fact]
    public void Bench_stir_names_the_field_and_its_flag()
    {
        Assert.EndsWith("steps 0: must be at least 1 (set with --steps)", Fails("bench", "stir", "--steps", "0", "--device", "cpu"));
        Assert.EndsWith("max_rows 0: must be at least 1 (set with --max-rows)", Fails("bench", "stir", "--max-rows", "0", "--device", "cpu"));
    }

    [Fact]
    public void The_demo_names_the_study_field_and_the_flag_that_builds_it()
    {
        using var dir = new TestData.TempDir();
        Assert.EndsWith("demo: analysis.samples 2: need at least 4 probe images (set with --samples)",
            Fails("demo", "--out", dir.File("d"), "--samples", "2", "--device", "cpu"));
    }

    [Fact]
    public void A_study_file_names_the_field_alone()
    {
        using var dir = new TestData.TempDir();
        var path = dir.File("s.json");
        File.WriteAllText(path, """
            { "settings": [ { "name": "a" } ], "analysis": { "steps": 0 }, "robustness": { "data": "synthetic:texture?size=16&n=50" } }
            """);
        Assert.EndsWith($"{path}: analysis.steps 0: must be at least 1", Fails("study", path, "--out", dir.File("o"), "--device", "cpu"));
    }

    [Fact]
    public void The_flag_is_the_fields_kebab_case_name_on_the_command_that_has_it()
    {
        var command = new Command("x") { new Option<int>("--max-rows"), new Option<int>("--steps") };
        Assert.Equal(" (set with --max-rows)", CliApp.FlagHint(command, "max_rows"));
        Assert.Equal(" (set with --steps)", CliApp.FlagHint(command, "analysis.steps"));
        Assert.Equal("", CliApp.FlagHint(command, "samples"));
        Assert.Equal("", CliApp.FlagHint(command, null));
    }
}
