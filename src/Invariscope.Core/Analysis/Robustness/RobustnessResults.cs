using System.Text.Json.Serialization;

namespace Invariscope.Analysis.Robustness;

/// <summary>
/// One hypothesis of the grid: the per-epoch series x[e] = aggregate over a layer range of a per-layer combination
/// of learning and forgetting (or of CKA divergence), correlated (Pearson) with the target over the epochs.
/// An undefined hypothesis (x constant or containing NaN) has <see cref="R"/>, the p-values NaN and is not significant.
/// Doubles that may be NaN serialise as the string "NaN".
/// </summary>
/// <param name="Id">"combination/aggregate/range", e.g. "forgetting/std/all".</param>
/// <param name="Combination">sum (λ+φ), diff (λ−φ), learning, forgetting or cka_divergence.</param>
/// <param name="Aggregate">mean, std (population), min or max over the range.</param>
/// <param name="Range">Range name from <see cref="InvarianceMetrics.Ranges"/>: all, layerK, firstK, lastK.</param>
/// <param name="From">First layer index of the range (inclusive).</param>
/// <param name="To">Last layer index of the range (inclusive).</param>
/// <param name="R">Pearson r with the target, NaN if undefined.</param>
/// <param name="PValue">Two-sided t-test p-value, NaN if undefined.</param>
/// <param name="PBonferroni">Bonferroni-adjusted p over the tested family, NaN if undefined.</param>
/// <param name="PHolm">Holm-adjusted p over the tested family, NaN if undefined.</param>
/// <param name="N">Number of epochs correlated.</param>
/// <param name="SignificantBonferroni">PBonferroni &lt; alpha.</param>
/// <param name="SignificantHolm">PHolm &lt; alpha.</param>
/// <param name="Aliases">Ids of later hypotheses in grid order whose series is identical to this one (up to 1e-12); they are not listed or counted separately.</param>
/// <param name="PDiff">First-difference permutation p-value (<see cref="Statistics.DifferencePermutation"/>), robust to the shared trend; NaN if undefined (NaN x, constant differences, fewer than 4 epochs).</param>
/// <param name="PDiffBonferroni">Bonferroni-adjusted <paramref name="PDiff"/> over the distinct hypotheses with a defined PDiff; NaN if undefined.</param>
/// <param name="PDiffHolm">Holm-adjusted <paramref name="PDiff"/> over the same family; NaN if undefined.</param>
/// <param name="SignificantDiffHolm">PDiffHolm &lt; alpha.</param>
/// <param name="PartialREpoch">Partial r with the target given the epoch index; NaN if undefined.</param>
/// <param name="PartialPEpoch">Its two-sided p-value (n − 3 df); NaN if undefined.</param>
/// <param name="PartialRClean">Partial r with the target given clean accuracy; NaN if clean accuracy is absent or the partial is undefined.</param>
/// <param name="PartialPClean">Its two-sided p-value; NaN if undefined.</param>
/// <param name="BeatsBaselines">|r| exceeds the largest |r| of the defined trivial baselines (epoch, clean accuracy, training loss); false when undefined.</param>
public sealed record HypothesisResult(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("combination")] string Combination,
    [property: JsonPropertyName("aggregate")] string Aggregate,
    [property: JsonPropertyName("range")] string Range,
    [property: JsonPropertyName("from")] int From,
    [property: JsonPropertyName("to")] int To,
    [property: JsonPropertyName("r")] double R,
    [property: JsonPropertyName("p")] double PValue,
    [property: JsonPropertyName("p_bonferroni")] double PBonferroni,
    [property: JsonPropertyName("p_holm")] double PHolm,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("significant_bonferroni")] bool SignificantBonferroni,
    [property: JsonPropertyName("significant_holm")] bool SignificantHolm,
    [property: JsonPropertyName("aliases")] IReadOnlyList<string> Aliases,
    [property: JsonPropertyName("p_diff")] double PDiff,
    [property: JsonPropertyName("p_diff_bonferroni")] double PDiffBonferroni,
    [property: JsonPropertyName("p_diff_holm")] double PDiffHolm,
    [property: JsonPropertyName("significant_diff_holm")] bool SignificantDiffHolm,
    [property: JsonPropertyName("partial_r_epoch")] double PartialREpoch,
    [property: JsonPropertyName("partial_p_epoch")] double PartialPEpoch,
    [property: JsonPropertyName("partial_r_clean")] double PartialRClean,
    [property: JsonPropertyName("partial_p_clean")] double PartialPClean,
    [property: JsonPropertyName("beats_baselines")] bool BeatsBaselines)
{
    /// <summary>True when the correlation is undefined (constant or NaN series); such hypotheses are not in the tested family.</summary>
    [JsonPropertyName("undefined")]
    public bool Undefined => double.IsNaN(R);
}

