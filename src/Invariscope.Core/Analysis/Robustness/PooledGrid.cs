using System.Text.Json.Serialization;
using Invariscope.Analysis.Statistics;

namespace Invariscope.Analysis.Robustness;

/// <summary>One training seed's input to <see cref="PooledGrid"/>: its metric table, target series and corrected family.</summary>
public sealed record SeedGridInput(EpochMetricTable Table, double[] Target, CorrelationFamily Family);

/// <summary>A hypothesis pooled over training seeds.</summary>
/// <param name="Id">Representative id (first in grid order whose series differs from every earlier one in some seed).</param>
/// <param name="Aliases">Ids whose series equal the representative's in every seed.</param>
/// <param name="PerSeedR">Pearson r on the levels, per seed (NaN where undefined).</param>
/// <param name="PooledR">Fisher-z mean of the per-seed r.</param>
/// <param name="RDiff">Pearson r of the within-seed first differences, concatenated.</param>
/// <param name="PDiff">Stratified first-difference permutation p (autocorrelation-aware).</param>
/// <param name="PDiffBonferroni">Bonferroni over the distinct defined pooled hypotheses.</param>
/// <param name="PDiffHolm">Holm over the same family.</param>
/// <param name="SameSign">Seeds whose r has the sign of the pooled r.</param>
/// <param name="BeatBaselines">Seeds where the hypothesis beats that seed's best trivial baseline.</param>
/// <param name="SignificantHolm">Seeds where the paper's test (Pearson, Holm within the seed's family) is significant.</param>
/// <param name="Robust">Significant pooled (Holm on <paramref name="PDiff"/>) and, in the declared number of seeds, of the pooled sign and beating the baselines.</param>
public sealed record PooledHypothesis(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("aliases")] IReadOnlyList<string> Aliases,
    [property: JsonPropertyName("per_seed_r")] IReadOnlyList<double> PerSeedR,
    [property: JsonPropertyName("pooled_r")] double PooledR,
    [property: JsonPropertyName("r_diff")] double RDiff,
    [property: JsonPropertyName("p_diff")] double PDiff,
    [property: JsonPropertyName("p_diff_bonferroni")] double PDiffBonferroni,
    [property: JsonPropertyName("p_diff_holm")] double PDiffHolm,
    [property: JsonPropertyName("same_sign")] int SameSign,
    [property: JsonPropertyName("beat_baselines")] int BeatBaselines,
    [property: JsonPropertyName("significant_holm")] int SignificantHolm,
    [property: JsonPropertyName("robust")] bool Robust);

/// <summary>A trivial baseline pooled over seeds.</summary>
public sealed record PooledBaseline(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("per_seed_r")] IReadOnlyList<double> PerSeedR,
    [property: JsonPropertyName("pooled_r")] double PooledR);

/// <summary>The hypothesis grid against one target, pooled over training seeds.</summary>
public sealed record PooledFamily(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("seeds")] int Seeds,
    [property: JsonPropertyName("required_seeds")] int RequiredSeeds,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("distinct")] int Distinct,
    [property: JsonPropertyName("tested")] int Tested,
    [property: JsonPropertyName("alpha")] double Alpha,
    [property: JsonPropertyName("baselines")] IReadOnlyList<PooledBaseline> Baselines,
    [property: JsonPropertyName("hypotheses")] IReadOnlyList<PooledHypothesis> Hypotheses,
    [property: JsonPropertyName("headline")] PooledHypothesis? Headline)
{
    /// <summary>How many pooled hypotheses are robust.</summary>
    [JsonPropertyName("robust_count")] public int RobustCount => Hypotheses.Count(h => h.Robust);

    /// <summary>The entry of <paramref name="id"/>, also when it is an alias.</summary>
    public PooledHypothesis? Find(string id) => Hypotheses.FirstOrDefault(h => h.Id == id || h.Aliases.Contains(id));
}

