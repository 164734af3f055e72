using System.Text.Json.Nodes;
using Invariscope.Layout;
using Invariscope.Runtime;

namespace Invariscope.Tests.Layout;

public class SameSettingsTests
{
    const string Saved = """
        {
          "train": { "lr": 0.001, "data": "synthetic:shapes?size=16&n=64", "freeze": ["blocks.0.*"] },
          "seed": 1
        }
        """;

    [Fact]
    public void AFolderWithoutSettingsIsFreshAndClaimWritesThem()
    {
        using var dir = new TestData.TempDir();
        var path = dir.File("stage/settings.json");
        Assert.False(SameSettings.Check(path, Saved, "a stage", "hint"));
        Assert.False(Directory.Exists(dir.File("stage")));                  // checking writes nothing
        Assert.False(SameSettings.Claim(path, Saved, "a stage", "hint"));
        Assert.Equal(Saved, File.ReadAllText(path));
        Assert.True(SameSettings.Claim(path, Saved, "a stage", "hint"));    // the same settings resume
    }

    [Fact]
    public void OtherSettingsAreRefusedInOneLineNamingTheFolderAndTheFirstField()
    {
        using var dir = new TestData.TempDir();
        var path = dir.File("settings.json");
        File.WriteAllText(path, Saved);
        var now = Saved.Replace("0.001", "0.0001").Replace("\"seed\": 1", "\"seed\": 2");
        var e = Assert.Throws<InvariscopeException>(() => SameSettings.Claim(path, now, "a run", "use the same config"));
        Assert.Equal($"{dir.Path}: holds a run with other settings (train.lr: 0.001 saved, 0.0001 now); use the same config", e.Message);
        Assert.Equal(Saved, File.ReadAllText(path));                        // nothing written on refusal
        Assert.Equal(["settings.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("\"blocks.0.*\"]", "\"blocks.0.*\", \"head.*\"]", "train.freeze[1]: absent saved, \"head.*\" now")]
    [InlineData("\"seed\": 1", "\"seed\": 1, \"extra\": true", "extra: absent saved, true now")]
    [InlineData("n=64", "n=65", "train.data: \"synthetic:shapes?size=16&n=64\" saved, \"synthetic:shapes?size=16&n=65\" now")]
    public void TheFirstDifferenceIsNamedByItsPath(string from, string to, string expected)
    {
        var saved = JsonNode.Parse(Saved);
        Assert.Null(SameSettings.FirstDifference(saved, JsonNode.Parse(Saved)));
        Assert.Equal(expected, SameSettings.FirstDifference(saved, JsonNode.Parse(Saved.Replace(from, to))));
    }

    [Fact]
    public void TheCanonicalFormIsComparedSoFormattingAndFilledDefaultsDoNotCount()
    {
        using var dir = new TestData.TempDir();
        var path = dir.File("settings.json");
        File.WriteAllText(path, """{"seed":1}""");
        string Canonical(string text) => Json.Serialize(new JsonObject { ["seed"] = JsonNode.Parse(text)!["seed"]!.GetValue<int>(), ["limit"] = 500 });
        var now = Json.Serialize(new JsonObject { ["seed"] = 1, ["limit"] = 500 });
        Assert.True(SameSettings.Check(path, now, "a stage", "hint", Canonical));
        Assert.Throws<InvariscopeException>(() => SameSettings.Check(path, now, "a stage", "hint"));
    }
}
