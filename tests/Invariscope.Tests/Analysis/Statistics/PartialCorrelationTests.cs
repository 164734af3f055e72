using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;

namespace Invariscope.Tests.Analysis.Statistics;

public class PartialCorrelationTests
{
    static double[] Gaussian(Random rng, int n, double sd = 1) =>
        [.. Enumerable.Range(0, n).Select(_ => sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))];

    static double R(double[] a, double[] b) => Correlation.Pearson(a, b).R;

    static double FirstOrder(double rxy, double rxz, double ryz) => (rxy - rxz * ryz) / Math.Sqrt((1 - rxz * rxz) * (1 - ryz * ryz));

    [Fact]
    public void OneCovariateAgreesWithTheClosedForm()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = 6 + trial;
            var z = Gaussian(rng, n);
            var x = z.Zip(Gaussian(rng, n), (a, e) => 0.7 * a + e).ToArray();
            var y = z.Zip(Gaussian(rng, n), (a, e) => -0.4 * a + e + 0.3 * x[0]).ToArray();
            var c = PartialCorrelation.Of(x, y, z);
            Assert.Equal(FirstOrder(R(x, y), R(x, z), R(y, z)), c.R, 1e-12);
            // t test on n − 3 df: same as a plain correlation p over n − 1 points.
            Assert.Equal(Correlation.PValue(c.R, n - 1), c.PValue, 1e-14);
            Assert.Equal(n, c.N);
        }
    }

    [Fact]
    public void TwoCovariatesAgreeWithTheRecursiveFormula()
    {
        var rng = new Random(8);
        int n = 25;
        var z1 = Gaussian(rng, n);
        var z2 = z1.Zip(Gaussian(rng, n), (a, e) => 0.5 * a + e).ToArray();
        var x = z1.Zip(z2, (a, b) => a - b).Zip(Gaussian(rng, n), (a, e) => a + e).ToArray();
        var y = z2.Zip(Gaussian(rng, n), (a, e) => 2 * a + e).ToArray();
        double rxy1 = PartialCorrelation.Of(x, y, z1).R, rx21 = PartialCorrelation.Of(x, z2, z1).R, ry21 = PartialCorrelation.Of(y, z2, z1).R;
        var c = PartialCorrelation.Of(x, y, z1, z2);
        Assert.Equal(FirstOrder(rxy1, rx21, ry21), c.R, 1e-12);
        Assert.Equal(Correlation.PValue(c.R, n - 2), c.PValue, 1e-14); // n − 4 df
    }

    [Fact]
    public void ASharedDriverIsRemoved()
    {
        // x = z + e1, y = z + e2 with independent noise: strongly correlated, but not given z.
        var rng = new Random(5);
        int n = 200;
        var z = Gaussian(rng, n, sd: 5);
        var x = z.Zip(Gaussian(rng, n), (a, e) => a + e).ToArray();
        var y = z.Zip(Gaussian(rng, n), (a, e) => a + e).ToArray();
        Assert.True(R(x, y) > 0.9);
        var c = PartialCorrelation.Of(x, y, z);
        Assert.True(Math.Abs(c.R) < 0.2, $"partial r = {c.R}");
    }

    [Fact]
    public void ResidualsAreOrthogonalToTheDesign()
    {
        double[] z = [0, 1, 2, 3, 4, 5], v = [1, 3, 2, 5, 4, 7];
        var res = PartialCorrelation.Residual(v, z);
        Assert.Equal(0, res.Sum(), 1e-12);
        Assert.Equal(0, res.Zip(z, (a, b) => a * b).Sum(), 1e-12);
    }

    [Fact]
    public void DegenerateCasesAreNaN()
    {
        double[] z = [0, 1, 2, 3, 4, 5], y = [1, 3, 2, 5, 4, 7];
        Assert.True(double.IsNaN(PartialCorrelation.Of([.. z.Select(v => 2 * v + 1)], y, z).R)); // x in the span of [1, z]
        Assert.True(double.IsNaN(PartialCorrelation.Of(y, [.. z.Select(v => -v)], z).PValue));
        Assert.True(double.IsNaN(PartialCorrelation.Of([2, 2, 2, 2, 2, 2], y, z).R));             // constant x
        // A constant covariate is collinear with the intercept: dropped, so the partial is the plain r.
        double[] x = [0.5, 0.1, 0.9, 0.3, 0.8, 0.2];
        var c = PartialCorrelation.Of(x, y, [1, 1, 1, 1, 1, 1]);
        Assert.Equal(R(x, y), c.R, 1e-12);
        Assert.Equal(Correlation.Pearson(x, y).PValue, c.PValue, 1e-12);
    }

    [Fact]
    public void BadInputsThrowNamingTheProblem()
    {
        double[] a = [1, 2, 3, 4, 5], b = [2, 1, 4, 3, 5];
        Assert.Contains("differ in length",
            Assert.Throws<InvariscopeException>(() => PartialCorrelation.Of(a, [1, 2, 3, 4], a)).Message);
        Assert.Contains("covariate 0 has 4 values",
            Assert.Throws<InvariscopeException>(() => PartialCorrelation.Of(a, b, [1, 2, 3, 4])).Message);
        Assert.Contains("NaN at index 2",
            Assert.Throws<InvariscopeException>(() => PartialCorrelation.Of(a, [2, 1, double.NaN, 3, 5], b)).Message);
        Assert.Contains("at least 5 points",
            Assert.Throws<InvariscopeException>(() => PartialCorrelation.Of(a[..4], b[..4], a[..4], b[..4])).Message);
        Assert.Contains("at least one covariate",
            Assert.Throws<InvariscopeException>(() => PartialCorrelation.Of(a, b)).Message);
    }
}
