using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Study;
using static TorchSharp.torch;

namespace Invariscope.Tests.Study;

public class StudyInputsTests
{
    static StudyConfig Config(string extra = "", string robustness = "synthetic:texture?size=16&n=40&seed=3", string init = "@pretrain") => StudyConfig.FromJson($$"""
        {
          "train": { "model": "vit_micro_patch4_16", "data": "synthetic:texture?size=16&n=64", "epochs": 1, "batch_size": 32 },
          "pretrain": { "data": "synthetic:shapes?size=16&n=64", "epochs": 1 },
          "settings": [ { "name": "ft", "train": { "strategy": "ft", "init": "{{init}}" } }, { "name": "scratch", "train": { {{extra}} } } ],
          "analysis": { "samples": 8, "seeds": 1, "steps": 2 },
          "robustness": { "data": "{{robustness}}", "corruptions": "none", "limit": 16 }
        }
        """, "s.json");

    [Theory]
    [InlineData("\"val_data\": \"folder:/nope/val\"", null, "@pretrain", "s.json: setting 'scratch': val_data: ", "/nope/val")]
    [InlineData("", "synthetic:textur?size=16", "@pretrain", "s.json: robustness.data: ", "textur")]
    [InlineData("", null, "/nope/p.safetensors", "s.json: setting 'ft': init /nope/p.safetensors: file not found", "")]
    public void Every_input_is_opened_and_a_bad_one_is_named_by_its_study_field(string extra, string? robustness, string init, string starts, string mentioned)
    {
        var config = Config(extra, robustness ?? "synthetic:texture?size=16&n=40&seed=3", init);
        var e = Assert.Throws<InvariscopeException>(() => StudyInputs.Check(config, "s.json"));
        Assert.StartsWith(starts, e.Message);
        Assert.Contains(mentioned, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        StudyInputs.Check(Config());
    }

    [Fact]
    public void A_study_with_a_bad_input_creates_no_folder()
    {
        using var dir = new TestData.TempDir();
        var root = dir.File("study");
        var config = Config(robustness: "synthetic:texture?size=16&n=4x0");
        Assert.Throws<InvariscopeException>(() => new StudyRunner(config, root, CPU, new StudyCallbacks(_ => { })).Run());
        Assert.False(Directory.Exists(root));
        Assert.False(File.Exists(new StudyLayout(root).ConfigPath));
    }
}
