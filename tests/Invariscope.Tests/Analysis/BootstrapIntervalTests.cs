using Invariscope.Analysis;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

public class BootstrapIntervalTests
{
    static (Tensor x, Tensor y) Data()
    {
        var g = new Generator(3);
        var x = randn([40, 12], dtype: ScalarType.Float64, generator: g);
        var y = x.matmul(randn([12, 7], dtype: ScalarType.Float64, generator: g)) + 0.5 * randn([40, 7], dtype: ScalarType.Float64, generator: g);
        return (x, y);
    }

    [Fact]
    public void Identity_resample_gives_the_plain_linear_cka()
    {
        var (x, y) = Data();
        int[] identity = Enumerable.Range(0, 40).ToArray();
        Assert.Equal(Cka.Linear(x, y), CkaBootstrap.Linear(x, y, [identity])[0], 1e-10);
    }

    [Fact]
    public void Each_replicate_equals_linear_cka_on_the_resampled_rows()
    {
        var (x, y) = Data();
        var resamples = CkaBootstrap.Resamples(40, 20, seed: 5);
        var values = CkaBootstrap.Linear(x, y, resamples);
        for (int b = 0; b < resamples.Length; b++)
        {
            using var idx = tensor(resamples[b].Select(i => (long)i).ToArray());
            Assert.Equal(Cka.Linear(x.index_select(0, idx), y.index_select(0, idx)), values[b], 1e-10);
        }
        Assert.True(values.Distinct().Count() > 10, "resamples should differ");
    }

    [Fact]
    public void Resamples_are_deterministic_per_seed_and_differ_between_seeds()
    {
        Assert.Equal(CkaBootstrap.Resamples(30, 5, 1), CkaBootstrap.Resamples(30, 5, 1));
        Assert.NotEqual(CkaBootstrap.Resamples(30, 5, 1)[0], CkaBootstrap.Resamples(30, 5, 2)[0]);
    }

    [Fact]
    public void Seed_mean_replicates_average_the_drawn_seeds()
    {
        // Two seeds with constant values 0 and 1 at every (layer, b): each replicate is the mean of the two drawn
        // seeds, so it is 0, 0.5 or 1, and both extremes occur over 200 draws; one seed gives its own values.
        double[][] Const(double v) => [Enumerable.Repeat(v, 200).ToArray(), Enumerable.Repeat(v, 200).ToArray()];
        var r = LayerIntervals.SeedMeanReplicates([Const(0), Const(1)]);
        Assert.All(r[0], v => Assert.Contains(v, new[] { 0.0, 0.5, 1.0 }));
        Assert.Contains(0.0, r[0]);
        Assert.Contains(1.0, r[0]);
        Assert.Equal(r[0], r[1]); // the same seed draws for every layer
        Assert.Equal(Const(0.25)[0], LayerIntervals.SeedMeanReplicates([Const(0.25)])[0]);
    }

    [Fact]
    public void Percentiles_bracket_the_data_and_ignore_nan()
    {
        var v = Enumerable.Range(0, 101).Select(i => (double)i).Append(double.NaN).ToArray();
        var (lo, hi) = LayerIntervals.Percentiles(v, 0.9);
        Assert.Equal(5, lo, 1e-12);
        Assert.Equal(95, hi, 1e-12);
        var (dlo, dhi) = LayerIntervals.Difference([1, 2, 3], [1, 1, 1], 0.5);
        Assert.Equal(0.5, dlo, 1e-12);
        Assert.Equal(1.5, dhi, 1e-12);
    }
}
