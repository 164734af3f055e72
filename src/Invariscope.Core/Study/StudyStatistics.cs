using System.Text.Json.Serialization;
using Invariscope.Analysis;
using Invariscope.Analysis.Robustness;
using Invariscope.Analysis.Statistics;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Study;

/// <summary>The correlation analysis of one setting over its epochs.</summary>
public sealed record SettingStatistics(
    [property: JsonPropertyName("setting")] string Setting,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("table")] EpochMetricTable? Table,
    [property: JsonPropertyName("targets")] IReadOnlyDictionary<string, double[]> Targets,
    [property: JsonPropertyName("families")] IReadOnlyList<CorrelationFamily> Families,
    [property: JsonPropertyName("early_epochs")] IReadOnlyList<EarlyEpochPoint> EarlyEpochs,
    [property: JsonPropertyName("headline_by_severity")] IReadOnlyDictionary<string, CorrelationResult> HeadlineBySeverity,
    [property: JsonPropertyName("learning_forgetting")] LearningForgettingResult? LearningForgetting,
    [property: JsonPropertyName("notes")] IReadOnlyList<string> Notes)
{
    /// <summary>The training seed of a replicate; null for a single run or a setting over seeds.</summary>
    [JsonPropertyName("seed")] public int? Seed { get; init; }
    /// <summary>Per layer, the noise floor (epoch 0) and the final learning and forgetting, raw and above it (seed means for a setting over seeds).</summary>
    [JsonPropertyName("noise_floor")] public IReadOnlyList<FloorRow>? Floor { get; init; }
    /// <summary>For a setting over training seeds: each seed's own statistics.</summary>
    [JsonPropertyName("per_seed")] public IReadOnlyList<SettingStatistics>? PerSeed { get; init; }
    /// <summary>For a setting over training seeds: per metric, each layer's final-epoch mean over the seeds with its 95% t interval across them.</summary>
    [JsonPropertyName("final_across_seeds")] public IReadOnlyDictionary<string, LayerSeries>? FinalAcrossSeeds { get; init; }
    /// <summary>For a setting over training seeds: the grid per target, pooled over seeds (within seed, then combined).</summary>
    [JsonPropertyName("pooled")] public IReadOnlyList<PooledFamily>? Pooled { get; init; }
}

/// <summary>A per-layer difference between two settings at their final epochs, with a paired interval (jackknife over the shared probe images, plus both settings' seed variances).</summary>
public sealed record LayerDifference(
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("a")] string A,
    [property: JsonPropertyName("b")] string B,
    [property: JsonPropertyName("layer")] string Layer,
    [property: JsonPropertyName("difference")] double Difference,
    [property: JsonPropertyName("lower")] double Lower,
    [property: JsonPropertyName("upper")] double Upper)
{
    /// <summary>What the interval is over: <c>probe_images</c> (paired jackknife plus STIR seeds, one training run each) or <c>training_seeds</c> (Welch t across the seeds' final values).</summary>
    [JsonPropertyName("basis")] public string Basis { get; init; } = "probe_images";
    /// <summary>Two-sided p of the difference (Welch t across training seeds); NaN for the probe-image basis.</summary>
    [JsonPropertyName("p")] public double P { get; init; } = double.NaN;
    /// <summary>Training seeds behind a and b.</summary>
    [JsonPropertyName("seeds")] public int[] Seeds { get; init; } = [1, 1];

    /// <summary>Whether the 95% interval excludes 0.</summary>
    [JsonPropertyName("excludes_zero")] public bool ExcludesZero => Lower > 0 || Upper < 0;
}

/// <summary>All statistics of a study, as written to <c>statistics.json</c>: the findings first, then what they rest on.</summary>
public sealed record StudyStatisticsResult(
    [property: JsonPropertyName("settings"), JsonPropertyOrder(1)] IReadOnlyList<SettingStatistics> Settings,
    [property: JsonPropertyName("differences"), JsonPropertyOrder(2)] IReadOnlyList<LayerDifference> Differences)
{
    /// <summary>The paper's claims as tested on this study (see <see cref="Study.Findings"/>).</summary>
    [JsonPropertyName("findings"), JsonPropertyOrder(0)] public IReadOnlyList<Finding> Findings { get; init; } = [];
}

