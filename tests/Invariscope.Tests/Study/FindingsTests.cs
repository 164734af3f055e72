using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Study;
using Invariscope.Training;

namespace Invariscope.Tests.Study;

/// <summary>Hand-built result records for the findings tests: no models, no files.</summary>
internal static class FindingsInputs
{
    public static readonly string[] Layers = ["block0", "block1", "block2", "block3", "pooled"];

    public static EpochRobustness Acc(double clean, double? ood = null, int epoch = 5, int n = 500) =>
        new(epoch, "classification", new EvalResult(1 - clean, clean, n), ood is double o ? new EvalResult(1 - o, o, n) : null, []);

    public static LayerSeries S(double[] mean, double[]? lower = null, double[]? upper = null) => new(mean, new double[mean.Length], 1, lower, upper);

    public static LayerSeries Fill(double v, int layers = 5) => S(Enumerable.Repeat(v, layers).ToArray());

    public static CheckpointResult Ckpt(int epoch, Dictionary<string, LayerSeries> perLayer,
        double[][]? flowMean = null, double[][]? flowStd = null, FlowSummary? summary = null) =>
        new($"epoch_{epoch:D3}", epoch, perLayer, flowMean, flowStd, summary, new Dictionary<string, IReadOnlyList<LayerAggregate>>());

    public static AnalysisResults A(IReadOnlyList<string> layers, params CheckpointResult[] checkpoints) =>
        new(new AnalysisSettings(), layers, checkpoints, []);

    public static SettingResults Run(string name, string strategy, IReadOnlyList<EpochRobustness> robustness, AnalysisResults? analysis = null,
        string task = "classification", int? seed = null) => new(name, name, task, strategy, [], robustness, analysis, seed);

    /// <summary>A setting over training seeds, its own robustness and analysis the seeds' averages (as <see cref="StudyResults.Load"/> makes it).</summary>
    public static SettingResults Seeded(string name, string strategy, IReadOnlyList<SettingResults> runs)
    {
        var seeded = runs.Select((r, i) => r with { Name = name, Label = name, Strategy = strategy, Seed = i }).ToList();
        var analysed = seeded.Where(r => r.Analysis is not null).Select(r => r.Analysis!).ToList();
        return new SettingResults(name, name, seeded[0].Task, strategy, SeedAverage.Metrics([.. seeded.Select(r => r.Metrics)]),
            SeedAverage.Robustness([.. seeded.Select(r => r.Robustness)]),
            analysed.Count == seeded.Count ? SeedAverage.Analysis(analysed) : null, null, seeded);
    }

    public static IReadOnlyList<Finding> Evaluate(StudyStatisticsResult? stats, StudyStatisticsOptions? options, params SettingResults[] settings) =>
        Findings.Evaluate(new StudyResults("/nowhere", "findings", settings), stats ?? new StudyStatisticsResult([], []), options ?? new StudyStatisticsOptions());

    public static IReadOnlyList<Finding> Evaluate(params SettingResults[] settings) => Evaluate(null, null, settings);

    public static Finding One(IReadOnlyList<Finding> findings, string id) => Assert.Single(findings, f => f.Id == id);
}

/// <summary>The interval rules of <see cref="Findings"/>: accuracy differences, shallow layers, CKA vs STIR, flow compression, LP-FT vs FT.</summary>
public class FindingsTests
{
    static readonly StudyStatisticsOptions Options = new();

    static SettingResults Single(string name, string strategy, double clean, double? ood = null) =>
        FindingsInputs.Run(name, strategy, [FindingsInputs.Acc(0.1, epoch: 1), FindingsInputs.Acc(clean, ood)]);

