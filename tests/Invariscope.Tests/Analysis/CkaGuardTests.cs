using Invariscope.Analysis;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

/// <summary>Inputs on which CKA libraries commonly return NaN or garbage: each gives a documented error.</summary>
public class CkaGuardTests
{
    public static TheoryData<CkaKind> Kinds => [CkaKind.Linear, CkaKind.Debiased, CkaKind.Rbf];

    static string Throws(Action a) => Assert.Throws<InvariscopeException>(a).Message;

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NaNOrInfNamesTheInput(CkaKind kind)
    {
        using var x = CkaFixture.X.clone();
        x[3, 4] = tensor(double.NaN);
        var m = Throws(() => Cka.Compute(kind, x, CkaFixture.Y));
        Assert.Contains("first input (X)", m);
        Assert.Contains("NaN", m);
        using var y = CkaFixture.Y.to(float32);
        y[0, 0] = tensor(float.PositiveInfinity);
        m = Throws(() => Cka.Compute(kind, CkaFixture.X, y));
        Assert.Contains("second input (Y)", m);
        Assert.Contains("infinite", m);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void MismatchedSampleCountsAreAnError(CkaKind kind)
    {
        using var y = CkaFixture.Y[..49];
        var m = Throws(() => Cka.Compute(kind, CkaFixture.X, y));
        Assert.Contains("N=50", m);
        Assert.Contains("N=49", m);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void FewerThanTwoSamplesIsAnError(CkaKind kind)
    {
        using var x = CkaFixture.X[..1];
        using var y = CkaFixture.Y[..1];
        Assert.Contains("N=1", Throws(() => Cka.Compute(kind, x, y)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void DebiasedNeedsMoreThanThreeSamples(int n)
    {
        using var x = CkaFixture.X[..n];
        using var y = CkaFixture.Y[..n];
        Assert.Contains("N > 3", Throws(() => Cka.DebiasedLinear(x, y)));
        using var x4 = CkaFixture.X[..4];
        using var y4 = CkaFixture.Y[..4];
        Assert.True(double.IsFinite(Cka.DebiasedLinear(x4, y4)));
        Assert.InRange(Cka.Linear(x, y), 0.0, 1.0); // biased linear CKA is defined from N = 2
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ConstantRepresentationIsAnError(CkaKind kind)
    {
        using var c = full(50, 8, 0.1, float64);
        var m = Throws(() => Cka.Compute(kind, c, CkaFixture.Y));
        Assert.Contains("first input (X) is constant", m);
        m = Throws(() => Cka.Compute(kind, CkaFixture.X, c));
        Assert.Contains("second input (Y) is constant", m);
    }

    [Fact]
    public void NonPositiveSelfHsicMakesDebiasedAnErrorNotNaN()
    {
        // One outlier among n = 4 centred points: HSIC_u(K, K) = 144 − 2·84 + 144/6 = 0 exactly.
        using var x = tensor(new double[] { 3, -1, -1, -1 }).reshape(4, 1);
        using var y = CkaFixture.Y[..4];
        foreach (var form in new[] { CkaForm.Features, CkaForm.Gram })
        {
            var m = Throws(() => Cka.DebiasedLinear(x, y, form));
            Assert.Contains("first input (X) with itself", m);
            Assert.Contains("undefined", m);
        }
        Assert.Contains("second input (Y) with itself", Throws(() => Cka.DebiasedLinear(y, x)));
    }

    [Fact]
    public void RbfRejectsABadThresholdOrZeroMedianDistance()
    {
        Assert.Contains("threshold", Throws(() => Cka.Rbf(CkaFixture.X, CkaFixture.Y, 0)));
        Assert.Contains("threshold", Throws(() => Cka.Rbf(CkaFixture.X, CkaFixture.Y, double.NaN)));
        using var mostlySame = zeros(50, 3, float64);
        mostlySame[0, 0] = tensor(1.0); // not constant, but the median squared distance is 0
        Assert.Contains("median", Throws(() => Cka.Rbf(mostlySame, CkaFixture.Y)));
    }

    [Fact]
    public void ScalarOrEmptyFeaturesAreErrors()
    {
        using var s = tensor(1.0);
        Assert.Contains("scalar", Throws(() => Cka.Linear(s, CkaFixture.Y)));
        using var e = zeros(50, 0, float64);
        Assert.Contains("no features", Throws(() => Cka.Linear(e, CkaFixture.Y)));
    }
}
