using Invariscope.Analysis.Robustness;

namespace Invariscope.Tests.Analysis.Robustness;

/// <summary>
/// The hypothesis grid pooled over training seeds, on synthetic seeds: per seed, the target is a random walk over 10
/// epochs, learning at layer 0 is the target plus small noise, every other cell is an independent random walk.
/// </summary>
public class PooledGridTests
{
    // Holm over the ~60 distinct pooled hypotheses needs p < 0.05/60 for the best one, so the permutation p (at least
    // 1/(B+1)) can only get there with B ≥ ~1200: with 499 permutations nothing could ever be robust.
    const int B = 9999;
    const int Epochs = 10, Layers = 3;
    const string Follower = "learning/mean/layer0";

    static double[] Walk(Random rng, double step = 0.05)
    {
        var v = new double[Epochs];
        v[0] = 0.5;
        for (int e = 1; e < Epochs; e++) v[e] = v[e - 1] + step * (2 * rng.NextDouble() - 1);
        return v;
    }

    /// <summary>One seed's table and target; <paramref name="twin"/>: forgetting at layer 2 equals layer 1 at every epoch.</summary>
    static (EpochMetricTable table, double[] y, double[] clean) Seed(int seed, bool twin)
    {
        var rng = new Random(100 + seed);
        var y = Walk(rng);
        double[][] Metric() => Enumerable.Range(0, Layers).Select(_ => Walk(rng)).ToArray();
        var learning = Metric();
        var forgetting = Metric();
        learning[0] = y.Select(v => v + 0.002 * (2 * rng.NextDouble() - 1)).ToArray();
        if (twin) forgetting[2] = (double[])forgetting[1].Clone();
        var clean = Walk(rng);
        double[][] Rows(double[][] byLayer) => [.. Enumerable.Range(0, Epochs).Select(e => byLayer.Select(l => l[e]).ToArray())];
        var table = new EpochMetricTable([.. Enumerable.Range(0, Epochs)], ["block0", "block1", "pre_logits"], Rows(learning), Rows(forgetting), null);
        return (table, y, clean);
    }

    static SeedGridInput Input(int seed, bool twin)
    {
        var (table, y, clean) = Seed(seed, twin);
        var covariates = new GridCovariates([.. table.Epochs.Select(e => (double)e)], clean, null);
        return new SeedGridInput(table, y, HypothesisGrid.Run(table, y, "corrupted_accuracy", 0.05, covariates: covariates, seed: (ulong)seed, permutations: B));
    }

    [Fact]
    public void The_target_following_hypothesis_is_robust_and_independent_walks_mostly_are_not()
    {
        var inputs = Enumerable.Range(0, 3).Select(s => Input(s, twin: true)).ToList();
        var pooled = PooledGrid.Run(inputs, "corrupted_accuracy", 0.05, "all", permutations: B);

        Assert.Equal(("corrupted_accuracy", 3, 3, "all", 0.05), (pooled.Target, pooled.Seeds, pooled.RequiredSeeds, pooled.Rule, pooled.Alpha));
        var follower = pooled.Find(Follower)!;
        Assert.Equal(Follower, follower.Id);
        Assert.True(follower.Robust);
        Assert.Equal((3, 3, 3), (follower.SameSign, follower.BeatBaselines, follower.SignificantHolm));
        Assert.All(follower.PerSeedR, r => Assert.InRange(r, 0.99, 1));
        Assert.InRange(follower.PooledR, 0.99, 1);
        Assert.InRange(follower.RDiff, 0.95, 1);
        Assert.True(follower.PDiffHolm < 0.05);
        Assert.Equal(follower, pooled.Hypotheses[0]);                      // smallest p first (ties by |r|)

        // Forgetting never sees the target: (almost) nothing built from it alone is robust.
        var independent = pooled.Hypotheses.Where(h => h.Id.StartsWith("forgetting/")).ToList();
        Assert.True(independent.Count >= 8);
        Assert.True(independent.Count(h => h.Robust) <= 1, string.Join(", ", independent.Where(h => h.Robust).Select(h => h.Id)));
        Assert.True(pooled.RobustCount < pooled.Hypotheses.Count / 2);

        // Family sizes and corrections: Bonferroni = min(1, p·tested), Holm ≤ Bonferroni.
        Assert.Equal(pooled.Hypotheses.Count, pooled.Distinct);
        Assert.Equal(pooled.Hypotheses.Count(h => double.IsFinite(h.PDiff)), pooled.Tested);
        Assert.All(pooled.Hypotheses.Where(h => double.IsFinite(h.PDiff)), h =>
        {
            Assert.Equal(Math.Min(1, h.PDiff * pooled.Tested), h.PDiffBonferroni, 1e-12);
            Assert.True(h.PDiffHolm <= h.PDiffBonferroni + 1e-12);
            Assert.Equal(3, h.PerSeedR.Count);
        });

        // Headline found; baselines pooled per seed in the families' order.
        Assert.NotNull(pooled.Headline);
        Assert.Same(pooled.Find(HypothesisGrid.HeadlineId), pooled.Headline);
        Assert.Equal(inputs[0].Family.Baselines.Select(b => b.Name), pooled.Baselines.Select(b => b.Name));
        Assert.All(pooled.Baselines, b => Assert.Equal(inputs.Select(i => i.Family.Baselines.Single(o => o.Name == b.Name).R), b.PerSeedR));

        // Deterministic for a given seed.
        var again = PooledGrid.Run(inputs, "corrupted_accuracy", 0.05, "all", permutations: B);
        Assert.Equal(pooled.Hypotheses.Select(h => (h.Id, h.PDiff, h.Robust)), again.Hypotheses.Select(h => (h.Id, h.PDiff, h.Robust)));
    }

