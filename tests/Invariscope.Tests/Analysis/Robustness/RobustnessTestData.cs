using Invariscope.Analysis.Robustness;

namespace Invariscope.Tests.Analysis.Robustness;

/// <summary>Seeded synthetic epoch tables: epoch 0 is all zeros (pretrained), later epochs random in [0, 1).</summary>
static class RobustnessTestData
{
    public static double[][] Random2D(Random rng, int epochs, int layers, bool zeroFirst = true) =>
        [.. Enumerable.Range(0, epochs).Select(e =>
            Enumerable.Range(0, layers).Select(_ => zeroFirst && e == 0 ? 0.0 : rng.NextDouble()).ToArray())];

    public static EpochMetricTable Table(int epochs, int layers, int seed = 1, bool cka = true)
    {
        var rng = new Random(seed);
        return new EpochMetricTable(
            [.. Enumerable.Range(0, epochs)],
            [.. Enumerable.Range(0, layers).Select(l => $"block{l}")],
            Random2D(rng, epochs, layers),
            Random2D(rng, epochs, layers),
            cka ? Random2D(rng, epochs, layers) : null);
    }

    /// <summary>Population std of a row, computed independently of the library.</summary>
    public static double Std(double[] v)
    {
        double m = v.Sum() / v.Length;
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / v.Length);
    }
}
