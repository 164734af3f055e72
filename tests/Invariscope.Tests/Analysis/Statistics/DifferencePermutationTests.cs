using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;

namespace Invariscope.Tests.Analysis.Statistics;

public class DifferencePermutationTests
{
    const int B = 499;       // small B keeps the calibration trials fast; p resolution 1/500
    const int Trials = 1000;

    static double[] Gaussian(Random rng, int n, double sd = 1) =>
        [.. Enumerable.Range(0, n).Select(_ => sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))];

    static double[] Walk(Random rng, int n)
    {
        var steps = Gaussian(rng, n);
        for (int i = 1; i < n; i++) steps[i] += steps[i - 1];
        return steps;
    }

    static double[] Noisy(Random rng, double[] y, double sd) => [.. y.Zip(Gaussian(rng, y.Length, sd), (a, e) => a + e)];

    [Theory]
    [InlineData(10)]
    [InlineData(30)]
    public void IndependentRandomWalksAreRejectedAtTheNominalRateNotLikePearson(int n)
    {
        var rng = new Random(100 + n);
        int perm = 0, pearson = 0;
        for (int t = 0; t < Trials; t++)
        {
            var x = Walk(rng, n);
            var y = Walk(rng, n);
            if (DifferencePermutation.Test(x, y, B, (ulong)t).PValue < 0.05) perm++;
            if (Correlation.Pearson(x, y).PValue < 0.05) pearson++;
        }
        Assert.True(perm <= 0.07 * Trials, $"difference permutation rejected {perm}/{Trials}");
        Assert.True(perm >= 0.03 * Trials, $"difference permutation rejected only {perm}/{Trials}"); // calibrated, not just conservative
        // Spurious regression: Pearson rejects about 29% at n = 10 and over half at n = 30 (nominal 5%).
        Assert.True(pearson > (n == 10 ? 0.25 : 0.45) * Trials, $"Pearson rejected {pearson}/{Trials}");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(30)]
    public void ATargetPlusSmallNoiseIsDetected(int n)
    {
        var rng = new Random(7 + n);
        int perm = 0;
        for (int t = 0; t < 400; t++)
        {
            var y = Walk(rng, n);
            if (DifferencePermutation.Test(Noisy(rng, y, 0.3), y, B, (ulong)t).PValue < 0.05) perm++;
        }
        Assert.True(perm >= 0.80 * 400, $"difference permutation detected {perm}/400");
    }

    [Fact]
    public void StratifiedOverThreeSeedsIsCalibratedAndHasPower()
    {
        var rng = new Random(31);
        int nullPerm = 0, nullPearson = 0, power = 0;
        for (int t = 0; t < Trials; t++)
        {
            var x = Enumerable.Range(0, 3).Select(_ => Walk(rng, 10)).ToList();
            var y = Enumerable.Range(0, 3).Select(_ => Walk(rng, 10)).ToList();
            if (DifferencePermutation.Stratified(x, y, B, (ulong)t).PValue < 0.05) nullPerm++;
            if (Correlation.Pearson([.. x.SelectMany(v => v)], [.. y.SelectMany(v => v)]).PValue < 0.05) nullPearson++;
            if (t < 400 && DifferencePermutation.Stratified([.. y.Select(v => Noisy(rng, v, 0.3))], y, B, (ulong)t).PValue < 0.05) power++;
        }
        Assert.True(nullPerm <= 0.07 * Trials, $"stratified permutation rejected {nullPerm}/{Trials}");
        Assert.True(nullPerm >= 0.03 * Trials, $"stratified permutation rejected only {nullPerm}/{Trials}");
        Assert.True(nullPearson > 0.30 * Trials, $"pooled Pearson rejected {nullPearson}/{Trials}");
        Assert.True(power >= 0.80 * 400, $"stratified permutation detected {power}/400");
    }

    [Fact]
    public void DifferencesNeverCrossSeeds()
    {
        // Shifting one seed's whole series changes no within-seed difference, so nothing may change;
        // a difference across the seed boundary would jump by the shift.
        var rng = new Random(2);
        var x = new List<double[]> { Walk(rng, 8), Walk(rng, 6), Walk(rng, 9) };
        var y = new List<double[]> { Walk(rng, 8), Walk(rng, 6), Walk(rng, 9) };
        var a = DifferencePermutation.Stratified(x, y, B, 5);
        var shifted = DifferencePermutation.Stratified([x[0], [.. x[1].Select(v => v + 1000)], x[2]], y, B, 5);
        Assert.Equal(a.RDiff, shifted.RDiff, 1e-9);
        Assert.Equal(a.PValue, shifted.PValue);
        Assert.Equal(7 + 5 + 8, a.N);
        Assert.Equal(3, a.PerSeedR.Count);
        for (int s = 0; s < 3; s++) Assert.Equal(Correlation.Pearson(x[s], y[s]).R, a.PerSeedR[s], 1e-14);
    }

    [Fact]
    public void OneSeedEqualsTheSingleTestAndResultsAreDeterministic()
    {
        var rng = new Random(4);
        var x = Walk(rng, 12);
        var y = Walk(rng, 12);
        var single = DifferencePermutation.Test(x, y, B, 9);
        var strat = DifferencePermutation.Stratified([x], [y], B, 9);
        Assert.Equal(single.R, strat.RDiff, 1e-15);
        Assert.Equal(single.PValue, strat.PValue);
        Assert.Equal(single, DifferencePermutation.Test(x, y, B, 9));
        double[] dx = [.. x.Skip(1).Zip(x, (a, b) => a - b)], dy = [.. y.Skip(1).Zip(y, (a, b) => a - b)];
        Assert.Equal(Correlation.Pearson(dx, dy).R, single.R, 1e-12);
        Assert.Equal(11, single.N);
        // p is on the permutation grid (1 + count)/(B + 1).
        double count = single.PValue * (B + 1) - 1;
        Assert.Equal(Math.Round(count), count, 1e-9);
        // A perfect match is as extreme as possible: only ties reach it.
        Assert.Equal(1.0 / (B + 1), DifferencePermutation.Test(y, [.. y.Select(v => 3 * v + 1)], B, 1).PValue, 1e-15);
    }

    [Fact]
    public void PooledRUsesFisherZWithWeightsNMinus3()
    {
        double[] r = [0.5, 0.8, -0.2];
        int[] n = [10, 20, 5];
        double z = (7 * Math.Atanh(0.5) + 17 * Math.Atanh(0.8) + 2 * Math.Atanh(-0.2)) / 26;
        Assert.Equal(Math.Tanh(z), DifferencePermutation.PooledR(r, n), 1e-14);
        // A seed with n ≤ 3: equal weights; undefined seeds are skipped.
        double plain = Math.Tanh((Math.Atanh(0.5) + Math.Atanh(0.8)) / 2);
        Assert.Equal(plain, DifferencePermutation.PooledR([0.5, 0.8, double.NaN], [10, 3, 7]), 1e-14);
        Assert.True(double.IsNaN(DifferencePermutation.PooledR([double.NaN], [10])));
    }

    [Fact]
    public void UndefinedCasesAreNaNAndBadInputsThrow()
    {
        double[] y = [0.1, 0.5, 0.3, 0.9, 0.4];
        Assert.True(double.IsNaN(DifferencePermutation.Test([0, 1, 2, 3, 4], y, B).PValue));   // constant differences
        Assert.True(double.IsNaN(DifferencePermutation.Test(y, [0, 2, 4, 6, 8], B).R));
        Assert.True(double.IsNaN(DifferencePermutation.Test([1, 2, double.NaN, 3, 1], y, B).PValue));
        var s = DifferencePermutation.Stratified([[1, 2, 3], [3, 1, 2, 5]], [[1, 1, 1], [2, 3, 1, 4]], B);
        Assert.False(double.IsNaN(s.PValue)); // one constant seed is fine; only the pooled differences must vary
        Assert.True(double.IsNaN(s.PerSeedR[0]));

        Assert.Contains("at least 3 differences",
            Assert.Throws<InvariscopeException>(() => DifferencePermutation.Test([1, 2, 3], [3, 1, 2], B)).Message);
        Assert.Contains("differ in length",
            Assert.Throws<InvariscopeException>(() => DifferencePermutation.Test([1, 2, 3, 4], y, B)).Message);
        Assert.Contains("at least 1 permutation",
            Assert.Throws<InvariscopeException>(() => DifferencePermutation.Test(y, y, 0)).Message);
        Assert.Contains("differ in seeds",
            Assert.Throws<InvariscopeException>(() => DifferencePermutation.Stratified([y], [y, y], B)).Message);
        Assert.Contains("at seed 1",
            Assert.Throws<InvariscopeException>(() => DifferencePermutation.Stratified([y, y], [y, y[..4]], B)).Message);
    }
}
