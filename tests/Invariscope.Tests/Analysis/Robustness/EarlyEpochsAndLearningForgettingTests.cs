using Invariscope.Analysis.Robustness;
using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;
using static Invariscope.Tests.Analysis.Robustness.RobustnessTestData;

namespace Invariscope.Tests.Analysis.Robustness;

public class EarlyEpochsTests
{
    [Fact]
    public void PointsGrowFromThreeEpochsAndTheLastEqualsTheFullFamily()
    {
        var table = Table(9, 4, seed: 21) with { Epochs = [0, 1, 2, 4, 6, 8, 10, 15, 20] };
        double[] y = [0.2, 0.3, 0.1, 0.6, 0.5, 0.9, 0.4, 0.8, 0.7];
        var full = HypothesisGrid.Run(table, y, "acc");
        var tracked = full.Best(3).Select(h => h.Id).ToList();
        var points = EarlyEpochs.Run(table, y, "acc", tracked);

        Assert.Equal(7, points.Count);
        Assert.Equal(Enumerable.Range(3, 7), points.Select(p => p.N));
        Assert.Equal([2, 4, 6, 8, 10, 15, 20], points.Select(p => p.UpToEpoch));
        var last = points[^1];
        Assert.Equal(full.Headline!.R, last.HeadlineR);
        Assert.Equal(full.Headline.PValue, last.HeadlineP);
        Assert.Equal(full.Tested, last.Tested);
        Assert.Equal(full.SignificantBonferroniCount, last.SignificantBonferroni);
        foreach (var id in tracked) Assert.Equal(full.Find(id)!.R, last.R[id]);

        // A middle cut-off is the correlation over the prefix only.
        double[] x = [.. table.Forgetting!.Take(5).Select(Std)];
        Assert.Equal(Correlation.Pearson(x, y[..5]).R, points[2].HeadlineR, 1e-12);
        Assert.Equal(HypothesisGrid.Run(table, y, "acc", upToIndex: 4).Tested, points[2].Tested);
    }

    [Fact]
    public void AConstantTargetPrefixGivesAnEmptyPoint()
    {
        var table = Table(6, 3, seed: 2);
        var points = EarlyEpochs.Run(table, [1, 1, 1, 2, 3, 2], "acc", ["forgetting/mean/all"]);
        Assert.True(double.IsNaN(points[0].HeadlineR));
        Assert.Equal(0, points[0].Tested);
        Assert.True(double.IsNaN(points[0].R["forgetting/mean/all"]));
        Assert.False(double.IsNaN(points[1].HeadlineR));
        Assert.Contains("\"r\":{\"forgetting/mean/all\":\"NaN\"}", TestData.CompactJson(points[0]));
    }

    [Fact]
    public void UnknownTrackedIdThrows() =>
        Assert.Contains("'learning/std/layer1'",
            Assert.Throws<InvariscopeException>(() =>
                EarlyEpochs.Run(Table(5, 3), [1, 2, 3, 2, 1], "acc", ["learning/std/layer1"])).Message);
}

public class LearningForgettingRobustnessTests
{
    [Fact]
    public void PerfectlyCorrelatedInputsGiveROneAndSkipTheZeroEpoch()
    {
        var table = Table(6, 5, seed: 4);
        double[][] forgetting = [.. table.Learning!.Select((row, e) => e == 0 ? new double[5] : row.Select(v => 2 * v + 0.1).ToArray())];
        var result = LearningForgetting.Run(table with { Forgetting = forgetting }, "cifar");

        Assert.Equal("cifar", result.Setting);
        var skip = Assert.Single(result.Skipped);
        Assert.Equal(0, skip.Epoch);
        Assert.Contains("constant", skip.Reason);
        Assert.Equal([1, 2, 3, 4, 5], result.PerEpoch.Select(c => c.Epoch));
        Assert.All(result.PerEpoch, c => { Assert.Equal(1.0, c.R, 1e-12); Assert.Equal(5, c.N); });
        Assert.Equal(1.0, result.MeanEpochR, 1e-12);
        Assert.Equal(1.0, result.PooledR, 1e-12);
        Assert.Equal(25, result.PooledN);
    }

    [Fact]
    public void AntiCorrelatedAndRandomInputsGiveTheExpectedSigns()
    {
        var table = Table(5, 4, seed: 8);
        double[][] neg = [.. table.Learning!.Select(row => row.Select(v => 1 - v).ToArray())];
        var result = LearningForgetting.Run(table with { Forgetting = neg });
        // Epoch 0: learning is all zeros (constant) → skipped; forgetting = 1 there but is not pooled (epoch 0).
        Assert.Equal(-1.0, result.PooledR, 1e-12);
        Assert.Equal(16, result.PooledN);
        Assert.All(result.PerEpoch, c => Assert.Equal(-1.0, c.R, 1e-12));

        var random = LearningForgetting.Run(table);
        var l = table.Learning!.Skip(1).SelectMany(r => r).ToArray();
        var f = table.Forgetting!.Skip(1).SelectMany(r => r).ToArray();
        Assert.Equal(Correlation.Pearson(l, f).R, random.PooledR, 1e-14);
        Assert.Equal(Correlation.Pearson(table.Learning![2], table.Forgetting![2]).R, random.PerEpoch[1].R, 1e-14);
    }

    [Fact]
    public void MissingForgettingThrows() =>
        Assert.Contains("Forgetting is null",
            Assert.Throws<InvariscopeException>(() => LearningForgetting.Run(Table(4, 3) with { Forgetting = null }, "s")).Message);
}
