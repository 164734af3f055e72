using Invariscope.Analysis;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

public class LayerIntervalTests
{
    static (Tensor x, Tensor y) Data(int n = 40)
    {
        var g = new Generator(3);
        var x = randn([n, 12], dtype: ScalarType.Float64, generator: g);
        var y = x.matmul(randn([12, 7], dtype: ScalarType.Float64, generator: g)) + 0.5 * randn([n, 7], dtype: ScalarType.Float64, generator: g);
        return (x, y);
    }

    [Fact]
    public void Each_leave_one_out_value_equals_linear_cka_without_that_row()
    {
        var (x, y) = Data();
        var values = CkaJackknife.LeaveOneOut(x, y);
        Assert.Equal(40, values.Length);
        for (int i = 0; i < 40; i++)
        {
            using var keep = tensor(Enumerable.Range(0, 40).Where(j => j != i).Select(j => (long)j).ToArray());
            Assert.Equal(Cka.Linear(x.index_select(0, keep), y.index_select(0, keep)), values[i], 1e-10);
        }
        Assert.True(values.Distinct().Count() > 30, "leaving out different rows should change CKA");
    }

    [Fact]
    public void Leave_one_out_works_on_token_tensors_and_float32_and_refuses_a_constant_side()
    {
        var (x, y) = Data(12);
        var tokens = x.reshape(12, 3, 4).to(ScalarType.Float32);           // (N, T, D) flattens per sample
        var values = CkaJackknife.LeaveOneOut(tokens, y);
        using var keep = tensor(Enumerable.Range(1, 11).Select(j => (long)j).ToArray());
        Assert.Equal(Cka.Linear(x.index_select(0, keep), y.index_select(0, keep)), values[0], 1e-5);
        var e = Assert.Throws<Invariscope.Runtime.InvariscopeException>(() => CkaJackknife.LeaveOneOut(zeros(12, 4, dtype: ScalarType.Float64), y));
        Assert.Contains("constant", e.Message);
    }

    [Fact]
    public void The_jackknife_variance_of_a_mean_is_the_squared_standard_error()
    {
        double[] v = [1.0, 4.0, 2.5, 7.0, 3.0, 0.5];
        int n = v.Length;
        var loo = v.Select((_, i) => v.Where((_, j) => j != i).Average()).ToArray();
        double mean = v.Average(), s2 = v.Sum(a => (a - mean) * (a - mean)) / (n - 1);
        Assert.Equal(s2 / n, LayerIntervals.JackknifeVariance(loo), 12);
        Assert.True(double.IsNaN(LayerIntervals.JackknifeVariance([1, double.NaN, 2])));
    }

    [Fact]
    public void The_interval_is_the_estimate_plus_minus_t_times_the_combined_standard_error()
    {
        double[] loo = [0.30, 0.32, 0.29, 0.31, 0.33, 0.28];
        double jack = LayerIntervals.JackknifeVariance(loo);
        double t = LayerIntervals.StudentQuantile(0.95, 5);
        Assert.Equal(2.570581836, t, 6);                                  // t_{0.975, 5}
        var (lo, hi) = LayerIntervals.Interval(0.305, loo, seedStd: 0.02, seeds: 4);
        Assert.Equal(0.305, (lo + hi) / 2, 12);
        Assert.Equal(t * Math.Sqrt(jack + 0.02 * 0.02 / 4), (hi - lo) / 2, 12);
        var (lo1, hi1) = LayerIntervals.Interval(0.305, loo, seedStd: 0.5, seeds: 1); // one seed: no seed variance known
        Assert.Equal(t * Math.Sqrt(jack), (hi1 - lo1) / 2, 12);
        Assert.True(double.IsNaN(LayerIntervals.Interval(double.NaN, loo, 0, 1).lower));
        Assert.Equal(1.959964, LayerIntervals.StudentQuantile(0.95, 1e7), 5);
    }

    [Fact]
    public void Paired_differences_cancel_what_both_settings_share()
    {
        double[] a = [0.30, 0.35, 0.28, 0.41, 0.33, 0.29, 0.38];
        double[] b = a.Select(v => v - 0.1).ToArray();                    // the same probe-image effects, shifted
        var (lo, hi) = LayerIntervals.Difference((0.33, a, 0.0, 1), (0.23, b, 0.0, 1));
        Assert.Equal(0.1, lo, 12);
        Assert.Equal(0.1, hi, 12);
        // Unpaired, the same two series would give a wide interval: the pairing is what removes it.
        var (ulo, uhi) = LayerIntervals.Difference((0.33, a, 0.0, 1), (0.23, b.Reverse().ToArray(), 0.0, 1));
        Assert.True(uhi - ulo > 0.02);
        var (slo, shi) = LayerIntervals.Difference((0.33, a, 0.03, 3), (0.23, b, 0.04, 2));
        Assert.Equal(LayerIntervals.StudentQuantile(0.95, 6) * Math.Sqrt(0.03 * 0.03 / 3 + 0.04 * 0.04 / 2), (shi - slo) / 2, 12);
        Assert.Throws<ArgumentException>(() => LayerIntervals.Difference((0, a, 0, 1), (0, [1.0], 0, 1)));
    }

    [Fact]
    public void Seed_mean_averages_the_seeds_per_layer_and_replicate()
    {
        double[][] s0 = [[0.1, 0.2], [1.0, 2.0]], s1 = [[0.3, 0.4], [3.0, 4.0]];
        var m = LayerIntervals.SeedMean([s0, s1]);
        Assert.Equal([0.2, 0.30000000000000004], m[0]);
        Assert.Equal([2.0, 3.0], m[1]);
    }

    [Fact]
    public void Jackknife_standard_errors_of_cka_match_its_spread_over_fresh_probe_sets_and_intervals_cover_its_mean()
    {
        // Y = X W + noise on 200 fresh probe sets of 60 images: the jackknife standard error of one set should match
        // the standard deviation of the estimate across sets, and the intervals should cover the estimator's mean
        // about 95% of the time. (They are intervals for the n-sample metric, which like every linear CKA is biased
        // upward at small n: the population value at n = 20000 is lower, and a debiased estimator is another matter.)
        var g = new Generator(11);
        var w = randn([12, 7], dtype: ScalarType.Float64, generator: g);
        const int trials = 200;
        var estimates = new double[trials];
        var intervals = new (double lo, double hi)[trials];
        var errors = new double[trials];
        for (int k = 0; k < trials; k++)
        {
            using var scope = NewDisposeScope();
            var x = randn([60, 12], dtype: ScalarType.Float64, generator: g);
            var y = x.matmul(w) + 2.0 * randn([60, 7], dtype: ScalarType.Float64, generator: g);
            var loo = CkaJackknife.LeaveOneOut(x, y);
            estimates[k] = Cka.Linear(x, y);
            errors[k] = Math.Sqrt(LayerIntervals.JackknifeVariance(loo));
            intervals[k] = LayerIntervals.Interval(estimates[k], loo, 0, 1);
        }
        double mean = estimates.Average();
        double spread = Math.Sqrt(estimates.Sum(v => (v - mean) * (v - mean)) / (trials - 1));
        Assert.InRange(errors.Average() / spread, 0.8, 1.25);
        double coverage = intervals.Count(i => i.lo <= mean && mean <= i.hi) / (double)trials;
        Assert.InRange(coverage, 0.88, 1.0);
    }
}
