using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Study;
using Invariscope.Training;

namespace Invariscope.Tests.Study;

/// <summary>Averages over training seeds and the Welch test between settings, on hand-built records with known numbers.</summary>
public class SeedAverageTests
{
    /// <summary>t_{0.975, 2}, the 95% two-sided Student quantile for 3 seeds.</summary>
    const double T975df2 = 4.302653;

    [Fact]
    public void Interval_is_the_mean_with_a_95_percent_t_interval_over_the_seeds()
    {
        // [1, 2, 4]: mean 7/3, sample variance (16/9 + 1/9 + 25/9) / 2 = 7/3.
        var (mean, std, lower, upper) = SeedAverage.Interval([1.0, 2.0, 4.0]);
        double s = Math.Sqrt(7.0 / 3), half = T975df2 * s / Math.Sqrt(3);
        Assert.Equal(7.0 / 3, mean, 1e-12);
        Assert.Equal(s, std, 1e-12);
        Assert.Equal(7.0 / 3 - half, lower, 1e-5);
        Assert.Equal(7.0 / 3 + half, upper, 1e-5);

        // One seed: no interval.
        var one = SeedAverage.Interval([0.25]);
        Assert.Equal((0.25, 0.0), (one.mean, one.std));
        Assert.True(double.IsNaN(one.lower) && double.IsNaN(one.upper));
        // Two equal seeds: a zero-width interval.
        var same = SeedAverage.Interval([0.5, 0.5]);
        Assert.Equal((0.5, 0.0, 0.5, 0.5), same);
    }

    static EpochMetrics M(int epoch, double trainLoss, double valAcc, string phase = "train") =>
        new(epoch, phase, trainLoss, trainLoss / 10, trainLoss * 2, valAcc, 1e-3, 10 * trainLoss, 100 * valAcc);

    [Fact]
    public void Metrics_are_averaged_per_epoch_and_phase_present_in_every_seed()
    {
        IReadOnlyList<EpochMetrics> a = [M(0, 1.0, 0.1), M(1, 0.5, 0.5), M(2, 0.2, 0.8)];
        IReadOnlyList<EpochMetrics> b = [M(0, 3.0, 0.3), M(1, 1.5, 0.7)];          // no epoch 2
        var avg = SeedAverage.Metrics([a, b]);
        Assert.Equal([0, 1], avg.Select(m => m.Epoch));
        Assert.Equal(2.0, avg[0].TrainLoss, 1e-12);
        Assert.Equal(0.2, avg[0].ValAcc, 1e-12);
        Assert.Equal(1.0, avg[1].TrainLoss, 1e-12);
        Assert.Equal(0.6, avg[1].ValAcc, 1e-12);
        Assert.Equal(0.1, avg[1].TrainAcc, 1e-12);
        Assert.Equal(2.0, avg[1].ValLoss, 1e-12);
        Assert.Equal(10.0, avg[1].Seconds, 1e-12);
        Assert.Equal(60.0, avg[1].ImagesPerSecond, 1e-12);
        Assert.Equal(1e-3, avg[1].Lr);
        // A phase missing in one seed is dropped; a single seed is returned as is.
        Assert.Empty(SeedAverage.Metrics([[M(1, 1, 1, "lp")], [M(1, 1, 1, "ft")]]));
        Assert.Same(a, SeedAverage.Metrics([a]));
    }

    static CorruptionCell Cell(string corruption, int severity, double accuracy, double loss, int n) => new(corruption, severity, accuracy, loss, n);

    static EpochRobustness R(int epoch, double clean, double? ood, params CorruptionCell[] cells) =>
        new(epoch, "classification", new EvalResult(1 - clean, clean, 40), ood is double o ? new EvalResult(1 - o, o, 40) : null, cells);

