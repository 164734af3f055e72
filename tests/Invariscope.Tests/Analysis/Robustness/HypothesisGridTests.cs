using Invariscope.Analysis.Robustness;
using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;
using static Invariscope.Tests.Analysis.Robustness.RobustnessTestData;

namespace Invariscope.Tests.Analysis.Robustness;

public class HypothesisGridTests
{
    // Closed form: ranges are 1 (all) + 2(L−2) (firstK, lastK, k = 2..L−1) = 2L−3 multi-layer ranges with 4 aggregates
    // each, plus L single layers with only the mean: 4(2L−3) + L = 9L−12 hypotheses per combination (L ≥ 2).
    static int Closed(int layers, int combinations) => combinations * (9 * layers - 12);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(13)]
    public void HypothesisCountMatchesTheClosedForm(int layers)
    {
        var table = Table(6, layers);
        var all = HypothesisGrid.Run(table, [1, 2, 4, 3, 5, 7], "acc");
        Assert.Equal(Closed(layers, 5), all.Total);
        // Identical series are one entry with aliases: every grid id appears exactly once, as an entry or an alias.
        Assert.Equal(all.Distinct, all.Hypotheses.Count);
        Assert.Equal(all.Total, all.Hypotheses.Sum(h => 1 + h.Aliases.Count));
        Assert.Equal(all.Total, all.Hypotheses.SelectMany(h => h.Aliases.Prepend(h.Id)).Distinct().Count());
        Assert.Equal([.. HypothesisGrid.Ids(table).Order()], all.Hypotheses.SelectMany(h => h.Aliases.Prepend(h.Id)).Order().ToArray());
        Assert.Equal(Closed(layers, 5), HypothesisGrid.Count(layers, 5));

        var forgettingOnly = table with { Learning = null, CkaDivergence = null };
        Assert.Equal(Closed(layers, 1), HypothesisGrid.Ids(forgettingOnly).Count);
        var noCka = table with { CkaDivergence = null };
        Assert.Equal(Closed(layers, 4), HypothesisGrid.Ids(noCka).Count);
    }

    [Fact]
    public void ThirteenLayersGive525Hypotheses()
    {
        // ViT-B: 12 blocks + embedding = 13 layers. 5·(9·13 − 12) = 525 (420 without CKA divergence).
        // The paper reports 352; its grid is not specified exactly enough to reproduce, and we do not fudge to match it.
        Assert.Equal(525, HypothesisGrid.Ids(Table(4, 13)).Count);
        Assert.Equal(420, HypothesisGrid.Ids(Table(4, 13, cka: false)).Count);
    }

    [Fact]
    public void SingleLayerRangesOnlyHaveTheMean()
    {
        var ids = HypothesisGrid.Ids(Table(4, 4));
        Assert.Contains("forgetting/mean/layer2", ids);
        Assert.DoesNotContain("forgetting/std/layer2", ids);
        Assert.DoesNotContain("forgetting/max/layer2", ids);
        Assert.Contains("forgetting/std/first2", ids);
        Assert.Contains("forgetting/min/last3", ids);
        Assert.DoesNotContain("forgetting/min/last4", ids); // last L would duplicate "all"
    }

    [Fact]
    public void TargetFromStdOfForgettingMakesTheHeadlineBest()
    {
        var table = Table(10, 6, seed: 7);
        double[] y = [.. table.Forgetting!.Select(row => 2 * Std(row) + 1)];
        var family = HypothesisGrid.Run(table, y, "mean_corrupted_acc");
        Assert.NotNull(family.Headline);
        Assert.Equal(HypothesisGrid.HeadlineId, family.Headline!.Id);
        Assert.Equal(1.0, family.Headline.R, 1e-12);
        Assert.Equal(HypothesisGrid.HeadlineId, family.Hypotheses[0].Id);
        Assert.Equal(HypothesisGrid.HeadlineId, family.Best(1).Single().Id);
        Assert.True(family.Headline.SignificantBonferroni);
        Assert.True(family.Headline.SignificantHolm);
    }

    [Fact]
    public void TargetLinearInLearningAtLayer3SelectsThatHypothesis()
    {
        var table = Table(9, 5, seed: 3);
        double[] y = [.. table.Learning!.Select(row => 3 * row[3] + 0.5)];
        var family = HypothesisGrid.Run(table, y, "acc");
        var h = family.Find("learning/mean/layer3")!;
        Assert.Equal(1.0, h.R, 1e-12);
        Assert.Equal(3, h.From);
        Assert.Equal(3, h.To);
        Assert.Equal("learning/mean/layer3", family.Hypotheses[0].Id);
        // The headline is reported even though it is not among the best.
        Assert.NotNull(family.Headline);
        Assert.NotEqual(0, family.Hypotheses.ToList().IndexOf(family.Headline!));
    }

    [Fact]
    public void RAndPAgreeWithPearsonOnAHandBuiltSeries()
    {
        var table = Table(7, 4, seed: 11);
        double[] y = [0.1, 0.5, 0.4, 0.9, 0.7, 0.2, 0.8];
        // forgetting/max/first2: max of layers 0 and 1, per epoch.
        double[] x = [.. table.Forgetting!.Select(row => Math.Max(row[0], row[1]))];
        var expected = Correlation.Pearson(x, y);
        var h = HypothesisGrid.Run(table, y, "acc").Find("forgetting/max/first2")!;
        Assert.Equal(expected.R, h.R, 1e-14);
        Assert.Equal(expected.PValue, h.PValue, 1e-14);
        Assert.Equal(7, h.N);
        Assert.Equal(x, HypothesisGrid.Series(table, "forgetting/max/first2"));
    }

    [Fact]
    public void CorrectionsUseTheTestedFamilyAndExcludeUndefinedHypotheses()
    {
        var table = Table(8, 4, seed: 5);
        foreach (var row in table.Forgetting!) row[0] = 0.3;     // forgetting/mean/layer0 is constant
        table.CkaDivergence![4][2] = double.NaN;                 // every CKA hypothesis touching layer 2 has NaN
        // Target close to the mean of learning, so some adjusted p-values are below 1 and the family size matters.
        double[] noise = [0.01, -0.02, 0.015, 0, -0.01, 0.02, -0.015, 0.005];
        double[] y = [.. table.Learning!.Select((row, e) => row.Average() + noise[e])];
        var family = HypothesisGrid.Run(table, y, "acc");

        var undefined = family.Hypotheses.Where(h => h.Undefined).SelectMany(h => h.Aliases.Prepend(h.Id)).ToHashSet();
        int undefinedEntries = family.Hypotheses.Count(h => h.Undefined);
        Assert.Contains("forgetting/mean/layer0", undefined);
        Assert.Contains("cka_divergence/mean/layer2", undefined);
        Assert.Contains("cka_divergence/std/all", undefined);
        Assert.DoesNotContain("cka_divergence/mean/layer1", undefined);
        Assert.DoesNotContain("sum/mean/layer0", undefined);
        // The family counts distinct series: duplicates (aliases) are neither tested twice nor counted as undefined.
        Assert.Equal(family.Distinct - undefinedEntries, family.Tested);
        Assert.Equal(family.Total, family.Hypotheses.Sum(h => 1 + h.Aliases.Count));
        Assert.True(family.Tested < family.Distinct);

        // Undefined hypotheses come last, with NaN and never significant; defined ones are sorted by p.
        var defined = family.Hypotheses.Take(family.Tested).ToList();
        Assert.All(defined, h => Assert.False(h.Undefined));
        Assert.All(family.Hypotheses.Skip(family.Tested), h =>
        {
            Assert.True(h.Undefined);
            Assert.True(double.IsNaN(h.PValue) && double.IsNaN(h.PBonferroni) && double.IsNaN(h.PHolm));
            Assert.False(h.SignificantBonferroni || h.SignificantHolm);
        });
        for (int i = 1; i < defined.Count; i++) Assert.True(defined[i - 1].PValue <= defined[i].PValue);

        Assert.Contains(defined, h => h.PBonferroni < 1 && h.PValue > 0);
        foreach (var h in defined)
        {
            Assert.Equal(Math.Min(1, h.PValue * family.Tested), h.PBonferroni, 1e-15);
            Assert.True(h.PHolm <= h.PBonferroni + 1e-15);
            Assert.True(h.PHolm >= h.PValue);
            Assert.Equal(h.PBonferroni < family.Alpha, h.SignificantBonferroni);
            Assert.Equal(h.PHolm < family.Alpha, h.SignificantHolm);
        }
        // Holm agrees with MultipleTesting.Holm on the tested p-values.
        var holm = MultipleTesting.Holm([.. defined.Select(h => h.PValue)]);
        for (int i = 0; i < defined.Count; i++) Assert.Equal(holm[i], defined[i].PHolm, 1e-15);
    }

    [Fact]
    public void SumAndDiffMatchAHandExample()
    {
        // 2 layers, 4 epochs. sum = λ+φ, diff = λ−φ per layer, then aggregated over the range.
        var table = new EpochMetricTable([0, 1, 2, 3], ["a", "b"],
            Learning: [[0, 0], [1, 2], [2, 1], [4, 3]],
            Forgetting: [[0, 0], [1, 0], [3, 1], [2, 5]],
            CkaDivergence: null);
        // sum = [[0,0],[2,2],[5,2],[6,8]], diff = [[0,0],[0,2],[-1,0],[2,-2]]
        Assert.Equal([0, 2, 3.5, 7], HypothesisGrid.Series(table, "sum/mean/all"));
        Assert.Equal([0, 0, 1.5, 1], HypothesisGrid.Series(table, "sum/std/all"));
        Assert.Equal([0, 2, 2, 6], HypothesisGrid.Series(table, "sum/min/all"));
        Assert.Equal([0, 2, 5, 8], HypothesisGrid.Series(table, "sum/max/all"));
        Assert.Equal([0, 2, 2, 8], HypothesisGrid.Series(table, "sum/mean/layer1"));
        Assert.Equal([0, 1, -0.5, 0], HypothesisGrid.Series(table, "diff/mean/all"));
        Assert.Equal([0, 1, 0.5, 2], HypothesisGrid.Series(table, "diff/std/all"));
        Assert.Equal([0, 0, -1, -2], HypothesisGrid.Series(table, "diff/min/all"));
        Assert.Equal([0, 2, 0, 2], HypothesisGrid.Series(table, "diff/max/all"));
        Assert.Equal([0, 0, -1, 2], HypothesisGrid.Series(table, "diff/mean/layer0"));

        double[] y = [1, 3, 2, 4];
        var family = HypothesisGrid.Run(table, y, "acc");
        Assert.Equal(Correlation.Pearson([0, 1, -0.5, 0], y).R, family.Find("diff/mean/all")!.R, 1e-14);
        Assert.Equal(Correlation.Pearson([0, 0, 1.5, 1], y).R, family.Find("sum/std/all")!.R, 1e-14);
    }

    [Fact]
    public void UpToIndexUsesOnlyThePrefix()
    {
        var table = Table(8, 3, seed: 9);
        double[] y = [0.2, 0.3, 0.1, 0.6, 0.5, 0.9, 0.4, 0.8];
        var h = HypothesisGrid.Run(table, y, "acc", upToIndex: 4).Headline!;
        Assert.Equal(5, h.N);
        double[] x = [.. table.Forgetting!.Take(5).Select(Std)];
        Assert.Equal(Correlation.Pearson(x, y[..5]).R, h.R, 1e-12);
    }

    [Fact]
    public void FamilySerialisesWithSnakeCaseNamesAndNaN()
    {
        var table = Table(5, 3);
        foreach (var row in table.Forgetting!) row[1] = 0.5;
        var json = TestData.CompactJson(HypothesisGrid.Run(table, [1, 3, 2, 5, 4], "acc"));
        Assert.Contains("\"p_bonferroni\":", json);
        Assert.Contains("\"significant_holm\":", json);
        Assert.Contains("\"headline\":{\"id\":\"forgetting/std/all\"", json);
        Assert.Contains("\"r\":\"NaN\"", json);
        Assert.Contains("\"undefined\":true", json);
    }

    [Fact]
    public void BadInputsThrowNamingTheProblem()
    {
        var table = Table(5, 3);
        double[] y = [1, 2, 3, 2, 1];
        Assert.Contains("Target 'acc' has 4 values but Epochs has 5",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table, [1, 2, 3, 4], "acc")).Message);
        var two = new EpochMetricTable([0, 1], ["a", "b"], null, [[0, 0], [1, 2]], null);
        Assert.Contains("at least 3 epochs",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(two, [1, 2], "acc")).Message);
        Assert.Contains("at least 3 epochs",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table, y, "acc", upToIndex: 1)).Message);
        var ragged = table with { Forgetting = [[0, 0, 0], [1, 2], [1, 2, 3], [1, 1, 2], [3, 2, 1]] };
        Assert.Contains("Forgetting row 1 (epoch 1) has 2 layer values but Layers names 3",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(ragged, y, "acc")).Message);
        var shortRows = table with { Learning = table.Learning![..4] };
        Assert.Contains("Learning has 4 epoch rows but Epochs has 5",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(shortRows, y, "acc")).Message);
        Assert.Contains("strictly increasing",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table with { Epochs = [0, 1, 1, 2, 3] }, y, "acc")).Message);
        Assert.Contains("all null",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table with { Learning = null, Forgetting = null, CkaDivergence = null }, y, "acc")).Message);
        Assert.Contains("is constant",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table, [2, 2, 2, 2, 2], "acc")).Message);
        Assert.Contains("NaN at row 2",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table, [1, 2, double.NaN, 2, 1], "acc")).Message);
        Assert.Contains("alpha",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table, y, "acc", alpha: 1.5)).Message);
        Assert.Contains("Unknown hypothesis id 'forgetting/std/layer0'",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Series(table, "forgetting/std/layer0")).Message);
    }
}
