using Invariscope.Analysis;
using Invariscope.Analysis.Robustness;
using Invariscope.Analysis.Statistics;
using Invariscope.Evaluation;
using Invariscope.Study;
using Invariscope.Training;

namespace Invariscope.Tests.Study;

/// <summary>
/// The correlation rules of <see cref="Findings"/>: the headline beyond trivial baselines, early epochs, learning vs
/// forgetting. Realistic cases run <see cref="StudyStatistics.Compute"/> on hand-built per-epoch records; the p-value
/// margin and the seed counts are pinned on hand-built <see cref="SettingStatistics"/>.
/// </summary>
public class FindingsCorrelationTests
{
    const int Epochs = 12;
    static readonly string[] Layers4 = ["block0", "block1", "block2", "block3"];
    static readonly double[] K = [-1, -1, 1, 1]; // population std 1: the across-layer std of 0.4 + K·x is exactly |x|

    /// <summary>
    /// One training run over epochs 1..12: mean corrupted accuracy <paramref name="corrupted"/>, clean accuracy
    /// <paramref name="clean"/>, and forgetting whose std across the 4 layers is <paramref name="forgettingStd"/>.
    /// </summary>
    static SettingResults Trajectory(double[] corrupted, double[] clean, double[] forgettingStd)
    {
        var robustness = Enumerable.Range(0, Epochs).Select(e => new EpochRobustness(e + 1, "classification",
            new EvalResult(1 - clean[e], clean[e], 500), null, [new CorruptionCell("noise", 1, corrupted[e], 1, 500)])).ToList();
        var checkpoints = Enumerable.Range(0, Epochs).Select(e => FindingsInputs.Ckpt(e + 1, new()
        {
            ["learning"] = FindingsInputs.S([0.1 + 0.001 * e, 0.2, 0.3, 0.4 + 0.002 * e]),
            ["forgetting"] = FindingsInputs.S([.. K.Select(k => 0.4 + k * forgettingStd[e])]),
        })).ToArray();
        return FindingsInputs.Run("ft", "ft", robustness, FindingsInputs.A(Layers4, checkpoints));
    }

    static StudyStatisticsResult Compute(SettingResults s) =>
        StudyStatistics.Compute(new StudyResults("/nowhere", "findings", [s]), new StudyStatisticsOptions { Permutations = 999 });

    [Fact]
    public void Headline_is_reproduced_when_forgetting_std_tracks_the_increments_of_corrupted_accuracy_in_every_seed()
    {
        var runs = new List<SettingResults>();
        for (int seed = 0; seed < 3; seed++)
        {
            var rng = new Random(100 + seed);
            var corrupted = new double[Epochs];
            corrupted[0] = 0.4;
            for (int e = 1; e < Epochs; e++) corrupted[e] = corrupted[e - 1] + (rng.Next(2) == 0 ? -1 : 1) * (0.02 + 0.04 * rng.NextDouble());
            var clean = Enumerable.Range(0, Epochs).Select(e => 0.6 + 0.02 * e).ToArray();          // a plain trend
            var x = corrupted.Select(c => 0.5 * c + 0.001 * (rng.NextDouble() - 0.5)).ToArray();  // target + small noise
            runs.Add(Trajectory(corrupted, clean, x));
        }
        var stats = Compute(FindingsInputs.Seeded("ft", "ft", runs));
        var f = FindingsInputs.One(stats.Findings, "headline_beyond_baselines:ft");
        var perSeed = stats.Settings[0].PerSeed!.Select(s => s.Families.Single(t => t.Target == StudyStatistics.Corrupted).Headline!).ToList();
        Assert.All(perSeed, h => { Assert.True(h.R > 0.99, $"r {h.R}"); Assert.True(h.BeatsBaselines); Assert.True(h.PartialRClean > 0); });
        Assert.True(stats.Settings[0].Pooled![0].Headline!.PDiff < 0.025);
        Assert.Equal(Verdict.Reproduced, f.Verdict);
        Assert.Equal(perSeed.Min(h => h.R), f.Lower, 1e-12);
        Assert.Equal(perSeed.Max(h => h.R), f.Upper, 1e-12);
        Assert.Equal("range over 3 training seeds", f.Interval);
        // The half-run r (epochs 1..6) still tracks: early epochs suffice.
        Assert.Equal(Verdict.Reproduced, FindingsInputs.One(stats.Findings, "early_epochs_suffice:ft").Verdict);
    }

