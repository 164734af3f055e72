using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;

namespace Invariscope.Tests.Analysis.Statistics;

public class BootstrapTests
{
    static double Mean(double[] v) => v.Average();

    static double[] Data(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 10)];
    }

    [Fact]
    public void SameSeedGivesTheSameIntervalAndOtherSeedsDiffer()
    {
        var v = Data(40, 1);
        var a = Bootstrap.PercentileInterval(v, Mean, 500, 0.95, seed: 7);
        var b = Bootstrap.PercentileInterval(v, Mean, 500, 0.95, seed: 7);
        var c = Bootstrap.PercentileInterval(v, Mean, 500, 0.95, seed: 8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(a.Estimate, c.Estimate);
    }

    [Fact]
    public void IntervalContainsTheEstimate()
    {
        var v = Data(50, 2);
        var ci = Bootstrap.PercentileInterval(v, Mean, 1000, 0.95, seed: 3);
        Assert.Equal(v.Average(), ci.Estimate, 1e-12);
        Assert.True(ci.Lower < ci.Estimate && ci.Estimate < ci.Upper);
        Assert.True(ci.Lower >= v.Min() && ci.Upper <= v.Max());
    }

    [Fact]
    public void IntervalNarrowsWithMoreDataAndLowerConfidence()
    {
        var small = Bootstrap.PercentileInterval(Data(20, 4), Mean, 1000, 0.95, seed: 5);
        var large = Bootstrap.PercentileInterval(Data(2000, 4), Mean, 1000, 0.95, seed: 5);
        Assert.True(large.Upper - large.Lower < 0.5 * (small.Upper - small.Lower));
        var v = Data(50, 6);
        var c95 = Bootstrap.PercentileInterval(v, Mean, 1000, 0.95, seed: 9);
        var c50 = Bootstrap.PercentileInterval(v, Mean, 1000, 0.50, seed: 9);
        Assert.True(c50.Upper - c50.Lower < c95.Upper - c95.Lower);
    }

    [Fact]
    public void IndexOverloadResamplesRowsTogetherAndMatchesTheValueOverload()
    {
        var v = Data(30, 10);
        var byValue = Bootstrap.PercentileInterval(v, Mean, 300, 0.9, seed: 11);
        var byIndex = Bootstrap.PercentileInterval(v.Length, idx => idx.Average(i => v[i]), 300, 0.9, seed: 11);
        Assert.Equal(byValue, byIndex);

        // Paired rows: y = 2x exactly, so the ratio of row means is 2 in every resample.
        double[] x = [.. Data(25, 12).Select(t => t + 1)];
        double[] y = [.. x.Select(t => 2 * t)];
        var ratio = Bootstrap.PercentileInterval(x.Length, idx => idx.Average(i => y[i]) / idx.Average(i => x[i]), 200, 0.95, seed: 13);
        Assert.Equal(2.0, ratio.Lower, 1e-12);
        Assert.Equal(2.0, ratio.Upper, 1e-12);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        Assert.Throws<InvariscopeException>(() => Bootstrap.PercentileInterval([], Mean, 100, 0.95, 1));
        Assert.Throws<InvariscopeException>(() => Bootstrap.PercentileInterval([1, 2], Mean, 0, 0.95, 1));
        Assert.Throws<InvariscopeException>(() => Bootstrap.PercentileInterval([1, 2], Mean, 10, 1.0, 1));
        Assert.Throws<InvariscopeException>(() => Bootstrap.PercentileInterval([1, 2], Mean, 10, 0.0, 1));
        Assert.Contains("NaN", Assert.Throws<InvariscopeException>(
            () => Bootstrap.PercentileInterval([1, 2], _ => double.NaN, 10, 0.9, 1)).Message);
    }
}
