using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Invariscope.Runtime;

namespace Invariscope.Tests.Runtime;

public class JsonTests
{
    sealed record Row([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("value")] double Value,
        [property: JsonPropertyName("values")] double[] Values);

    [Fact]
    public void NonFiniteNumbersAreWrittenAsNamedLiteralsAndReadBack()
    {
        var row = new Row("a&b", double.NaN, [double.PositiveInfinity, double.NegativeInfinity, 0.25]);
        var text = Json.Serialize(row);
        Assert.Equal("{\n  \"name\": \"a&b\",\n  \"value\": \"NaN\",\n  \"values\": [\n    \"Infinity\",\n    \"-Infinity\",\n    0.25\n  ]\n}",
            text.ReplaceLineEndings("\n"));
        var back = Json.Deserialize<Row>(text, "row.json");
        Assert.True(double.IsNaN(back.Value));
        Assert.Equal(row.Values, back.Values);
    }

    [Fact]
    public void Unicode_and_html_characters_are_written_as_themselves_and_json_escapes_stay()
    {
        // study.json used to write '&' as \u0026 and '→' as \u2192: files are read by people, not embedded in HTML
        var row = new Row("pretrained → FT & <b>é</b> \"q\" \\ \u0001", 1, []);
        var text = Json.Serialize(row);
        Assert.Contains("\"pretrained → FT & <b>é</b> \\\"q\\\" \\\\ \\u0001\"", text);
        Assert.DoesNotContain("\\u0026", text);
        Assert.DoesNotContain("\\u2192", text);
        Assert.Equal(row.Name, Json.Deserialize<Row>(text, "row.json").Name);
        // a tree serialises the same way (configs go through JsonNode)
        Assert.Equal(text, Json.Serialize(JsonNode.Parse(text)));
    }

    [Fact]
    public void JsonTreesFollowTheSamePolicyAsRecords()
    {
        var tree = new JsonObject { ["name"] = "a&b", ["value"] = double.NaN, ["values"] = new JsonArray(double.PositiveInfinity, double.NegativeInfinity, 0.25) };
        Assert.Equal(Json.Serialize(new Row("a&b", double.NaN, [double.PositiveInfinity, double.NegativeInfinity, 0.25])), Json.Serialize(tree));
        Assert.Equal(Json.Serialize(tree), Json.Serialize(Json.ToNode(new Row("a&b", double.NaN, [double.PositiveInfinity, double.NegativeInfinity, 0.25]))));
    }

    [Fact]
    public void FilesAreWrittenAtomicallyAndMissingOnesReadAsDefault()
    {
        using var dir = new TestData.TempDir();
        var path = dir.File("sub/row.json");
        Json.Write(path, new Row("x", 1.5, []));
        Assert.Equal(1.5, Json.Read<Row>(path)!.Value);
        Assert.Null(Json.Read<Row>(dir.File("absent.json")));
        Assert.Equal(["row.json"], Directory.GetFiles(dir.File("sub")).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("{\"name\": ", "bad.json")]
    [InlineData("null", "empty JSON")]
    [InlineData("{\"value\": \"lots\"}", "value: expected a number (line 1)")]   // the field and its type, also in a record read through its constructor
    public void BadJsonIsOneLineNamingTheSource(string text, string mentioned)
    {
        var e = Assert.Throws<InvariscopeException>(() => Json.Deserialize<Row>(text, "bad.json"));
        Assert.StartsWith("bad.json: ", e.Message);
        Assert.Contains(mentioned, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