    [Theory]
    [InlineData(0.90, 0.50, Verdict.Reproduced)]
    [InlineData(0.50, 0.90, Verdict.NotReproduced)]
    [InlineData(0.70, 0.69, Verdict.Inconclusive)]
    public void Pretraining_helps_single_runs_use_a_binomial_normal_interval(double pretrained, double scratch, string verdict)
    {
        var f = FindingsInputs.One(FindingsInputs.Evaluate(Single("ft", "ft", pretrained), Single("scratch", "scratch", scratch)), "pretraining_helps");
        // Only the final epoch counts (epoch 1 had 10% in both); se = sqrt(p(1 − p) / 500) per run.
        double se = Math.Sqrt(pretrained * (1 - pretrained) / 500 + scratch * (1 - scratch) / 500);
        Assert.Equal(pretrained - scratch, f.Value, 1e-12);
        Assert.Equal(pretrained - scratch - 1.96 * se, f.Lower, 1e-12);
        Assert.Equal(pretrained - scratch + 1.96 * se, f.Upper, 1e-12);
        Assert.Equal(verdict, f.Verdict);
        Assert.Equal(["ft", "scratch"], f.Settings);
        Assert.Contains("one training run each", f.Interval);
    }

    static SettingResults Seeds(string name, string strategy, params double[] clean) =>
        FindingsInputs.Seeded(name, strategy, [.. clean.Select(c => FindingsInputs.Run(name, strategy, [FindingsInputs.Acc(c)]))]);

    [Theory]
    [InlineData(new[] { 0.89, 0.90, 0.91 }, new[] { 0.49, 0.50, 0.51 }, Verdict.Reproduced)]
    [InlineData(new[] { 0.49, 0.50, 0.51 }, new[] { 0.89, 0.90, 0.91 }, Verdict.NotReproduced)]
    [InlineData(new[] { 0.66, 0.70, 0.74 }, new[] { 0.65, 0.69, 0.73 }, Verdict.Inconclusive)]
    public void Pretraining_helps_over_three_seeds_uses_Welch(double[] pretrained, double[] scratch, string verdict)
    {
        var f = FindingsInputs.One(FindingsInputs.Evaluate(Seeds("ft", "ft", pretrained), Seeds("scratch", "scratch", scratch)), "pretraining_helps");
        var (d, lo, hi, _) = SeedStatistics.Welch(pretrained, scratch);
        Assert.Equal((d, lo, hi), (f.Value, f.Lower, f.Upper));
        Assert.Equal(pretrained.Average() - scratch.Average(), f.Value, 1e-12);
        Assert.Equal("95% Welch over 3 and 3 training seeds", f.Interval);
        Assert.Equal(verdict, f.Verdict);
    }

    [Fact]
    public void Pretraining_helps_with_a_NaN_accuracy_is_inconclusive_and_without_robustness_is_absent()
    {
        var nan = FindingsInputs.One(FindingsInputs.Evaluate(Single("ft", "ft", double.NaN), Single("scratch", "scratch", 0.5)), "pretraining_helps");
        Assert.Equal(Verdict.Inconclusive, nan.Verdict);
        var none = FindingsInputs.Evaluate(Single("ft", "ft", 0.9), FindingsInputs.Run("scratch", "scratch", []));
        Assert.DoesNotContain(none, f => f.Id == "pretraining_helps");
    }

    /// <summary>One run's final analysis: learning and forgetting of <paramref name="shallow"/> in block0–block1 and 0.5 in the deeper layers.</summary>
    static SettingResults ShallowRun(string name, string strategy, double shallow)
    {
        double[] values = [shallow, shallow, 0.5, 0.5, 0.5];
        var analysis = FindingsInputs.A(FindingsInputs.Layers,
            FindingsInputs.Ckpt(0, new() { ["learning"] = FindingsInputs.Fill(0.01), ["forgetting"] = FindingsInputs.Fill(0.01) }),
            FindingsInputs.Ckpt(5, new() { ["learning"] = FindingsInputs.S(values), ["forgetting"] = FindingsInputs.S(values) }));
        return FindingsInputs.Run(name, strategy, [FindingsInputs.Acc(0.5)], analysis);
    }

    static SettingResults ShallowSeeds(string name, string strategy, params double[] shallow) =>
        FindingsInputs.Seeded(name, strategy, [.. shallow.Select(v => ShallowRun(name, strategy, v))]);