    [Fact]
    public void Aliases_are_series_identical_in_every_seed()
    {
        // Twins in all three seeds: layer 2 and last2 (mean, min, max) of forgetting are aliases of layer 1.
        var all = PooledGrid.Run([.. Enumerable.Range(0, 3).Select(s => Input(s, twin: true))], "y", 0.05, "majority", permutations: 199);
        var twin = all.Find("forgetting/mean/layer1")!;
        Assert.Equal(["forgetting/mean/layer2", "forgetting/mean/last2", "forgetting/min/last2", "forgetting/max/last2"], twin.Aliases);
        Assert.Same(twin, all.Find("forgetting/max/last2"));
        Assert.DoesNotContain(all.Hypotheses, h => h.Id == "forgetting/mean/layer2");
        // std of two equal layers is 0 in every seed: undefined, not tested.
        var std = all.Find("forgetting/std/last2")!;
        Assert.True(double.IsNaN(std.PDiff) && double.IsNaN(std.PDiffHolm) && !std.Robust);
        Assert.True(all.Tested < all.Distinct);
        Assert.Equal(2, all.RequiredSeeds);

        // Twins only in seeds 0 and 1: seed 0's own family merges them, the pooled grid must not.
        var mixed = new[] { Input(0, twin: true), Input(1, twin: true), Input(2, twin: false) };
        Assert.Contains("forgetting/mean/layer2", mixed[0].Family.Find("forgetting/mean/layer1")!.Aliases);
        var pooled = PooledGrid.Run(mixed, "y", 0.05, "all", permutations: 199);
        Assert.Equal("forgetting/mean/layer2", pooled.Find("forgetting/mean/layer2")!.Id);
        Assert.DoesNotContain("forgetting/mean/layer2", pooled.Find("forgetting/mean/layer1")!.Aliases);
        // Split again: layer2 and mean/min/max of last2 (4); min/all from min/first2 (1); sum/, diff/ and learning/std/last2
        // (equal while forgetting's last two layers are equal: the std of two values is half their distance) (2).
        Assert.Equal(all.Distinct + 7, pooled.Distinct);
        Assert.True(double.IsFinite(pooled.Find("forgetting/std/last2")!.PDiff));
    }

    [Fact]
    public void Required_seeds_under_each_rule()
    {
        Assert.Equal(2, PooledGrid.Required("majority", 3));
        Assert.Equal(3, PooledGrid.Required("all", 3));
        Assert.Equal(2, PooledGrid.Required("majority", 2));
        Assert.Equal(3, PooledGrid.Required("majority", 4));
        Assert.Equal(3, PooledGrid.Required("majority", 5));
        Assert.Equal(5, PooledGrid.Required("all", 5));
    }
}
