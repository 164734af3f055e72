using Invariscope.Analysis;

namespace Invariscope.Tests.Analysis;

public class InvarianceMetricsTests
{
    [Fact]
    public void FlowHasAZeroDiagonalAndSubtractsTheRowsOwnLayer()
    {
        var stir = new double[,] { { 0.9, 0.5, 0.4 }, { 0.8, 0.7, 0.6 }, { 0.3, 0.6, 0.5 } };
        var flow = InvarianceMetrics.Flow(stir);
        for (int i = 0; i < 3; i++) Assert.Equal(0, flow[i, i]);
        Assert.Equal(0.8 - 0.7, flow[1, 0], 12);
        Assert.Equal(0.3 - 0.5, flow[2, 0], 12);
        Assert.Equal(0.5 - 0.9, flow[0, 1], 12);
    }

    [Fact]
    public void AModelAgainstItselfHasNoFlowWhenStirIsConstantAlongRows()
    {
        var stir = new double[,] { { 1, 1 }, { 1, 1 } };
        var s = InvarianceMetrics.Summarize(InvarianceMetrics.Flow(stir));
        Assert.Equal(new FlowSummary(0, 0, 0, 0), s);
    }

    [Fact]
    public void SummaryCountsBelowAsCompressionAndAboveAsExpansion()
    {
        var flow = new double[,] { { 0, 0.2, -0.4 }, { 0.3, 0, 0.1 }, { -0.1, 0.4, 0 } };
        var s = InvarianceMetrics.Summarize(flow);
        Assert.Equal((0.3 - 0.1 + 0.4) / 3, s.Compression, 12);
        Assert.Equal((0.2 - 0.4 + 0.1) / 3, s.Expansion, 12);
        Assert.Equal((0.3 + 0 + 0.4) / 3, s.PositiveCompression, 12);
        Assert.Equal((0.2 + 0 + 0.1) / 3, s.PositiveExpansion, 12);
    }

    [Fact]
    public void AggregatesAreMeanPopulationStdMinMax()
    {
        var a = InvarianceMetrics.Aggregate([1, 2, 3, 4, 10], 1, 3, "mid");
        Assert.Equal(new LayerAggregate("mid", 1, 3, 3, Math.Sqrt(2.0 / 3), 2, 4), a);
        Assert.Throws<ArgumentOutOfRangeException>(() => InvarianceMetrics.Aggregate([1, 2], 1, 2, "x"));
    }

    [Fact]
    public void RangesCoverAllSingleFirstAndLast()
    {
        var r = InvarianceMetrics.Ranges(4).ToList();
        Assert.Contains(("all", 0, 3), r);
        Assert.Contains(("layer2", 2, 2), r);
        Assert.Contains(("first3", 0, 2), r);
        Assert.Contains(("last2", 2, 3), r);
        Assert.Equal(1 + 4 + 2 * 2, r.Count);
    }

    [Fact]
    public void SeedStatisticsUseTheSampleStd()
    {
        var (m, s) = InvarianceMetrics.MeanStd([1, 2, 3]);
        Assert.Equal(2, m);
        Assert.Equal(1, s, 12);
        Assert.Equal((5.0, 0.0), InvarianceMetrics.MeanStd([5]));
    }
}