    [Theory]
    [InlineData(new[] { 0.09, 0.10, 0.11 }, new[] { 0.59, 0.60, 0.61 }, Verdict.Reproduced)]
    [InlineData(new[] { 0.30, 0.40, 0.50 }, new[] { 0.35, 0.45, 0.55 }, Verdict.Inconclusive)]
    [InlineData(new[] { 0.59, 0.60, 0.61 }, new[] { 0.09, 0.10, 0.11 }, Verdict.NotReproduced)]
    public void Shallow_layers_change_less_over_three_seeds(double[] pretrained, double[] scratch, string verdict)
    {
        var f = FindingsInputs.One(FindingsInputs.Evaluate(ShallowSeeds("ft", "ft", pretrained), ShallowSeeds("scratch", "scratch", scratch)),
            "shallow_layers_change_less");
        // 4 blocks: the shallow half is block0 and block1; the deeper layers (0.5 in both) do not enter.
        Assert.Contains("block0, block1 ", f.Measure);
        Assert.Equal(pretrained.Average() - scratch.Average(), f.Value, 1e-12);
        var (_, lo, hi, _) = SeedStatistics.Welch(pretrained, scratch);
        Assert.Equal(lo, f.Lower, 1e-12);
        Assert.Equal(hi, f.Upper, 1e-12);
        Assert.Equal(verdict, f.Verdict);
    }

    [Fact]
    public void Shallow_layers_single_runs_average_the_probe_image_intervals_and_are_inconclusive_without_them()
    {
        var (pre, scratch) = (ShallowRun("ft", "ft", 0.1), ShallowRun("scratch", "scratch", 0.6));
        LayerDifference Row(string metric, string layer, double lo, double hi) => new(metric, "ft", "scratch", layer, -0.5, lo, hi);
        var rows = new List<LayerDifference>
        {
            Row("learning", "block0", -0.6, -0.4), Row("forgetting", "block0", -0.7, -0.3),
            Row("learning", "block1", -0.6, -0.2), Row("forgetting", "block1", -0.5, -0.3),
            Row("learning", "block2", 5, 6), Row("cka_divergence", "block0", 5, 6),                  // not shallow / not compared
            Row("learning", "block0", 5, 6) with { Basis = "training_seeds" },                       // not the probe-image basis
        };
        var f = FindingsInputs.One(FindingsInputs.Evaluate(new StudyStatisticsResult([], rows), Options, pre, scratch), "shallow_layers_change_less");
        Assert.Equal(-0.5, f.Value, 1e-12);
        Assert.Equal(-0.6, f.Lower, 1e-12);
        Assert.Equal(-0.3, f.Upper, 1e-12);
        Assert.Equal(Verdict.Reproduced, f.Verdict);

        var none = FindingsInputs.One(FindingsInputs.Evaluate(pre, scratch), "shallow_layers_change_less");
        Assert.Equal(Verdict.Inconclusive, none.Verdict);
        Assert.True(double.IsNaN(none.Lower));
    }

    /// <summary>A pretrained run with CKA divergence and forgetting at layer 0 (final epoch) and the forgetting noise floor at epoch 0.</summary>
    static SettingResults CkaRun((double lo, double hi) cka, (double lo, double hi) forgetting, double floorMean = 0.05, double floorUpper = 0.08)
    {
        static LayerSeries Series((double lo, double hi) i) =>
            FindingsInputs.S([(i.lo + i.hi) / 2, 0.5, 0.5, 0.5, 0.5], [i.lo, 0.4, 0.4, 0.4, 0.4], [i.hi, 0.6, 0.6, 0.6, 0.6]);
        var floor = FindingsInputs.S([floorMean, 0, 0, 0, 0], [floorMean - 0.03, 0, 0, 0, 0], [floorUpper, 0, 0, 0, 0]);
        var analysis = FindingsInputs.A(FindingsInputs.Layers,
            FindingsInputs.Ckpt(0, new() { ["forgetting"] = floor, ["cka_divergence"] = FindingsInputs.Fill(0) }),
            FindingsInputs.Ckpt(5, new() { ["forgetting"] = Series(forgetting), ["cka_divergence"] = Series(cka) }));
        return FindingsInputs.Run("ft", "ft", [FindingsInputs.Acc(0.8)], analysis);
    }

