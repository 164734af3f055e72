using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Tests.Models;

public class LayerSelectionTests
{
    /// <summary>The names a selection resolves to in a <paramref name="depth"/>-block model.</summary>
    static string Names(string text, int depth = 4) => string.Join(",", LayerSelection.Parse(text).Resolve(depth).Select(l => l.Name));

    [Theory]
    [InlineData("all", "block0,block1,block2,block3,pre_logits")]
    [InlineData(" ALL ", "block0,block1,block2,block3,pre_logits")]
    [InlineData("last:1", "pre_logits")]
    [InlineData("last:3", "block2,block3,pre_logits")]
    [InlineData("last:5", "block0,block1,block2,block3,pre_logits")]
    [InlineData("3", "block3")]          // a bare number is an index, not "the last N"
    [InlineData("4", "pre_logits")]      // index D is pre_logits
    [InlineData("-1", "pre_logits")]     // negatives count from the end of [block0..block3, pre_logits]
    [InlineData("-2", "block3")]
    [InlineData("-5", "block0")]
    [InlineData("0,-1", "block0,pre_logits")]
    [InlineData(" 2 , 1 ,2", "block1,block2")]   // sorted by depth, distinct
    [InlineData("block2,final_norm,pre_logits", "block2,final_norm,pre_logits")]
    [InlineData("pre_logits,final_norm,Block0", "block0,final_norm,pre_logits")]
    [InlineData("3,block3,-2", "block3")]
    public void ResolvesTheGrammar(string text, string expected) => Assert.Equal(expected, Names(text));

    [Fact]
    public void AllNeverTakesFinalNormAndLastNCountsTheIndexSpace()
    {
        Assert.DoesNotContain(LayerId.FinalNorm, LayerSelection.All.Resolve(12));
        Assert.Equal(13, LayerSelection.IndexCount(12));
        Assert.Equal(["block10", "block11", "pre_logits"], LayerSelection.Last(3).Resolve(12).Select(l => l.Name));
        Assert.Equal(["block0", "block11"], LayerSelection.Of(0, -2).Resolve(12).Select(l => l.Name));
        Assert.Equal(["final_norm"], LayerSelection.Of(LayerId.FinalNorm).Resolve(12).Select(l => l.Name));
    }

    [Theory]
    [InlineData("5", "index 5 is out of range for a 4-block model (valid: 0..4 or -5..-1")]
    [InlineData("-6", "index -6 is out of range")]
    [InlineData("block4", "block4 is out of range for a 4-block model (valid: block0..block3, final_norm, pre_logits)")]
    [InlineData("last:0", "last:0: N must be in 1..5")]
    [InlineData("last:6", "last:6: N must be in 1..5")]
    public void OutOfRangeIsOneLineNamingTheFlagAndTheValidRange(string text, string message)
    {
        var e = Assert.Throws<InvariscopeException>(() => LayerSelection.Parse(text).Resolve(4));
        Assert.StartsWith("layers", e.Message); // the field; the CLI adds the flag that sets it
        Assert.Equal("layers", e.Field);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("0,x", "'x' is not a layer")]
    [InlineData("0,,1", "'' is not a layer")]
    [InlineData("[2]", "'[2]' is not a layer")]
    [InlineData("last:x", "last:N takes a whole number")]
    [InlineData("last:-2", "last:N takes a whole number")]
    [InlineData("logits", "'logits' is not a layer")]
    [InlineData("pooled", "'pooled' is not a layer")]
    [InlineData("block03", "'block03' is not a layer")]
    public void BadSyntaxIsAnErrorBeforeAnyModelIsKnown(string text, string message)
    {
        var e = Assert.Throws<InvariscopeException>(() => LayerSelection.Parse(text, "analysis.layers"));
        Assert.StartsWith("analysis.layers", e.Message);
        Assert.Contains(message, e.Message);
        Assert.Contains("last:N", e.Message); // the grammar is named
    }

    [Fact]
    public void TheFieldTravelsToRangeErrors()
    {
        var e = Assert.Throws<InvariscopeException>(() => LayerSelection.Parse("7", "layers").Resolve(4));
        Assert.StartsWith("layers: index 7", e.Message);
    }
}