/// <summary>
/// The paper's hypothesis grid over several training seeds. Correlations are computed within each seed (never across
/// seeds, whose trends differ), then combined: the per-seed r by Fisher z, and the significance by the stratified
/// first-difference permutation test, corrected (Bonferroni, Holm) over the distinct series. A hypothesis is robust
/// when the pooled test survives Holm and, in at least the declared number of seeds (all, or a majority), it has the
/// pooled sign and beats that seed's trivial baselines. Pure function of its inputs.
/// </summary>
public static class PooledGrid
{
    /// <summary>Seeds a robust finding must hold in, under rule <c>all</c> or <c>majority</c>.</summary>
    public static int Required(string rule, int seeds) => rule == "majority" ? seeds / 2 + 1 : seeds;

    /// <summary>Pools <paramref name="seeds"/> (one per training seed, same layers) against target <paramref name="targetName"/>.</summary>
    public static PooledFamily Run(IReadOnlyList<SeedGridInput> seeds, string targetName, double alpha, string rule,
        int permutations = DifferencePermutation.DefaultPermutations, ulong seed = 0)
    {
        var ids = HypothesisGrid.Ids(seeds[0].Table);
        var series = ids.Select(id => seeds.Select(s => HypothesisGrid.Series(s.Table, id)).ToArray()).ToList();
        // identical in every seed ⇔ identical once the seeds' series are concatenated
        var representative = SeriesDeduplication.Representatives([.. series.Select(s => s.SelectMany(v => v).ToArray())]);
        var groups = Enumerable.Range(0, ids.Count).GroupBy(i => representative[i]).ToList();
        int required = Required(rule, seeds.Count);
        double[][] targets = [.. seeds.Select(s => s.Target)];
        var prepared = DifferencePermutation.Prepare(targets, permutations, seed); // one null for every hypothesis, as in the grid
        var rows = new List<(int rep, string[] aliases, StratifiedPermutationResult test)>();
        foreach (var g in groups)
            rows.Add((g.Key, g.Skip(1).Select(i => ids[i]).ToArray(), DifferencePermutation.Stratified(prepared, series[g.Key], targets)));
        var tested = rows.Select((r, k) => (r, k)).Where(t => double.IsFinite(t.r.test.PValue) && double.IsFinite(t.r.test.PooledR)).ToList();
        var bonf = MultipleTesting.Bonferroni([.. tested.Select(t => t.r.test.PValue)]);
        var holm = MultipleTesting.Holm([.. tested.Select(t => t.r.test.PValue)]);
        var adjusted = tested.Select((t, j) => (t.k, bonf: bonf[j], holm: holm[j])).ToDictionary(t => t.k);
        var hypotheses = rows.Select((row, k) =>
        {
            var id = ids[row.rep];
            var (pb, ph) = adjusted.TryGetValue(k, out var a) ? (a.bonf, a.holm) : (double.NaN, double.NaN);
            var perSeed = seeds.Select(s => s.Family.Find(id)).ToList();
            int sameSign = row.test.PerSeedR.Count(r => double.IsFinite(r) && Math.Sign(r) == Math.Sign(row.test.PooledR) && r != 0);
            int beat = perSeed.Count(h => h is { BeatsBaselines: true });
            int significant = perSeed.Count(h => h is { SignificantHolm: true });
            bool robust = ph < alpha && sameSign >= required && beat >= required;
            return new PooledHypothesis(id, row.aliases, row.test.PerSeedR, row.test.PooledR, row.test.RDiff, row.test.PValue, pb, ph,
                sameSign, beat, significant, robust);
        }).OrderBy(h => double.IsNaN(h.PDiff)).ThenBy(h => double.IsNaN(h.PDiff) ? 0 : h.PDiff)
          .ThenByDescending(h => double.IsNaN(h.PooledR) ? 0 : Math.Abs(h.PooledR)).ToList();
        var baselines = seeds[0].Family.Baselines.Select(b =>
        {
            var perSeed = seeds.Select(s => s.Family.Baselines.FirstOrDefault(o => o.Name == b.Name)?.R ?? double.NaN).ToArray();
            return new PooledBaseline(b.Name, perSeed, DifferencePermutation.PooledR(perSeed, [.. seeds.Select(s => s.Target.Length)]));
        }).ToList();
        var family = new PooledFamily(targetName, seeds.Count, required, rule, groups.Count, tested.Count, alpha, baselines, hypotheses, null);
        return family with { Headline = family.Find(HypothesisGrid.HeadlineId) };
    }
}
