using Invariscope.Analysis;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

public class MinibatchCkaTests
{
    static double Accumulate(Tensor x, Tensor y, int[] sizes)
    {
        Assert.Equal(x.shape[0], sizes.Sum());
        using var acc = new LinearCkaAccumulator();
        long start = 0;
        foreach (var s in sizes)
        {
            using var xb = x[TensorIndex.Slice(start, start + s)];
            using var yb = y[TensorIndex.Slice(start, start + s)];
            acc.Add(xb, yb);
            start += s;
        }
        Assert.Equal(x.shape[0], acc.Count);
        return acc.Value();
    }

    public static TheoryData<int[]> Splits => new()
    {
        new[] { 50 },
        new[] { 10, 10, 10, 10, 10 },
        new[] { 16, 16, 16, 2 },   // uneven last batch
        new[] { 7, 7, 7, 7, 7, 7, 7, 1 },
        new[] { 1, 49 },
        new[] { 1, 1, 48 },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void AccumulatorEqualsFullBatchLinearCka(int[] sizes)
    {
        foreach (var other in new[] { "Y", "Z", "X" })
            Assert.Equal(Cka.Linear(CkaFixture.X, CkaFixture.Get(other)), Accumulate(CkaFixture.X, CkaFixture.Get(other), sizes), 1e-10);
        Assert.Equal(CkaFixture.Expected["linear_cka_XY"], Accumulate(CkaFixture.X, CkaFixture.Y, sizes), 1e-8);
    }

    [Fact]
    public void AccumulatorIsExactWithLargeFeatureMeans()
    {
        using var x = CkaFixture.X + 1e6;
        using var y = CkaFixture.Y * 3 - 5e5;
        Assert.Equal(Cka.Linear(CkaFixture.X, CkaFixture.Y), Accumulate(x, y, [13, 13, 13, 11]), 1e-10);
    }

    [Fact]
    public void AccumulatorOnFlattenedTimmBlocksInFloat32()
    {
        var reps = TestData.Load("timm_vit_tiny32_expected.safetensors");
        double v = Accumulate(reps["block0"], reps["block3"], [4, 2]);
        Assert.Equal(CkaFixture.Expected["linear_cka_timm_block0_vs_block3_flattened"], v, 1e-8);
        foreach (var t in reps.Values) t.Dispose();
    }

    [Fact]
    public void AccumulatorGuards()
    {
        using var acc = new LinearCkaAccumulator();
        Assert.Throws<InvariscopeException>(() => acc.Value());
        using var c = full(5, 20, 2.0, float64);
        using var x5 = CkaFixture.X[..5];
        using var y5 = CkaFixture.Y[..5];
        using var y4 = CkaFixture.Y[..4];
        Assert.Contains("batch 0", Assert.Throws<InvariscopeException>(() => acc.Add(x5, y4)).Message);
        acc.Add(c, y5);
        acc.Add(c, y5);
        Assert.Contains("first input (X) is constant", Assert.Throws<InvariscopeException>(() => acc.Value()).Message);
        using var z5 = CkaFixture.Z[..5];
        Assert.Contains("feature sizes", Assert.Throws<InvariscopeException>(() => acc.Add(x5, z5)).Message);
        using var bad = x5.clone();
        bad[1, 1] = tensor(double.NaN);
        Assert.Contains("batch 2: first input (X) contains NaN", Assert.Throws<InvariscopeException>(() => acc.Add(bad, y5)).Message);
        acc.Add(x5, y5); // a varying batch makes X non-constant
        Assert.InRange(acc.Value(), 0.0, 1.0);
    }

    [Fact]
    public void MinibatchDebiasedWithOneBatchEqualsFullBatchDebiased()
    {
        var mb = new MinibatchDebiasedCka();
        mb.Add(CkaFixture.X, CkaFixture.Y);
        Assert.Equal(CkaFixture.Expected["debiased_linear_cka_XY"], mb.Value(), 1e-8);
    }

    [Fact]
    public void MinibatchDebiasedAveragesPerBatchHsic()
    {
        var mb = new MinibatchDebiasedCka();
        double kl = 0, kk = 0, ll = 0;
        foreach (var (s, e) in new[] { (0, 20), (20, 40), (40, 50) })
        {
            using var xb = CkaFixture.X[s..e];
            using var yb = CkaFixture.Y[s..e];
            mb.Add(xb, yb);
            using var xc = CkaInput.Centre(xb);
            using var yc = CkaInput.Centre(yb);
            var (a, b, c) = Cka.UnbiasedGram(xc, yc);
            double n = e - s, scale = n * (n - 3);
            kl += a / scale; kk += b / scale; ll += c / scale;
        }
        Assert.Equal(3, mb.Batches);
        Assert.Equal(kl / Math.Sqrt(kk * ll), mb.Value(), 1e-12);
        // A different estimator from full-batch debiased CKA: close here, but not equal.
        Assert.NotEqual(Cka.DebiasedLinear(CkaFixture.X, CkaFixture.Y), mb.Value(), 1e-6);
    }

    [Fact]
    public void MinibatchDebiasedGuards()
    {
        var mb = new MinibatchDebiasedCka();
        Assert.Throws<InvariscopeException>(() => mb.Value());
        using var x3 = CkaFixture.X[..3];
        using var y3 = CkaFixture.Y[..3];
        Assert.Contains("N > 3", Assert.Throws<InvariscopeException>(() => mb.Add(x3, y3)).Message);
    }
}
