using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;

namespace Invariscope.Tests.Analysis.Statistics;

public class CorrelationTests
{
    static readonly double[] X = [1, 2, 3, 4, 5];
    static readonly double[] Y = [2, 4, 5, 4, 5];

    [Fact]
    public void PearsonMatchesAHandExample()
    {
        var c = Correlation.Pearson(X, Y);
        Assert.Equal(0.7745966692414834, c.R, 1e-12);
        // df = 3 closed form: p = 1 − (2/π)(atan(u) + u/(1 + u²)), u = t/√3, t = √4.5.
        Assert.Equal(0.1240270626575547, c.PValue, 1e-12);
        Assert.Equal(5, c.N);
    }

    [Fact]
    public void PearsonPValueIsSymmetricInSign()
    {
        var pos = Correlation.Pearson(X, Y);
        var neg = Correlation.Pearson(X, [.. Y.Select(v => -v)]);
        Assert.Equal(-pos.R, neg.R, 1e-14);
        Assert.Equal(pos.PValue, neg.PValue, 1e-14);
    }

    [Fact]
    public void PerfectCorrelationHasZeroPValue()
    {
        var c = Correlation.Pearson([1, 2, 3, 4], [3, 5, 7, 9]);
        Assert.Equal(1.0, c.R, 1e-15);
        Assert.Equal(0.0, c.PValue);
        Assert.Equal(0.0, Correlation.Pearson([1, 2, 3], [3, 2, 1]).PValue);
    }

    [Fact]
    public void PearsonIsInvariantToAffineMaps()
    {
        var a = Correlation.Pearson(X, Y);
        var b = Correlation.Pearson([.. X.Select(v => 3 * v - 7)], [.. Y.Select(v => 0.5 * v + 100)]);
        Assert.Equal(a.R, b.R, 1e-12);
        Assert.Equal(a.PValue, b.PValue, 1e-10);
    }

    [Fact]
    public void PValueForLargeSamplesMatchesAHighPrecisionReference() =>
        // n = 1000, r = 0.1: p = I_{0.99}(499, 1/2) (mpmath).
        Assert.Equal(0.0015441161074010866, Correlation.PValue(0.1, 1000), 1e-14);

    [Fact]
    public void SpearmanAveragesTiedRanks()
    {
        Assert.Equal([1, 2.5, 2.5, 4, 5, 6], Correlation.Ranks([1, 2, 2, 3, 4, 5]));
        Assert.Equal([2, 1, 3.5, 3.5, 6, 5], Correlation.Ranks([2, 1, 4, 4, 6, 5]));
        var s = Correlation.Spearman([1, 2, 2, 3, 4, 5], [2, 1, 4, 4, 6, 5]);
        Assert.Equal(0.8088235294117647, s.R, 1e-12);
        // df = 4 closed form: p = 1 − √u·(1 + (1 − u)/2), u = t²/(4 + t²).
        Assert.Equal(0.05132906319967434, s.PValue, 1e-12);
        Assert.Equal(6, s.N);
    }

    [Fact]
    public void SpearmanIsOneForAnyMonotoneMap()
    {
        double[] x = [0.1, 5, 2, 9, -3, 4];
        var s = Correlation.Spearman(x, [.. x.Select(Math.Exp)]);
        Assert.Equal(1.0, s.R, 1e-15);
        Assert.Equal(0.0, s.PValue);
    }

    [Fact]
    public void BadInputsThrowWithTheInputNamed()
    {
        Assert.Contains("at least 3", Assert.Throws<InvariscopeException>(() => Correlation.Pearson([1, 2], [1, 2])).Message);
        Assert.Contains("length", Assert.Throws<InvariscopeException>(() => Correlation.Pearson([1, 2, 3], [1, 2])).Message);
        Assert.Contains("first input (x)", Assert.Throws<InvariscopeException>(() => Correlation.Pearson([2, 2, 2], [1, 2, 3])).Message);
        Assert.Contains("second input (y)", Assert.Throws<InvariscopeException>(() => Correlation.Spearman([1, 2, 3], [0.1, 0.1, 0.1])).Message);
        Assert.Contains("NaN", Assert.Throws<InvariscopeException>(() => Correlation.Pearson([1, double.NaN, 3], [1, 2, 3])).Message);
        Assert.Contains("infinite", Assert.Throws<InvariscopeException>(() => Correlation.Spearman([1, 2, 3], [1, double.PositiveInfinity, 3])).Message);
    }
}