    [Fact]
    public void Robustness_is_averaged_per_epoch_in_every_seed_with_cells_matched_by_corruption_and_severity()
    {
        IReadOnlyList<EpochRobustness> a =
        [
            R(0, 0.5, 0.4, Cell("noise", 1, 0.3, 2.0, 12), Cell("noise", 3, 0.1, 3.0, 12), Cell("blur", 1, 0.2, 2.5, 12)),
            R(1, 0.7, 0.6, Cell("noise", 1, 0.5, 1.0, 12), Cell("blur", 1, 0.4, 1.5, 12)),
            R(2, 0.9, 0.8, Cell("noise", 1, 0.7, 0.5, 12)),
        ];
        IReadOnlyList<EpochRobustness> b =
        [
            R(0, 0.3, null, Cell("noise", 3, 0.3, 1.0, 12), Cell("noise", 1, 0.1, 4.0, 12)),   // no blur, no OOD
            R(1, 0.9, 0.2, Cell("blur", 1, 0.6, 0.5, 12), Cell("noise", 1, 0.7, 3.0, 12)),
        ];
        var avg = SeedAverage.Robustness([a, b]);
        Assert.Equal([0, 1], avg.Select(r => r.Epoch));
        var e0 = avg[0];
        Assert.Equal(0.4, e0.Clean.Accuracy, 1e-12);
        Assert.Equal(0.6, e0.Clean.Loss, 1e-12);
        Assert.Equal(40, e0.Clean.N);
        Assert.Null(e0.Ood);                                         // missing in seed b
        Assert.Equal(["noise/1", "noise/3"], e0.Cells.Select(c => $"{c.Corruption}/{c.Severity}"));
        Assert.Equal(0.2, e0.Cells[0].Accuracy, 1e-12);              // (0.3 + 0.1) / 2, matched by severity, not position
        Assert.Equal(3.0, e0.Cells[0].Loss, 1e-12);
        Assert.Equal(0.2, e0.Cells[1].Accuracy, 1e-12);
        Assert.Equal(2.0, e0.Cells[1].Loss, 1e-12);
        var e1 = avg[1];
        Assert.Equal(0.8, e1.Clean.Accuracy, 1e-12);
        Assert.Equal(0.4, e1.Ood!.Accuracy, 1e-12);
        Assert.Equal(0.6, e1.Cells.Single(c => c.Corruption == "noise").Accuracy, 1e-12);
        Assert.Equal(0.5, e1.Cells.Single(c => c.Corruption == "blur").Accuracy, 1e-12);
        Assert.Equal(0.55, e1.MeanCorruptedAccuracy, 1e-12);
    }

    static LayerSeries S(params double[] mean) => new(mean, new double[mean.Length], 2);

    static CheckpointResult C(int epoch, IReadOnlyDictionary<string, LayerSeries> perLayer, double[][]? flow) =>
        new($"epoch_{epoch:D3}", epoch, perLayer, flow, null, null, new Dictionary<string, IReadOnlyList<LayerAggregate>>());

    static AnalysisResults A(params CheckpointResult[] checkpoints) =>
        new(new AnalysisSettings(), ["a", "b"], checkpoints, [new InversionDiagnostics("pretrained", 0, "a", 0.01, 0.02, 0.01)]);

    [Fact]
    public void Analysis_gives_per_layer_seed_means_stds_and_t_intervals_at_epochs_analysed_in_every_seed()
    {
        double[][] Flow(double v) => [[0, v], [2 * v, 0]];
        var s0 = A(C(0, new Dictionary<string, LayerSeries> { ["forgetting"] = S(0.02, 0.03), ["learning"] = S(0.02, 0.03) }, Flow(0.1)),
                   C(1, new Dictionary<string, LayerSeries> { ["forgetting"] = S(0.05, 0.3) }, Flow(0.2)),
                   C(2, new Dictionary<string, LayerSeries> { ["forgetting"] = S(0.1, 0.5), ["learning"] = S(0.4, 0.4) }, Flow(0.3)));
        var s1 = A(C(0, new Dictionary<string, LayerSeries> { ["forgetting"] = S(0.04, 0.03), ["learning"] = S(0.04, 0.03) }, Flow(0.2)),
                   C(1, new Dictionary<string, LayerSeries> { ["forgetting"] = S(0.05, 0.3) }, Flow(0.2)),
                   C(2, new Dictionary<string, LayerSeries> { ["forgetting"] = S(0.2, 0.6), ["learning"] = S(0.4, 0.5) }, Flow(0.6)));
        var s2 = A(C(0, new Dictionary<string, LayerSeries> { ["forgetting"] = S(0.06, 0.03), ["learning"] = S(0.06, 0.03) }, null),
                   C(2, new Dictionary<string, LayerSeries> { ["forgetting"] = S(0.3, 0.7) }, Flow(0.9)));   // no epoch 1, no learning at 2
        var avg = SeedAverage.Analysis([s0, s1, s2]);

        Assert.Equal(["a", "b"], avg.Layers);
        Assert.Equal([0, 2], avg.Checkpoints.Select(c => c.Epoch!.Value));      // epoch 1 is missing in seed 2
        var final = avg.Checkpoints[1];
        Assert.Equal("epoch_002", final.Checkpoint);
        Assert.Equal(["forgetting"], final.PerLayer.Keys);                       // learning is missing in seed 2
        var f = final.PerLayer["forgetting"];
        Assert.Equal(3, f.Seeds);
        Assert.Equal(0.2, f.Mean[0], 1e-12);
        Assert.Equal(0.6, f.Mean[1], 1e-12);
        Assert.Equal(0.1, f.Std[0], 1e-12);
        Assert.Equal(0.1, f.Std[1], 1e-12);
        double half = T975df2 * 0.1 / Math.Sqrt(3);                            // 0.24841...
        Assert.Equal(0.0, f.Lower![0]);                                          // 0.2 − 0.248 is clipped at 0
        Assert.Equal(0.2 + half, f.Upper![0], 1e-5);
        Assert.Equal(0.6 - half, f.Lower[1], 1e-5);
        Assert.Equal(0.6 + half, f.Upper[1], 1e-5);
        Assert.Null(f.Replicates);
        // Aggregates are those of the seed means.
        var all = final.Aggregates["forgetting"].Single(a => a.Range == "all");
        Assert.Equal(0.4, all.Mean, 1e-12);
        // The flow is the element-wise seed mean where every seed has one.
        Assert.Equal(0.6, final.FlowMean![0][1], 1e-12);
        Assert.Equal(1.2, final.FlowMean[1][0], 1e-12);
        Assert.NotNull(final.FlowSummary);
        Assert.Null(avg.Checkpoints[0].FlowMean);                                // seed 2 has no flow at epoch 0
        var zero = avg.Checkpoints[0].PerLayer["learning"];
        Assert.Equal(0.04, zero.Mean[0], 1e-12);
        Assert.Equal(0.02, zero.Std[0], 1e-12);
        Assert.Equal(0.03, zero.Lower![1], 1e-12);                                // three equal seeds: zero width
        Assert.Equal(0.03, zero.Upper![1], 1e-12);
        Assert.Equal(3, avg.Inversions.Count);
        Assert.Same(s0, SeedAverage.Analysis([s0]));
    }