    [Fact]
    public void Headline_is_not_reproduced_when_forgetting_std_is_only_the_shared_trend()
    {
        var runs = Enumerable.Range(0, 3).Select(seed =>
        {
            var corrupted = Enumerable.Range(0, Epochs).Select(e => 0.6 - (0.3 + 0.02 * seed) * Math.Exp(-e / 4.0)).ToArray();
            var clean = corrupted.Select(c => 0.2 + c).ToArray();                     // clean tracks corrupted exactly (affine)
            var x = Enumerable.Range(0, Epochs).Select(e => 0.05 + 0.01 * e).ToArray();  // the epoch index, rescaled
            return Trajectory(corrupted, clean, x);
        }).ToList();
        var stats = Compute(FindingsInputs.Seeded("ft", "ft", runs));
        var f = FindingsInputs.One(stats.Findings, "headline_beyond_baselines:ft");
        // x is the epoch index up to scale, so the epoch baseline has the same |r| (it does not exceed it by the 1e-12
        // tolerance), and clean accuracy, an affine map of the target, has r = 1: a baseline does as well in every seed,
        // which is more than the n − required = 0 allowed under "all". The rule's first clause gives not reproduced,
        // whatever the permutation p (x's first differences are constant up to rounding, so p carries no information).
        var perSeed = stats.Settings[0].PerSeed!.Select(s => s.Families.Single(t => t.Target == StudyStatistics.Corrupted)).ToList();
        Assert.All(perSeed, fam =>
        {
            Assert.True(fam.Headline!.R > 0.8, $"r {fam.Headline.R}");              // a sizeable r, yet explained by the trend
            Assert.False(fam.Headline.BeatsBaselines);
            Assert.Equal(1.0, fam.Baselines.Single(b => b.Name == "clean_accuracy").R, 1e-9);
        });
        Assert.Equal(Verdict.NotReproduced, f.Verdict);
        // Early epochs are not judged when the headline is not reproduced.
        Assert.Equal(Verdict.Inconclusive, FindingsInputs.One(stats.Findings, "early_epochs_suffice:ft").Verdict);
    }

    static HypothesisResult H(double r, double pDiff, bool beats = true, double partialClean = 0.5) =>
        new(HypothesisGrid.HeadlineId, "forgetting", "std", "all", 0, 3, r, 1e-4, 1e-3, 1e-3, 10, true, true, [],
            pDiff, pDiff, pDiff, pDiff < 0.05, double.NaN, double.NaN, partialClean, 0.01, beats);

    static EarlyEpochPoint Point(int upTo, double r) => new(upTo, upTo, r, 0.01, 1, 10, new Dictionary<string, double>());

    static SettingStatistics Stats(HypothesisResult head, params EarlyEpochPoint[] early) =>
        new("ft", "ft", null, new Dictionary<string, double[]>(),
            [new CorrelationFamily(StudyStatistics.Corrupted, 10, 10, 0.05, [head], head, 10, [new BaselineResult("epoch", 0.3, 0.2, double.NaN)])],
            early, new Dictionary<string, CorrelationResult>(), null, []);

    static IReadOnlyList<Finding> Evaluate(SettingStatistics st, SettingResults? setting = null, string robust = "all") =>
        FindingsInputs.Evaluate(new StudyStatisticsResult([st], []), new StudyStatisticsOptions { Robust = robust },
            setting ?? FindingsInputs.Run("ft", "ft", []));

