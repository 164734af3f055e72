using System.Text.Json;
using Invariscope.Analysis;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

/// <summary>Shared inputs for the CKA tests: the numpy reference values and the fixture tensors.</summary>
public static class CkaFixture
{
    public static readonly Dictionary<string, double> Expected =
        JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(TestData.Fixture("cka_expected.json")))!;

    static readonly Lazy<Dictionary<string, Tensor>> Inputs = new(() => TestData.Load("cka_inputs.safetensors"));

    public static Tensor X => Inputs.Value["X"];
    public static Tensor Y => Inputs.Value["Y"];
    public static Tensor Z => Inputs.Value["Z"];

    public static Tensor Get(string name) => Inputs.Value[name];

    /// <summary>A random (d, d) orthogonal matrix from the QR decomposition of a Gaussian matrix.</summary>
    public static Tensor RandomOrthogonal(long d, long seed)
    {
        var g = new Generator((ulong)seed);
        var (q, _) = linalg.qr(randn([d, d], float64, generator: g));
        return q;
    }

    public static Tensor Randn(long seed, params long[] shape) => randn(shape, float64, generator: new Generator((ulong)seed));
}

public class CkaTests
{
    const double Tol = 1e-8;

    [Theory]
    [InlineData("linear_cka_XY", "X", "Y")]
    [InlineData("linear_cka_XZ", "X", "Z")]
    [InlineData("linear_cka_XX", "X", "X")]
    public void LinearMatchesNumpy(string key, string a, string b)
    {
        foreach (var form in new[] { CkaForm.Auto, CkaForm.Features, CkaForm.Gram })
            Assert.Equal(CkaFixture.Expected[key], Cka.Linear(CkaFixture.Get(a), CkaFixture.Get(b), form), Tol);
    }

    [Theory]
    [InlineData("debiased_linear_cka_XY", "X", "Y")]
    [InlineData("debiased_linear_cka_XZ", "X", "Z")]
    public void DebiasedMatchesNumpy(string key, string a, string b)
    {
        foreach (var form in new[] { CkaForm.Auto, CkaForm.Features, CkaForm.Gram })
            Assert.Equal(CkaFixture.Expected[key], Cka.DebiasedLinear(CkaFixture.Get(a), CkaFixture.Get(b), form), Tol);
    }

    [Fact]
    public void DebiasedCanBeNegative() =>
        Assert.True(Cka.DebiasedLinear(CkaFixture.X, CkaFixture.Z) < 0);

    [Theory]
    [InlineData("rbf_cka_XY_sigma0.5median", "X", "Y")]
    [InlineData("rbf_cka_XZ_sigma0.5median", "X", "Z")]
    public void RbfMatchesNumpyWithSigmaFromTheMedianOfAllDistances(string key, string a, string b)
    {
        Assert.Equal(CkaFixture.Expected[key], Cka.Rbf(CkaFixture.Get(a), CkaFixture.Get(b), 0.5), Tol);
        Assert.Equal(CkaFixture.Expected[key], Cka.Rbf(CkaFixture.Get(a), CkaFixture.Get(b)), Tol);
    }

    [Fact]
    public void RbfBandwidthSquaresTheMedianDistance()
    {
        // N² = 2500 is even, so the median averages two middle values: averaging distances (then squaring)
        // and averaging squared distances differ slightly. The fixture was made the first way.
        using var d = Cka.SquaredDistances(CkaFixture.Z);
        using var dist = d.sqrt();
        double fromDistances = Math.Pow(Cka.NumpyMedian(dist), 2), fromSquared = Cka.NumpyMedian(d);
        Assert.NotEqual(fromDistances, fromSquared);
        Assert.Equal(fromDistances, fromSquared, 1e-4);
    }

    [Fact]
    public void TimmBlocksFlattenedMatchNumpy()
    {
        var reps = TestData.Load("timm_vit_tiny32_expected.safetensors");
        var expected = CkaFixture.Expected["linear_cka_timm_block0_vs_block3_flattened"];
        using var a = CkaInput.Flatten(reps["block0"]);
        using var b = CkaInput.Flatten(reps["block3"]);
        Assert.Equal([6L, 65 * 64], a.shape);
        Assert.Equal(expected, Cka.Linear(a, b), Tol);
        Assert.Equal(expected, Cka.Linear(reps["block0"], reps["block3"]), Tol); // (N, T, D) flattened inside
        Assert.Equal(expected, Cka.Linear(a, b, CkaForm.Features), Tol);
        foreach (var t in reps.Values) t.Dispose();
    }

    [Fact]
    public void ComputeDispatchesOnKind()
    {
        Assert.Equal(Cka.Linear(CkaFixture.X, CkaFixture.Y), Cka.Compute(CkaKind.Linear, CkaFixture.X, CkaFixture.Y));
        Assert.Equal(Cka.DebiasedLinear(CkaFixture.X, CkaFixture.Y), Cka.Compute(CkaKind.Debiased, CkaFixture.X, CkaFixture.Y));
        Assert.Equal(Cka.Rbf(CkaFixture.X, CkaFixture.Y, 0.8), Cka.Compute(CkaKind.Rbf, CkaFixture.X, CkaFixture.Y, 0.8));
    }

    [Fact]
    public void FlattenKeepsTheSampleDimension()
    {
        using var t = zeros(4, 3, 5, 2);
        using var f = CkaInput.Flatten(t);
        Assert.Equal([4L, 30], f.shape);
        using var v = zeros(7);
        using var g = CkaInput.Flatten(v);
        Assert.Equal([7L, 1], g.shape);
    }

    [Fact]
    public void Float32InputGivesTheFloat64ResultOfTheSameValues()
    {
        using var x32 = CkaFixture.X.to(float32);
        using var y32 = CkaFixture.Y.to(float32);
        using var x64 = x32.to(float64);
        using var y64 = y32.to(float64);
        Assert.Equal(Cka.Linear(x64, y64), Cka.Linear(x32, y32));
        Assert.Equal(Cka.DebiasedLinear(x64, y64), Cka.DebiasedLinear(x32, y32));
        Assert.Equal(Cka.Rbf(x64, y64), Cka.Rbf(x32, y32));
        using var acc = new LinearCkaAccumulator();
        acc.Add(x32, y32);
        Assert.Equal(Cka.Linear(x64, y64), acc.Value(), 1e-12);
    }

    [Fact]
    public void InputsAreNotModified()
    {
        using var x = CkaFixture.X.clone();
        Cka.Linear(x, CkaFixture.Y, CkaForm.Gram);
        Cka.DebiasedLinear(x, CkaFixture.Y, CkaForm.Gram);
        Cka.Rbf(x, CkaFixture.Y);
        Assert.Equal(0.0, TestData.MaxAbsDiff(x, CkaFixture.X));
    }
}