/// <summary>
/// The paper's robustness statistics computed from result files alone: per setting, the hypothesis grid against
/// mean corrupted accuracy and OOD accuracy (Bonferroni and Holm), the headline hypothesis per severity, the
/// early-epoch analysis, and the learning–forgetting correlation; across settings, per-layer differences at the final
/// epoch with paired intervals.
/// </summary>
public static class StudyStatistics
{
    /// <summary>The statistics file in the study folder.</summary>
    public const string FileName = "statistics.json";
    /// <summary>Target name of the mean corrupted accuracy.</summary>
    public const string Corrupted = "corrupted_accuracy";
    /// <summary>Target name of the OOD accuracy.</summary>
    public const string Ood = "ood_accuracy";

    /// <summary>Computes everything.</summary>
    public static StudyStatisticsResult Compute(StudyResults results, StudyStatisticsOptions options)
    {
        var stats = new StudyStatisticsResult(results.Settings.Select(s => ForSetting(s, options)).ToList(),
            [.. Differences(results), .. SeedStatistics.Differences(results)]);
        return stats with { Findings = Study.Findings.Evaluate(results, stats, options) };
    }

    /// <summary>Computes and writes <c>statistics.json</c> into <paramref name="root"/>, after its CSV tables (<see cref="StudyTables"/>).</summary>
    public static StudyStatisticsResult Write(StudyResults results, StudyStatisticsOptions options, string root)
    {
        var stats = Compute(results, options);
        var layout = new StudyLayout(root);
        StudyTables.Write(results, stats, layout);
        Json.Write(layout.StatisticsPath, stats); // last: the stage is done once it exists
        return stats;
    }

    /// <summary>The per-epoch metric table of an analysis (checkpoints with a known epoch, ascending; epoch 0 only when asked).</summary>
    public static EpochMetricTable? Table(AnalysisResults? analysis, bool includeEpoch0)
    {
        if (analysis is null) return null;
        var rows = analysis.Checkpoints.Where(c => c.Epoch is int e && (includeEpoch0 || e > 0)).OrderBy(c => c.Epoch).ToList();
        if (rows.Count == 0) return null;
        double[][]? Metric(string name) => rows.All(r => r.PerLayer.ContainsKey(name)) ? rows.Select(r => r.PerLayer[name].Mean).ToArray() : null;
        return new EpochMetricTable(rows.Select(r => r.Epoch!.Value).ToArray(), analysis.Layers, Metric(MetricNames.Learning), Metric(MetricNames.Forgetting), Metric(MetricNames.CkaDivergence));
    }

    static SettingStatistics ForSetting(SettingResults s, StudyStatisticsOptions options)
    {
        if (s.Replicates is not { Count: > 1 }) return ForRun(s, options);
        var perSeed = s.Replicates.Select(r => ForRun(r, options)).ToList();
        var combined = ForRun(s with { Replicates = null }, options, grid: false); // the seed means: table, floor and notes only
        return combined with
        {
            PerSeed = perSeed, Pooled = SeedStatistics.Pooled(perSeed, options), FinalAcrossSeeds = s.Analysis?.Final.PerLayer,
            Notes = [.. combined.Notes, $"{perSeed.Count} training seeds: correlations per seed (per_seed) and pooled (pooled); figures show seed means"],
        };
    }