    [Theory]
    [InlineData(0.0100, true, 0.5, Verdict.Reproduced)]
    [InlineData(0.0249, true, 0.5, Verdict.Reproduced)]
    [InlineData(0.0250, true, 0.5, Verdict.Inconclusive)]     // α/2 itself is in the margin
    [InlineData(0.0500, true, 0.5, Verdict.Inconclusive)]
    [InlineData(0.1000, true, 0.5, Verdict.Inconclusive)]     // 2α itself is in the margin
    [InlineData(0.1001, true, 0.5, Verdict.NotReproduced)]
    [InlineData(0.5000, true, 0.5, Verdict.NotReproduced)]
    [InlineData(double.NaN, true, 0.5, Verdict.Inconclusive)] // no permutation p: undecided
    [InlineData(0.0100, false, 0.5, Verdict.NotReproduced)]   // a baseline does as well
    [InlineData(0.0100, true, -0.2, Verdict.Inconclusive)]    // partial r given clean accuracy flips sign
    public void Headline_of_one_run_decides_on_p_only_outside_the_margin(double p, bool beats, double partialClean, string verdict)
    {
        var f = FindingsInputs.One(Evaluate(Stats(H(0.9, p, beats, partialClean))), "headline_beyond_baselines:ft");
        Assert.Equal(verdict, f.Verdict);
        Assert.Equal(0.9, f.Value);
        Assert.True(double.IsNaN(f.Lower));
        Assert.Contains("α/2 = 0.025", f.Rule);
    }