    [Theory]
    [InlineData(0.01, 0.03, 0.30, 0.40, Verdict.Reproduced)]     // CKA upper < 0.05, forgetting lower 0.30 > floor upper 0.08
    [InlineData(0.06, 0.09, 0.30, 0.40, Verdict.NotReproduced)]  // CKA divergence lower ≥ 0.05: not near 0
    [InlineData(0.05, 0.09, 0.30, 0.40, Verdict.NotReproduced)]  // exactly 0.05 counts as "at least"
    [InlineData(0.01, 0.03, 0.06, 0.12, Verdict.Inconclusive)]   // forgetting straddles the floor's upper bound 0.08
    [InlineData(0.01, 0.03, 0.01, 0.04, Verdict.NotReproduced)]  // forgetting upper 0.04 ≤ floor 0.05
    [InlineData(0.03, 0.07, 0.30, 0.40, Verdict.Inconclusive)]   // CKA interval straddles 0.05
    public void Cka_near_zero_while_stir_forgetting_is_not(double ckaLo, double ckaHi, double fLo, double fHi, string verdict)
    {
        var f = FindingsInputs.One(FindingsInputs.Evaluate(CkaRun((ckaLo, ckaHi), (fLo, fHi))), "cka_near_zero_stir_not");
        Assert.Equal(verdict, f.Verdict);
        // Reported as forgetting above the floor's mean (0.05).
        Assert.Equal((fLo + fHi) / 2 - 0.05, f.Value, 1e-12);
        Assert.Equal(fLo - 0.05, f.Lower, 1e-12);
        Assert.Equal(fHi - 0.05, f.Upper, 1e-12);
    }

    [Fact]
    public void Cka_finding_is_absent_without_an_epoch_0_floor()
    {
        var run = CkaRun((0.01, 0.03), (0.3, 0.4));
        var noFloor = run with { Analysis = run.Analysis! with { Checkpoints = [run.Analysis.Checkpoints[1]] } };
        Assert.DoesNotContain(FindingsInputs.Evaluate(noFloor), f => f.Id == "cka_near_zero_stir_not");
    }

    /// <summary>A run whose flow matrix is <paramref name="c"/> below the diagonal and −<paramref name="c"/> above it.</summary>
    static SettingResults FlowRun(double c, int layers = 3, double std = 0.01)
    {
        var flow = Enumerable.Range(0, layers).Select(i => Enumerable.Range(0, layers).Select(j => j < i ? c : j > i ? -c : 0).ToArray()).ToArray();
        var m = new double[layers, layers];
        for (int i = 0; i < layers; i++) for (int j = 0; j < layers; j++) m[i, j] = flow[i][j];
        var stdM = Enumerable.Range(0, layers).Select(_ => Enumerable.Repeat(std, layers).ToArray()).ToArray();
        var names = Enumerable.Range(0, layers).Select(l => $"block{l}").ToArray();
        var analysis = FindingsInputs.A(names, FindingsInputs.Ckpt(5, new() { ["forgetting"] = FindingsInputs.Fill(0.2, layers) }, flow, stdM,
            InvarianceMetrics.Summarize(m)));
        return FindingsInputs.Run("ft", "ft", [FindingsInputs.Acc(0.8)], analysis);
    }

    [Theory]
    [InlineData(new[] { 0.10, 0.12, 0.11 }, Verdict.Reproduced)]
    [InlineData(new[] { 0.10, -0.10, 0.02 }, Verdict.Inconclusive)]
    [InlineData(new[] { -0.10, -0.12, -0.11 }, Verdict.NotReproduced)]
    public void Flow_compression_over_seeds_uses_a_t_interval_of_the_per_seed_compression(double[] perSeed, string verdict)
    {
        var f = FindingsInputs.One(FindingsInputs.Evaluate(FindingsInputs.Seeded("ft", "ft", [.. perSeed.Select(c => FlowRun(c))])), "flow_compression");
        var (mean, _, lo, hi) = SeedAverage.Interval(perSeed);
        Assert.Equal(mean, f.Value, 1e-12);
        Assert.Equal(lo, f.Lower, 1e-12);
        Assert.Equal(hi, f.Upper, 1e-12);
        Assert.Equal("95% t over 3 training seeds", f.Interval);
        Assert.Equal(verdict, f.Verdict);
    }