    static SettingStatistics ForRun(SettingResults s, StudyStatisticsOptions options, bool grid = true)
    {
        var notes = new List<string>();
        var table = Table(s.Analysis, options.IncludeEpoch0);
        var families = new List<CorrelationFamily>();
        var early = new List<EarlyEpochPoint>();
        var bySeverity = new Dictionary<string, CorrelationResult>();
        var targets = new Dictionary<string, double[]>();
        LearningForgettingResult? lf = null;
        if (table is null) notes.Add("no analysis results: nothing to correlate");
        else
        {
            if (table.Learning is not null && table.Forgetting is not null) lf = LearningForgetting.Run(table, s.Name);
            if (!grid) return Result();
            var byEpoch = s.Robustness.ToDictionary(r => r.Epoch);
            if (s.Task != "classification") notes.Add($"{s.Task} has no accuracy: robustness correlations apply to classification settings");
            else if (!table.Epochs.All(byEpoch.ContainsKey)) notes.Add("robustness was not evaluated at every analysed epoch: no correlation");
            else if (table.Epochs.Length < 3) notes.Add($"only {table.Epochs.Length} epoch(s): a correlation needs at least 3");
            else
            {
                var rows = table.Epochs.Select(e => byEpoch[e]).ToList();
                if (rows.All(r => r.Cells.Count > 0)) targets[Corrupted] = rows.Select(r => r.MeanCorruptedAccuracy).ToArray();
                if (rows.All(r => r.Ood is not null)) targets[Ood] = rows.Select(r => r.Ood!.Accuracy).ToArray();
                targets["clean_accuracy"] = rows.Select(r => r.Clean.Accuracy).ToArray();
                var covariates = new GridCovariates([.. table.Epochs.Select(e => (double)e)], targets["clean_accuracy"], TrainLoss(s.Metrics, table.Epochs));
                foreach (var (name, y) in targets.Where(t => t.Key != "clean_accuracy"))
                {
                    if (HypothesisGrid.IsConstant(y)) { notes.Add($"{name} is constant ({y[0]:G4}) over the epochs: no correlation"); continue; }
                    var family = HypothesisGrid.Run(table, y, name, options.Alpha, covariates: covariates, seed: (ulong)(s.Seed ?? 0),
                        permutations: options.Permutations);
                    families.Add(family);
                    if (options.Permutations > 0 && family.Tested / (options.Permutations + 1.0) >= options.Alpha)
                        notes.Add($"{name}: with {options.Permutations} permutations the smallest p_diff is 1/{options.Permutations + 1}, so none of " +
                                  $"{family.Tested} hypotheses can survive Bonferroni; raise statistics.permutations");
                }
                if (targets.TryGetValue(Corrupted, out var corrupted) && families.Count > 0 && families[0].Target == Corrupted)
                {
                    var tracked = families[0].Best(3).Select(h => h.Id).Append(HypothesisGrid.HeadlineId).Distinct();
                    if (table.Forgetting is not null)
                    {
                        early.AddRange(EarlyEpochs.Run(table, corrupted, Corrupted, tracked, options.Alpha));
                        var x = HypothesisGrid.Series(table, HypothesisGrid.HeadlineId);
                        foreach (var sev in rows[0].AccuracyBySeverity.Keys)
                        {
                            var y = rows.Select(r => r.AccuracyBySeverity[sev]).ToArray();
                            if (!HypothesisGrid.IsConstant(y) && x.All(double.IsFinite) && !HypothesisGrid.IsConstant(x))
                                bySeverity[$"severity{sev}"] = Correlation.Pearson(x, y);
                        }
                    }
                }
            }
        }
        return Result();

        SettingStatistics Result() => new(s.Name, s.Label, table, targets, families, early, bySeverity, lf, notes)
        {
            Seed = s.Seed, Floor = s.Analysis is null ? null : NoiseFloor.Rows(s.Analysis),
        };
    }

    /// <summary>Training loss per table epoch (the last metrics row of each epoch); null when any epoch has none or it is not finite (e.g. epoch 0).</summary>
    static double[]? TrainLoss(IReadOnlyList<EpochMetrics> metrics, int[] epochs)
    {
        var last = new Dictionary<int, double>();
        foreach (var m in metrics) last[m.Epoch] = m.TrainLoss;
        return epochs.All(e => last.TryGetValue(e, out var v) && double.IsFinite(v)) ? [.. epochs.Select(e => last[e])] : null;
    }

    static List<LayerDifference> Differences(StudyResults results)
    {
        var finals = results.Settings.Where(s => s.Analysis is not null)
            .Select(s => (s, last: s.Analysis!.Final)).ToList();
        var list = new List<LayerDifference>();
        for (int i = 0; i < finals.Count; i++)
            for (int j = i + 1; j < finals.Count; j++)
            {
                var (a, b) = (finals[i], finals[j]);
                if (!a.s.Analysis!.Layers.SequenceEqual(b.s.Analysis!.Layers)) continue;
                foreach (var metric in MetricNames.Compared)
                {
                    if (!a.last.PerLayer.TryGetValue(metric, out var sa) || !b.last.PerLayer.TryGetValue(metric, out var sb)) continue;
                    if (sa.Replicates is null || sb.Replicates is null || sa.Replicates[0].Length != sb.Replicates[0].Length) continue;
                    for (int l = 0; l < sa.Mean.Length; l++)
                    {
                        var (lo, hi) = LayerIntervals.Difference((sa.Mean[l], sa.Replicates[l], sa.Std[l], sa.Seeds),
                                                                 (sb.Mean[l], sb.Replicates[l], sb.Std[l], sb.Seeds));
                        list.Add(new LayerDifference(metric, a.s.Label, b.s.Label, a.s.Analysis.Layers[l], sa.Mean[l] - sb.Mean[l], lo, hi));
                    }
                }
            }
        return list;
    }
}
