using Invariscope.Analysis.Robustness;
using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;
using static Invariscope.Tests.Analysis.Robustness.RobustnessTestData;

namespace Invariscope.Tests.Analysis.Robustness;

public class GridTrendControlsTests
{
    const int B = 499;

    /// <summary>Forgetting only, 4 layers, layers 2 and 3 equal at every epoch: layer2, layer3 and last2 (mean, min, max) coincide.</summary>
    static EpochMetricTable TwinLayers(int seed = 1)
    {
        var rng = new Random(seed);
        var f = Random2D(rng, 8, 4);
        foreach (var row in f) row[3] = row[2];
        return new EpochMetricTable([.. Enumerable.Range(0, 8)], ["a", "b", "c", "d"], null, f, null);
    }

    [Fact]
    public void CoincidingRangesAreOneEntryWithAliasesAndTheFamilyCountsThemOnce()
    {
        var table = TwinLayers();
        double[] y = [0.1, 0.5, 0.4, 0.9, 0.7, 0.2, 0.8, 0.6];
        var family = HypothesisGrid.Run(table, y, "acc", permutations: B);
        var twin = family.Hypotheses.Single(h => h.Id == "forgetting/mean/layer2");
        Assert.Equal(["forgetting/mean/layer3", "forgetting/mean/last2", "forgetting/min/last2", "forgetting/max/last2"], twin.Aliases);
        Assert.Null(family.Hypotheses.FirstOrDefault(h => h.Id == "forgetting/mean/layer3"));
        Assert.Same(twin, family.Find("forgetting/max/last2"));
        Assert.Equal(HypothesisGrid.Count(4, 1), family.Total);
        Assert.Equal(family.Hypotheses.Count, family.Distinct);
        Assert.True(family.Distinct <= family.Total - 4);
        // std over two equal layers is identically 0: undefined, and not in the tested family.
        Assert.True(family.Find("forgetting/std/last2")!.Undefined);
        Assert.Equal(family.Hypotheses.Count(h => !h.Undefined), family.Tested);

        // Bonferroni and Holm use the distinct family.
        int definedIds = family.Hypotheses.Where(h => !h.Undefined).Sum(h => 1 + h.Aliases.Count);
        Assert.True(family.Tested < definedIds);
        Assert.Equal(Math.Min(1, twin.PValue * family.Tested), twin.PBonferroni, 1e-15);
        var defined = family.Hypotheses.Where(h => !h.Undefined).ToList();
        var holm = MultipleTesting.Holm([.. defined.Select(h => h.PValue)]);
        for (int i = 0; i < defined.Count; i++) Assert.Equal(holm[i], defined[i].PHolm, 1e-15);
        Assert.Equal(Correlation.Pearson(HypothesisGrid.Series(table, "forgetting/min/last2"), y).R, twin.R, 1e-14);
    }

    [Fact]
    public void TheHeadlineIsFoundThroughAnAlias()
    {
        // Learning is the same at every layer and equals the std of forgetting. Then λ+φ and λ−φ shift every layer by the
        // same amount, so sum/std/all (first in grid order), diff/std/all, learning/mean/all and forgetting/std/all coincide.
        var table = Table(7, 4, seed: 12, cka: false);
        var learning = table.Forgetting!.Select(row => Enumerable.Repeat(Std(row), row.Length).ToArray()).ToArray();
        table = table with { Learning = learning };
        double[] y = [0.3, 0.1, 0.6, 0.4, 0.9, 0.5, 0.8];
        var family = HypothesisGrid.Run(table, y, "acc", permutations: B);
        Assert.DoesNotContain(family.Hypotheses, h => h.Id == HypothesisGrid.HeadlineId);
        Assert.NotNull(family.Headline);
        Assert.Equal("sum/std/all", family.Headline!.Id);
        // (min and max of a row that is constant across layers equal its mean.)
        Assert.Equal(["diff/std/all", "learning/mean/all", "learning/min/all", "learning/max/all", HypothesisGrid.HeadlineId],
            family.Headline.Aliases.Where(a => a.EndsWith("/all")));
        Assert.Same(family.Headline, family.Find(HypothesisGrid.HeadlineId));
        Assert.Equal(Correlation.Pearson(HypothesisGrid.Series(table, HypothesisGrid.HeadlineId), y).R, family.Headline.R, 1e-14);
        // Early epochs track the headline through its alias.
        var early = EarlyEpochs.Run(table, y, "acc", [HypothesisGrid.HeadlineId]);
        Assert.Equal(family.Headline.R, early[^1].HeadlineR, 1e-14);
    }