    [Fact]
    public void Upper_bounds_are_clipped_at_one()
    {
        var s = Enumerable.Range(0, 3).Select(k => A(C(1, new Dictionary<string, LayerSeries> { ["learning"] = S(0.5 + 0.2 * k, 0.1) }, null))).ToList();
        var l = SeedAverage.Analysis(s).Final.PerLayer["learning"];
        Assert.Equal(0.7, l.Mean[0], 1e-12);
        Assert.Equal(1.0, l.Upper![0]);                                          // 0.7 + 4.30·0.2/√3 = 1.197 → 1
        Assert.Equal(0.7 - T975df2 * 0.2 / Math.Sqrt(3), l.Lower![0], 1e-5);
    }

    [Fact]
    public void Welch_matches_the_closed_form_for_known_samples()
    {
        // a = [1,2,3]: mean 2, s² = 1; b = [4,5,6,7]: mean 5.5, s² = 5/3.
        // se² = 1/3 + 5/12 = 3/4; d = −3.5; t = −3.5/√0.75 = −4.041452;
        // Welch–Satterthwaite df = (3/4)² / ((1/3)²/2 + (5/12)²/3) = 3888/784 = 4.959184;
        // t_{0.975, 4.959184} = 2.576958 and two-sided p = 0.0100769 (numerical integration of the t density,
        // scipy.stats.ttest_ind(a, b, equal_var=False) gives the same).
        var (d, lo, hi, p) = SeedStatistics.Welch([1.0, 2, 3], [4.0, 5, 6, 7]);
        double half = 2.576958449 * Math.Sqrt(0.75);
        Assert.Equal(-3.5, d, 1e-12);
        Assert.Equal(-3.5 - half, lo, 1e-6);
        Assert.Equal(-3.5 + half, hi, 1e-6);
        Assert.Equal(0.0100769433, p, 1e-7);
        // Antisymmetric in the order of the samples.
        var (d2, lo2, hi2, p2) = SeedStatistics.Welch([4.0, 5, 6, 7], [1.0, 2, 3]);
        Assert.Equal((3.5, -hi, -lo), (d2, lo2, hi2), new TupleTolerance(1e-12));
        Assert.Equal(p, p2, 1e-12);
    }

    sealed class TupleTolerance(double tol) : IEqualityComparer<(double, double, double)>
    {
        public bool Equals((double, double, double) a, (double, double, double) b) =>
            Math.Abs(a.Item1 - b.Item1) <= tol && Math.Abs(a.Item2 - b.Item2) <= tol && Math.Abs(a.Item3 - b.Item3) <= tol;
        public int GetHashCode((double, double, double) obj) => 0;
    }

    [Fact]
    public void Welch_is_undefined_when_both_samples_are_constant_but_defined_when_one_varies()
    {
        var (d, lo, hi, p) = SeedStatistics.Welch([0.3, 0.3], [0.1, 0.1, 0.1]);
        Assert.Equal(0.2, d, 1e-12);
        Assert.True(double.IsNaN(lo) && double.IsNaN(hi) && double.IsNaN(p));
        // Only b varies: df = n_b − 1 = 2, half-width t_{0.975,2}·s_b/√n_b.
        var (d1, lo1, hi1, p1) = SeedStatistics.Welch([0.5, 0.5], [0.1, 0.2, 0.3]);
        Assert.Equal(0.3, d1, 1e-12);
        Assert.Equal(0.3 - T975df2 * 0.1 / Math.Sqrt(3), lo1, 1e-5);
        Assert.Equal(0.3 + T975df2 * 0.1 / Math.Sqrt(3), hi1, 1e-5);
        Assert.InRange(p1, 0, 0.05);
    }
}