/// <summary>
/// A trivial predictor of the target (a series that only says "training went on") and its correlation with the target.
/// A hypothesis that does not beat these explains nothing beyond the trend.
/// </summary>
/// <param name="Name">"epoch", "clean_accuracy" or "train_loss".</param>
/// <param name="R">Pearson r with the target; NaN when the series is absent or constant.</param>
/// <param name="PValue">Its two-sided t-test p-value; NaN if undefined.</param>
/// <param name="PDiffPerm">First-difference permutation p-value; NaN if undefined (e.g. equally spaced epochs have constant differences).</param>
public sealed record BaselineResult(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("r")] double R,
    [property: JsonPropertyName("p")] double PValue,
    [property: JsonPropertyName("p_diff_perm")] double PDiffPerm);

/// <summary>
/// A corrected family of hypotheses against one target (e.g. mean corrupted accuracy per epoch).
/// </summary>
/// <param name="Target">Name of the target series.</param>
/// <param name="Total">Number of hypotheses enumerated (see <see cref="HypothesisGrid.Count"/>), aliases included.</param>
/// <param name="Tested">Number of distinct defined series, the family size m used by Bonferroni and Holm.</param>
/// <param name="Alpha">Significance level of the corrected tests.</param>
/// <param name="Hypotheses">One entry per distinct series (the first id in grid order; the others in its aliases), sorted by p ascending (ties: larger |r| first, then grid order), undefined ones last.</param>
/// <param name="Headline">The paper's headline hypothesis, std of forgetting over all layers ("forgetting/std/all"), or the representative it is an alias of; null without forgetting.</param>
/// <param name="Distinct">Number of distinct series (entries of <paramref name="Hypotheses"/>), defined or not.</param>
/// <param name="Baselines">Trivial predictors (epoch index, clean accuracy, training loss) and their correlation with the target.</param>
public sealed record CorrelationFamily(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("tested")] int Tested,
    [property: JsonPropertyName("alpha")] double Alpha,
    [property: JsonPropertyName("hypotheses")] IReadOnlyList<HypothesisResult> Hypotheses,
    [property: JsonPropertyName("headline")] HypothesisResult? Headline,
    [property: JsonPropertyName("distinct")] int Distinct,
    [property: JsonPropertyName("baselines")] IReadOnlyList<BaselineResult> Baselines)
{
    /// <summary>The <paramref name="k"/> defined hypotheses with the smallest p-values (fewer if fewer are defined).</summary>
    public IReadOnlyList<HypothesisResult> Best(int k) => [.. Hypotheses.Where(h => !h.Undefined).Take(Math.Max(k, 0))];

    /// <summary>The hypothesis with this id, or the representative of which it is an alias; null if neither.</summary>
    public HypothesisResult? Find(string id) =>
        Hypotheses.FirstOrDefault(h => h.Id == id) ?? Hypotheses.FirstOrDefault(h => h.Aliases.Contains(id));

    /// <summary>How many hypotheses are significant after Bonferroni.</summary>
    [JsonPropertyName("significant_bonferroni")]
    public int SignificantBonferroniCount => Hypotheses.Count(h => h.SignificantBonferroni);

    /// <summary>How many hypotheses are significant after Holm.</summary>
    [JsonPropertyName("significant_holm")]
    public int SignificantHolmCount => Hypotheses.Count(h => h.SignificantHolm);

    /// <summary>How many hypotheses are significant with the first-difference permutation p after Holm.</summary>
    [JsonPropertyName("significant_diff_holm")]
    public int SignificantDiffHolmCount => Hypotheses.Count(h => h.SignificantDiffHolm);
}