    [Fact]
    public void BaselinesAreReportedAndAnEpochLikeHypothesisDoesNotBeatThem()
    {
        var table = Table(9, 4, seed: 21, cka: false);
        for (int e = 0; e < 9; e++) table.Forgetting![e][0] = e;   // forgetting/mean/layer0 is the epoch index
        double[] y = [.. table.Forgetting!.Select((row, e) => Std(row[1..]) + 0.05 * e)];
        double[] clean = [.. y.Select((v, e) => 0.5 + 0.01 * e + 0.2 * Math.Sin(e))];
        var family = HypothesisGrid.Run(table, y, "acc", covariates: new GridCovariates(CleanAccuracy: clean), seed: 3, permutations: B);

        Assert.Equal(["epoch", "clean_accuracy", "train_loss"], family.Baselines.Select(b => b.Name));
        double[] epochs = [.. Enumerable.Range(0, 9).Select(e => (double)e)];
        var epochBaseline = family.Baselines[0];
        Assert.Equal(Correlation.Pearson(epochs, y).R, epochBaseline.R, 1e-14);
        Assert.Equal(Correlation.Pearson(epochs, y).PValue, epochBaseline.PValue, 1e-14);
        Assert.True(double.IsNaN(epochBaseline.PDiffPerm));                      // equally spaced epochs: constant differences
        Assert.Equal(Correlation.Pearson(clean, y).R, family.Baselines[1].R, 1e-14);
        Assert.Equal(DifferencePermutation.Test(clean, y, B, 3).PValue, family.Baselines[1].PDiffPerm);
        Assert.True(double.IsNaN(family.Baselines[2].R));                        // no training loss given

        var epochLike = family.Find("forgetting/mean/layer0")!;
        Assert.Equal(epochBaseline.R, epochLike.R, 1e-14);
        Assert.False(epochLike.BeatsBaselines);
        Assert.True(double.IsNaN(epochLike.PartialREpoch));                      // collinear with the covariate
        Assert.True(double.IsNaN(epochLike.PDiff));
        double maxBaseline = family.Baselines.Where(b => !double.IsNaN(b.R)).Max(b => Math.Abs(b.R));
        var best = family.Hypotheses[0];
        Assert.True(Math.Abs(best.R) > maxBaseline);
        Assert.True(best.BeatsBaselines);
        Assert.All(family.Hypotheses, h => Assert.Equal(!h.Undefined && Math.Abs(h.R) > maxBaseline + 1e-12, h.BeatsBaselines));
    }

    [Fact]
    public void PartialsAndDifferencePValuesMatchTheStatisticsFunctions()
    {
        var table = Table(10, 4, seed: 4, cka: false);
        double[] y = [.. table.Forgetting!.Select((row, e) => Std(row) + 0.02 * e)];
        double[] clean = [.. Enumerable.Range(0, 10).Select(e => 0.5 + 0.04 * e - 0.003 * e * e)];
        double[] loss = [.. Enumerable.Range(0, 10).Select(e => 2.0 / (e + 1))];
        var cov = new GridCovariates(CleanAccuracy: clean, TrainLoss: loss);
        var family = HypothesisGrid.Run(table, y, "acc", covariates: cov, seed: 11, permutations: B);
        double[] epochs = [.. table.Epochs.Select(e => (double)e)];
        var x = HypothesisGrid.Series(table, HypothesisGrid.HeadlineId);
        var h = family.Headline!;
        var pe = PartialCorrelation.Of(x, y, epochs);
        var pc = PartialCorrelation.Of(x, y, clean);
        Assert.Equal(pe.R, h.PartialREpoch, 1e-14);
        Assert.Equal(pe.PValue, h.PartialPEpoch, 1e-14);
        Assert.Equal(pc.R, h.PartialRClean, 1e-14);
        Assert.Equal(pc.PValue, h.PartialPClean, 1e-14);
        Assert.Equal(DifferencePermutation.Test(x, y, B, 11).PValue, h.PDiff);
        Assert.Equal(Correlation.Pearson(loss, y).R, family.Baselines[2].R, 1e-14);

        var diffFamily = family.Hypotheses.Where(d => !double.IsNaN(d.PDiff)).ToList();
        Assert.All(diffFamily, d => Assert.Equal(Math.Min(1, d.PDiff * diffFamily.Count), d.PDiffBonferroni, 1e-15));
        var holm = MultipleTesting.Holm([.. diffFamily.Select(d => d.PDiff)]);
        for (int i = 0; i < diffFamily.Count; i++)
        {
            Assert.Equal(holm[i], diffFamily[i].PDiffHolm, 1e-15);
            Assert.Equal(holm[i] < family.Alpha, diffFamily[i].SignificantDiffHolm);
        }
        Assert.Equal(family.Hypotheses.Count(d => d.SignificantDiffHolm), family.SignificantDiffHolmCount);
        // Deterministic given the seed; 0 permutations skips the test.
        Assert.Equal(h.PDiff, HypothesisGrid.Run(table, y, "acc", covariates: cov, seed: 11, permutations: B).Headline!.PDiff);
        Assert.True(double.IsNaN(HypothesisGrid.Run(table, y, "acc", permutations: 0).Headline!.PDiff));
    }

    [Fact]
    public void NewFieldsSerialiseSnakeCaseWithNaN()
    {
        var json = TestData.CompactJson(HypothesisGrid.Run(TwinLayers(), [0.1, 0.5, 0.4, 0.9, 0.7, 0.2, 0.8, 0.6], "acc", permutations: B));
        foreach (var key in new[] { "aliases", "p_diff", "p_diff_bonferroni", "p_diff_holm", "significant_diff_holm", "partial_r_epoch",
                                    "partial_p_epoch", "partial_r_clean", "partial_p_clean", "beats_baselines", "distinct", "baselines", "p_diff_perm" })
            Assert.Contains($"\"{key}\":", json);
        Assert.Contains("\"aliases\":[\"forgetting/mean/layer3\",", json);
        Assert.Contains("\"partial_r_clean\":\"NaN\"", json);
        Assert.Contains("{\"name\":\"train_loss\",\"r\":\"NaN\"", json);
    }

    [Fact]
    public void BadCovariatesThrowNamingTheProblem()
    {
        var table = Table(5, 3);
        double[] y = [1, 2, 3, 2, 1];
        Assert.Contains("Covariate 'clean_accuracy' has 4 values but Epochs has 5",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table, y, "acc", covariates: new GridCovariates(CleanAccuracy: [1, 2, 3, 4]))).Message);
        Assert.Contains("Covariate 'train_loss' is NaN at row 1",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table, y, "acc", covariates: new GridCovariates(TrainLoss: [1, double.NaN, 3, 4, 5]))).Message);
        Assert.Contains("permutations must be >= 0",
            Assert.Throws<InvariscopeException>(() => HypothesisGrid.Run(table, y, "acc", permutations: -1)).Message);
    }
}