    [Fact]
    public void Headline_with_an_undefined_correlation_is_absent()
    {
        Assert.DoesNotContain(Evaluate(Stats(H(double.NaN, 0.01))), f => f.Id.StartsWith("headline", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("all", 2, Verdict.NotReproduced)]       // required 3 of 3
    [InlineData("majority", 2, Verdict.Reproduced)]     // required 2 of 3
    [InlineData("majority", 1, Verdict.NotReproduced)]
    [InlineData("all", 3, Verdict.Reproduced)]
    public void Headline_over_seeds_must_hold_in_the_declared_number_of_seeds(string robust, int beating, string verdict)
    {
        var perSeed = Enumerable.Range(0, 3).Select(i => Stats(H(0.8 + 0.05 * i, 0.01, beats: i < beating)) with { Seed = i }).ToList();
        var pooledHead = new PooledHypothesis(HypothesisGrid.HeadlineId, [], [0.8, 0.85, 0.9], 0.85, 0.9, 0.001, 0.1, 0.1, 3, beating, 3, false);
        var pooled = new PooledFamily(StudyStatistics.Corrupted, 3, 3, robust, 10, 10, 0.05, [], [pooledHead], pooledHead);
        var st = Stats(H(0.85, 0.01)) with { Families = [], PerSeed = perSeed, Pooled = [pooled] };
        var setting = FindingsInputs.Seeded("ft", "ft", [.. Enumerable.Range(0, 3).Select(_ => FindingsInputs.Run("ft", "ft", []))]);
        var f = FindingsInputs.One(Evaluate(st, setting, robust), "headline_beyond_baselines:ft");
        Assert.Equal(verdict, f.Verdict);
        Assert.Equal(0.85, f.Value);                  // the pooled r
        Assert.Equal((0.8, 0.9), (f.Lower, f.Upper), new ToleranceComparer());
    }

    [Fact]
    public void Headline_with_an_undefined_pooled_r_is_inconclusive_not_a_crash()
    {
        // Fisher-z pooling of seeds with r = +1 and r = −1 gives atanh(1) + atanh(−1) = ∞ − ∞ = NaN: no pooled sign.
        var perSeed = Enumerable.Range(0, 2).Select(i => Stats(H(i == 0 ? 1 : -1, 0.01)) with { Seed = i }).ToList();
        var pooledHead = new PooledHypothesis(HypothesisGrid.HeadlineId, [], [1, -1], double.NaN, 0, 0.001, 0.1, 0.1, 0, 2, 2, false);
        var pooled = new PooledFamily(StudyStatistics.Corrupted, 2, 2, "all", 10, 10, 0.05, [], [pooledHead], pooledHead);
        var st = Stats(H(0, 0.01)) with { Families = [], PerSeed = perSeed, Pooled = [pooled] };
        var setting = FindingsInputs.Seeded("ft", "ft", [FindingsInputs.Run("ft", "ft", []), FindingsInputs.Run("ft", "ft", [])]);
        var f = FindingsInputs.One(Evaluate(st, setting), "headline_beyond_baselines:ft");
        Assert.Equal(Verdict.Inconclusive, f.Verdict);
    }

    sealed class ToleranceComparer : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) a, (double, double) b) => Math.Abs(a.Item1 - b.Item1) < 1e-12 && Math.Abs(a.Item2 - b.Item2) < 1e-12;
        public int GetHashCode((double, double) v) => 0;
    }

    [Theory]
    [InlineData(0.01, 0.60, Verdict.Reproduced)]        // half-run r 0.60 ≥ 0.45 = half of 0.9
    [InlineData(0.01, 0.40, Verdict.NotReproduced)]     // too small
    [InlineData(0.01, -0.80, Verdict.NotReproduced)]    // wrong sign
    [InlineData(0.50, 0.90, Verdict.Inconclusive)]      // headline not reproduced: not judged
    [InlineData(0.05, 0.90, Verdict.Inconclusive)]      // headline inconclusive: not judged
    public void Early_epochs_suffice_uses_the_cut_off_nearest_half_the_run(double headlineP, double halfR, string verdict)
    {
        // Cut-offs at epochs 3..10: the half of 10 is epoch 5; the others have r 0 and must not be picked.
        var early = Enumerable.Range(3, 8).Select(e => Point(e, e == 5 ? halfR : 0.0)).ToArray();
        var findings = Evaluate(Stats(H(0.9, headlineP), early));
        var f = FindingsInputs.One(findings, "early_epochs_suffice:ft");
        Assert.Equal(verdict, f.Verdict);
        Assert.Equal(halfR, f.Value);
        Assert.Contains($"headline verdict {FindingsInputs.One(findings, "headline_beyond_baselines:ft").Verdict}", f.Detail);
    }

    [Fact]
    public void Early_epochs_are_absent_without_early_epoch_points()
    {
        Assert.DoesNotContain(Evaluate(Stats(H(0.9, 0.01))), f => f.Id.StartsWith("early_epochs", StringComparison.Ordinal));
    }

    /// <summary>A run's final learning and forgetting across 5 layers.</summary>
    static SettingResults LayersRun(double[] learning, double[] forgetting) =>
        FindingsInputs.Run("ft", "ft", [FindingsInputs.Acc(0.8)], FindingsInputs.A(FindingsInputs.Layers,
            FindingsInputs.Ckpt(5, new() { ["learning"] = FindingsInputs.S(learning), ["forgetting"] = FindingsInputs.S(forgetting) })));

    static Finding LearningForgetting(Func<int, double[]> learning, Func<int, double[]> forgetting) =>
        FindingsInputs.One(FindingsInputs.Evaluate(FindingsInputs.Seeded("ft", "ft", [.. Enumerable.Range(0, 3).Select(s => LayersRun(learning(s), forgetting(s)))])),
            "learning_forgetting_correlate");

    [Fact]
    public void Learning_and_forgetting_correlate_strongly_positive_across_layers_and_seeds_is_reproduced()
    {
        double[] L(int s) => [0.1 + 0.01 * s, 0.2, 0.3, 0.45, 0.5 - 0.01 * s];
        var f = LearningForgetting(L, s => [.. L(s).Select((v, i) => 0.8 * v + 0.01 * ((i + s) % 3 - 1))]);
        Assert.True(f.Value > 0.95, $"r {f.Value}");
        Assert.True(f.Lower > 0 && f.Lower < f.Value && f.Value < f.Upper);
        Assert.Contains("n = 15", f.Measure);
        Assert.Contains("3 of 3 runs positive", f.Detail);
        Assert.Equal(Verdict.Reproduced, f.Verdict);
    }

    [Fact]
    public void Learning_and_forgetting_anticorrelated_is_not_reproduced()
    {
        double[] L(int s) => [0.1 + 0.01 * s, 0.2, 0.3, 0.45, 0.5 - 0.01 * s];
        var f = LearningForgetting(L, s => [.. L(s).Select(v => 0.7 - v)]);
        Assert.True(f.Value < -0.95, $"r {f.Value}");
        Assert.Equal(Verdict.NotReproduced, f.Verdict);
    }

    [Fact]
    public void Learning_and_forgetting_with_NaN_or_constant_values_is_absent_not_a_crash()
    {
        Assert.DoesNotContain(FindingsInputs.Evaluate(LayersRun([0.1, double.NaN, 0.3, 0.4, 0.5], [0.1, 0.2, 0.3, 0.4, 0.5])),
            f => f.Id == "learning_forgetting_correlate");
        Assert.DoesNotContain(FindingsInputs.Evaluate(LayersRun([0.3, 0.3, 0.3, 0.3, 0.3], [0.1, 0.2, 0.3, 0.4, 0.5])),
            f => f.Id == "learning_forgetting_correlate");
    }
}
