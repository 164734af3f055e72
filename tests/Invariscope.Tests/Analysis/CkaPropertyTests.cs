using Invariscope.Analysis;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

/// <summary>Closed-form properties every CKA kind must have.</summary>
public class CkaPropertyTests
{
    const double Tol = 1e-10;

    public static TheoryData<CkaKind> Kinds => [CkaKind.Linear, CkaKind.Debiased, CkaKind.Rbf];
    public static TheoryData<CkaKind> LinearKinds => [CkaKind.Linear, CkaKind.Debiased];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SelfSimilarityIsOne(CkaKind kind)
    {
        foreach (var name in new[] { "X", "Y", "Z" })
            Assert.Equal(1.0, Cka.Compute(kind, CkaFixture.Get(name), CkaFixture.Get(name)), Tol);
        using var wide = CkaFixture.Randn(1, 8, 100); // N < D: the Gram form
        Assert.Equal(1.0, Cka.Compute(kind, wide, wide), Tol);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void IsSymmetric(CkaKind kind)
    {
        Assert.Equal(Cka.Compute(kind, CkaFixture.X, CkaFixture.Y), Cka.Compute(kind, CkaFixture.Y, CkaFixture.X), 1e-12);
        Assert.Equal(Cka.Compute(kind, CkaFixture.X, CkaFixture.Z), Cka.Compute(kind, CkaFixture.Z, CkaFixture.X), 1e-12);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void IsInvariantToOrthogonalTransforms(CkaKind kind)
    {
        using var qx = CkaFixture.RandomOrthogonal(20, 11);
        using var qy = CkaFixture.RandomOrthogonal(30, 12);
        using var xq = CkaFixture.X.mm(qx);
        using var yq = CkaFixture.Y.mm(qy);
        Assert.Equal(Cka.Compute(kind, CkaFixture.X, CkaFixture.Y), Cka.Compute(kind, xq, yq), Tol);
        Assert.Equal(1.0, Cka.Compute(kind, CkaFixture.X, xq), Tol);
    }

    [Theory]
    [MemberData(nameof(LinearKinds))]
    public void IsInvariantToIsotropicScalingAndTranslation(CkaKind kind)
    {
        using var xs = CkaFixture.X * 37.5;
        using var ys = CkaFixture.Y * 1e-3 + 4.0;
        Assert.Equal(Cka.Compute(kind, CkaFixture.X, CkaFixture.Y), Cka.Compute(kind, xs, ys), Tol);
        Assert.Equal(1.0, Cka.Compute(kind, CkaFixture.X, xs), Tol);
    }

    [Fact]
    public void RbfIsInvariantToIsotropicScaling()
    {
        using var xs = CkaFixture.X * 5.0;
        Assert.Equal(Cka.Rbf(CkaFixture.X, CkaFixture.Y), Cka.Rbf(xs, CkaFixture.Y), Tol);
    }

    [Fact]
    public void IsNotInvariantToAnisotropicScaling()
    {
        using var scale = linspace(0.1, 10, 20, float64);
        using var xs = CkaFixture.X * scale;
        Assert.True(Math.Abs(Cka.Linear(CkaFixture.X, xs) - 1) > 1e-3);
    }

    [Fact]
    public void LinearAndRbfLieInTheUnitInterval()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            using var x = CkaFixture.Randn(100 + seed, 12, 5 + seed);
            using var y = CkaFixture.Randn(200 + seed, 12, 30 - seed);
            foreach (var v in new[] { Cka.Linear(x, y), Cka.Linear(x, y, CkaForm.Features), Cka.Rbf(x, y) })
                Assert.InRange(v, 0.0, 1.0);
        }
    }

    [Theory]
    [MemberData(nameof(LinearKinds))]
    public void FeatureFormEqualsGramForm(CkaKind kind)
    {
        double Run(Tensor x, Tensor y, CkaForm form) =>
            kind == CkaKind.Linear ? Cka.Linear(x, y, form) : Cka.DebiasedLinear(x, y, form);
        foreach (var (x, y) in new[] { (CkaFixture.X, CkaFixture.Y), (CkaFixture.X, CkaFixture.Z), (CkaFixture.Y, CkaFixture.Z) })
            Assert.Equal(Run(x, y, CkaForm.Features), Run(x, y, CkaForm.Gram), 1e-12);
        using var a = CkaFixture.Randn(5, 10, 300) + 2.0; // N < D, with a mean
        using var b = CkaFixture.Randn(6, 10, 200);
        Assert.Equal(Run(a, b, CkaForm.Features), Run(a, b, CkaForm.Gram), 1e-12);
        Assert.Equal(Run(a, b, CkaForm.Gram), Run(a, b, CkaForm.Auto));
    }

    [Fact]
    public void AutoPicksTheSmallerForm()
    {
        using var tall = zeros(50, 20, float64);
        using var wide = zeros(6, 4160, float64);
        Assert.False(Cka.UseGram(CkaForm.Auto, tall, tall));
        Assert.True(Cka.UseGram(CkaForm.Auto, wide, wide));
    }

    [Fact]
    public void NumpyMedianAveragesTheTwoMiddleValues()
    {
        using var even = tensor(new double[] { 4, 1, 3, 2 });
        using var odd = tensor(new double[] { 5, 1, 3 });
        Assert.Equal(2.5, Cka.NumpyMedian(even));
        Assert.Equal(3.0, Cka.NumpyMedian(odd));
    }

    [Fact]
    public void ClampsOnlyRoundingSizedExcursions()
    {
        Assert.Equal(1.0, Cka.ClampBounded(1 + 1e-15));
        Assert.Equal(0.0, Cka.ClampBounded(-1e-15));
        Assert.Equal(1 + 1e-9, Cka.ClampBounded(1 + 1e-9));
        Assert.Equal(-1e-9, Cka.ClampBounded(-1e-9));
        Assert.Equal(0.5, Cka.ClampBounded(0.5));
    }
}
