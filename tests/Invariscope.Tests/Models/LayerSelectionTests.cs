using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Tests.Models;

public class LayerSelectionTests
{
    [Fact]
    public void NullMeansAll() => Assert.Equal([0, 1, 2, 3], LayerSelection.All.Resolve(4));

    [Fact]
    public void NumberMeansTheLastN() => Assert.Equal([9, 10, 11], LayerSelection.Last(3).Resolve(12));

    [Fact]
    public void NegativesCountFromTheEndAndResultIsSortedDistinct() =>
        Assert.Equal([0, 5, 11], LayerSelection.Of(-1, 0, 5, 11).Resolve(12));

    [Theory]
    [InlineData(12)]
    [InlineData(-13)]
    public void OutOfRangeIsAnError(int index)
    {
        var e = Assert.Throws<InvariscopeException>(() => LayerSelection.Of(index).Resolve(12));
        Assert.Contains($"layer {index}", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(13)]
    public void LastNOutOfRangeIsAnError(int n) =>
        Assert.Throws<InvariscopeException>(() => LayerSelection.Last(n).Resolve(12));

    [Theory]
    [InlineData(null, new[] { 0, 1, 2, 3 })]
    [InlineData("all", new[] { 0, 1, 2, 3 })]
    [InlineData("2", new[] { 2, 3 })]
    [InlineData("[2]", new[] { 2 })]
    [InlineData("0,-1", new[] { 0, 3 })]
    [InlineData(" 1 , 2 ", new[] { 1, 2 })]
    public void ParsesTheCliForms(string? text, int[] expected) =>
        Assert.Equal(expected, LayerSelection.Parse(text).Resolve(4));

    [Fact]
    public void BadCliFormIsAnErrorNamingTheToken()
    {
        var e = Assert.Throws<InvariscopeException>(() => LayerSelection.Parse("0,x"));
        Assert.Contains("'x'", e.Message);
    }
}