/// <summary>
/// The hypothesis family rerun on the epochs up to one cut-off (the paper's Fig. 14).
/// </summary>
/// <param name="UpToEpoch">The last epoch number included.</param>
/// <param name="N">Number of epochs included.</param>
/// <param name="HeadlineR">r of "forgetting/std/all" on these epochs; NaN if undefined or no forgetting.</param>
/// <param name="HeadlineP">Its uncorrected p-value; NaN if undefined.</param>
/// <param name="SignificantBonferroni">Hypotheses significant after Bonferroni within this truncated family.</param>
/// <param name="Tested">Defined hypotheses in this truncated family (its Bonferroni m).</param>
/// <param name="R">r of each tracked hypothesis id on these epochs (NaN where undefined).</param>
public sealed record EarlyEpochPoint(
    [property: JsonPropertyName("up_to_epoch")] int UpToEpoch,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("headline_r")] double HeadlineR,
    [property: JsonPropertyName("headline_p")] double HeadlineP,
    [property: JsonPropertyName("significant_bonferroni")] int SignificantBonferroni,
    [property: JsonPropertyName("tested")] int Tested,
    [property: JsonPropertyName("r")] IReadOnlyDictionary<string, double> R);

/// <summary>Pearson correlation of learning and forgetting across the layers of one epoch.</summary>
/// <param name="Epoch">The epoch number.</param>
/// <param name="R">Pearson r across layers.</param>
/// <param name="PValue">Two-sided p-value.</param>
/// <param name="N">Number of layers.</param>
public sealed record EpochLayerCorrelation(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("r")] double R,
    [property: JsonPropertyName("p")] double PValue,
    [property: JsonPropertyName("n")] int N);

/// <summary>An epoch left out of the per-epoch learning–forgetting correlation, and why.</summary>
/// <param name="Epoch">The epoch number.</param>
/// <param name="Reason">E.g. "learning is constant across layers", "forgetting has NaN", "fewer than 3 layers".</param>
public sealed record SkippedEpoch(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>
/// Learning–forgetting correlation of one setting (the paper's Appendix C.1).
/// </summary>
/// <param name="Setting">Name of the setting (run), as the caller gives it.</param>
/// <param name="PerEpoch">r across layers for each epoch that is not skipped.</param>
/// <param name="Skipped">Epochs left out of <paramref name="PerEpoch"/>, with the reason.</param>
/// <param name="MeanEpochR">Mean of the per-epoch r values; NaN if none.</param>
/// <param name="PooledR">r over all (epoch ≥ 1, layer) points with finite values; NaN if undefined.</param>
/// <param name="PooledP">Its two-sided p-value; NaN if undefined.</param>
/// <param name="PooledN">Number of pooled points.</param>
public sealed record LearningForgettingResult(
    [property: JsonPropertyName("setting")] string Setting,
    [property: JsonPropertyName("per_epoch")] IReadOnlyList<EpochLayerCorrelation> PerEpoch,
    [property: JsonPropertyName("skipped")] IReadOnlyList<SkippedEpoch> Skipped,
    [property: JsonPropertyName("mean_epoch_r")] double MeanEpochR,
    [property: JsonPropertyName("pooled_r")] double PooledR,
    [property: JsonPropertyName("pooled_p")] double PooledP,
    [property: JsonPropertyName("pooled_n")] int PooledN);