    [Fact]
    public void Flow_compression_of_one_run_uses_the_STIR_seed_std()
    {
        // below the diagonal std 0.01 over 3 STIR seeds: se = 0.01 / sqrt(3)
        var f = FindingsInputs.One(FindingsInputs.Evaluate(FlowRun(0.1)), "flow_compression");
        double se = 0.01 / Math.Sqrt(3);
        Assert.Equal(0.1, f.Value, 1e-12);
        Assert.Equal(0.1 - 1.96 * se, f.Lower, 1e-12);
        Assert.Equal(0.1 + 1.96 * se, f.Upper, 1e-12);
        Assert.Equal(Verdict.Reproduced, f.Verdict);
    }

    [Fact]
    public void Flow_compression_of_a_single_layer_is_inconclusive_not_a_crash()
    {
        // one layer: nothing below the diagonal, so compression is NaN and there is no interval
        var f = FindingsInputs.One(FindingsInputs.Evaluate(FlowRun(0.1, layers: 1)), "flow_compression");
        Assert.True(double.IsNaN(f.Value));
        Assert.Equal(Verdict.Inconclusive, f.Verdict);
    }

    [Fact]
    public void Lpft_beats_ft_ood_compares_final_OOD_accuracy()
    {
        var (ft, lpft) = (Single("ft", "ft", 0.9, ood: 0.60), Single("lp-ft", "lp-ft", 0.9, ood: 0.80));
        var f = FindingsInputs.One(FindingsInputs.Evaluate(ft, lpft), "lpft_beats_ft_ood");
        double se = Math.Sqrt(0.8 * 0.2 / 500 + 0.6 * 0.4 / 500);
        Assert.Equal(0.2, f.Value, 1e-12);
        Assert.Equal(0.2 - 1.96 * se, f.Lower, 1e-12);
        Assert.Equal(Verdict.Reproduced, f.Verdict);
        Assert.Equal(["lp-ft", "ft"], f.Settings);
        Assert.Equal(Verdict.NotReproduced,
            FindingsInputs.One(FindingsInputs.Evaluate(Single("ft", "ft", 0.9, 0.8), Single("lp-ft", "lp-ft", 0.9, 0.6)), "lpft_beats_ft_ood").Verdict);

        // Only with both an ft and an lp-ft classification setting, and OOD data in both.
        Assert.DoesNotContain(FindingsInputs.Evaluate(lpft), f => f.Id == "lpft_beats_ft_ood");
        Assert.DoesNotContain(FindingsInputs.Evaluate(ft, lpft with { Task = "reconstruction" }), f => f.Id == "lpft_beats_ft_ood");
        Assert.DoesNotContain(FindingsInputs.Evaluate(ft, Single("lp-ft", "lp-ft", 0.9)), f => f.Id == "lpft_beats_ft_ood");
    }

    [Fact]
    public void Findings_that_cannot_be_tested_are_absent()
    {
        // No scratch setting: neither pretraining_helps nor shallow_layers; no analysis: no analysis-based finding.
        Assert.Empty(FindingsInputs.Evaluate(Single("ft", "ft", 0.9)));
        var analysed = ShallowRun("ft", "ft", 0.1);
        var ids = FindingsInputs.Evaluate(analysed).Select(f => f.Id).ToList();
        Assert.DoesNotContain("pretraining_helps", ids);
        Assert.DoesNotContain("shallow_layers_change_less", ids);
        Assert.Contains("learning_forgetting_correlate", ids);
        // A scratch setting without analysis: the accuracy finding only.
        ids = [.. FindingsInputs.Evaluate(analysed, Single("scratch", "scratch", 0.5)).Select(f => f.Id)];
        Assert.Contains("pretraining_helps", ids);
        Assert.DoesNotContain("shallow_layers_change_less", ids);
        // Only scratch (or only reconstruction): no pretrained setting, nothing.
        Assert.Empty(FindingsInputs.Evaluate(ShallowRun("scratch", "scratch", 0.6), ShallowRun("mae", "ft", 0.1) with { Task = "reconstruction" }));
    }
}
