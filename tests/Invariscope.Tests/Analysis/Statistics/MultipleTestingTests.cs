using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;

namespace Invariscope.Tests.Analysis.Statistics;

public class MultipleTestingTests
{
    static readonly double[] P = [0.01, 0.04, 0.03, 0.005];

    static void Close(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-14);
    }

    [Fact]
    public void BonferroniMultipliesByTheFamilySizeAndCapsAtOne()
    {
        Close([0.04, 0.16, 0.12, 0.02], MultipleTesting.Bonferroni(P));
        Close([1, 0.3], MultipleTesting.Bonferroni([0.7, 0.15]));
    }

    [Fact]
    public void HolmMatchesAKnownExampleInInputOrder() =>
        Close([0.03, 0.06, 0.06, 0.02], MultipleTesting.Holm(P));

    [Fact]
    public void HolmIsMonotoneCappedAndNeverAboveBonferroni()
    {
        double[] p = [0.5, 0.001, 0.2, 0.04, 0.04, 0.9, 0.01];
        var holm = MultipleTesting.Holm(p);
        var bonf = MultipleTesting.Bonferroni(p);
        var order = Enumerable.Range(0, p.Length).OrderBy(i => p[i]).ToArray();
        for (int k = 1; k < order.Length; k++) Assert.True(holm[order[k]] >= holm[order[k - 1]]);
        for (int i = 0; i < p.Length; i++)
        {
            Assert.InRange(holm[i], p[i], 1.0);
            Assert.True(holm[i] <= bonf[i]);
        }
        Assert.Equal(holm[3], holm[4]);
        Assert.Equal(1.0, holm[5]);
    }

    [Fact]
    public void EmptyFamilyGivesEmptyAndBadPValuesThrow()
    {
        Assert.Empty(MultipleTesting.Holm([]));
        Assert.Empty(MultipleTesting.Bonferroni([]));
        Assert.Contains("index 1", Assert.Throws<InvariscopeException>(() => MultipleTesting.Holm([0.1, 1.5])).Message);
        Assert.Throws<InvariscopeException>(() => MultipleTesting.Bonferroni([double.NaN]));
        Assert.Throws<InvariscopeException>(() => MultipleTesting.Holm([-0.1]));
    }
}
