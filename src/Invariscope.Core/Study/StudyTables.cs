using System.Text;
using Invariscope.Analysis;
using Invariscope.Analysis.Robustness;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Study;

/// <summary>
/// The study-level CSV tables written beside <c>statistics.json</c> (see <see cref="Csv"/> for the format), so that
/// what statistics.json holds can be read with one <c>pandas.read_csv</c>:
/// <list type="bullet">
/// <item><c>per_layer.csv</c>: every run's <c>analysis/per_layer.csv</c> stacked, row for row (same header; a setting
/// with training seeds contributes one block per seed).</item>
/// <item><c>hypotheses.csv</c>: per run and target, one row per distinct hypothesis of the grid, with the ids whose
/// series are identical to it in <c>aliases</c> (<c>;</c>-separated).</item>
/// <item><c>hypotheses_pooled.csv</c>: per setting over training seeds and target, one row per distinct pooled hypothesis.</item>
/// </list>
/// </summary>
public static class StudyTables
{
    /// <summary>The header of hypotheses.csv.</summary>
    public const string HypothesesHeader = RunIdentity.CsvHeader + ",target,id,combination,aggregate,range,from,to,n,r,p,p_bonferroni,p_holm," +
        "significant_bonferroni,significant_holm,p_diff,p_diff_bonferroni,p_diff_holm,significant_diff_holm,partial_r_epoch,partial_p_epoch," +
        "partial_r_clean,partial_p_clean,beats_baselines,undefined,headline,aliases";

    /// <summary>The header of hypotheses_pooled.csv.</summary>
    public const string PooledHeader = "setting,target,seeds,id,per_seed_r,pooled_r,r_diff,p_diff,p_diff_bonferroni,p_diff_holm,same_sign," +
        "beat_baselines,significant_holm,robust,headline,aliases";

    /// <summary>Writes the three tables into the study folder <paramref name="layout"/>.</summary>
    public static void Write(StudyResults results, StudyStatisticsResult statistics, StudyLayout layout)
    {
        AtomicFile.WriteText(layout.PerLayerCsv, PerLayer(results, layout));
        AtomicFile.WriteText(layout.HypothesesCsv, Hypotheses(statistics, layout));
        AtomicFile.WriteText(layout.PooledHypothesesCsv, Pooled(statistics));
    }

    /// <summary>The stacked per_layer.csv text.</summary>
    public static string PerLayer(StudyResults results, StudyLayout layout)
    {
        var sb = new StringBuilder(AnalysisResults.PerLayerCsvHeader + "\n");
        foreach (var s in results.Settings)
            foreach (var run in s.Runs.Where(r => r.Analysis is not null))
                foreach (var row in run.Analysis!.PerLayerRows(Identity(layout, s.Name, run.Seed)))
                    sb.Append(row).Append('\n');
        return sb.ToString();
    }

    /// <summary>The hypotheses.csv text.</summary>
    public static string Hypotheses(StudyStatisticsResult statistics, StudyLayout layout)
    {
        var sb = new StringBuilder(HypothesesHeader + "\n");
        foreach (var s in statistics.Settings)
            foreach (var run in s.PerSeed is { Count: > 0 } perSeed ? perSeed : [s])
            {
                var id = Identity(layout, s.Setting, run.Seed);
                foreach (var family in run.Families)
                    foreach (var h in family.Hypotheses)
                        sb.Append(id.CsvPrefix).Append(Csv.Row(family.Target, h.Id, h.Combination, h.Aggregate, h.Range, Csv.Integer(h.From), Csv.Integer(h.To),
                            Csv.Integer(h.N), Csv.Number(h.R), Csv.Number(h.PValue), Csv.Number(h.PBonferroni), Csv.Number(h.PHolm),
                            Csv.Bool(h.SignificantBonferroni), Csv.Bool(h.SignificantHolm), Csv.Number(h.PDiff), Csv.Number(h.PDiffBonferroni),
                            Csv.Number(h.PDiffHolm), Csv.Bool(h.SignificantDiffHolm), Csv.Number(h.PartialREpoch), Csv.Number(h.PartialPEpoch),
                            Csv.Number(h.PartialRClean), Csv.Number(h.PartialPClean), Csv.Bool(h.BeatsBaselines), Csv.Bool(h.Undefined),
                            Csv.Bool(IsHeadline(h.Id, h.Aliases)), string.Join(';', h.Aliases))).Append('\n');
            }
        return sb.ToString();
    }

    /// <summary>The hypotheses_pooled.csv text.</summary>
    public static string Pooled(StudyStatisticsResult statistics)
    {
        var sb = new StringBuilder(PooledHeader + "\n");
        foreach (var s in statistics.Settings.Where(s => s.Pooled is not null))
            foreach (var family in s.Pooled!)
                foreach (var h in family.Hypotheses)
                    sb.Append(Csv.Row(s.Setting, family.Target, Csv.Integer(family.Seeds), h.Id, string.Join(';', h.PerSeedR.Select(Csv.Number)),
                        Csv.Number(h.PooledR), Csv.Number(h.RDiff), Csv.Number(h.PDiff), Csv.Number(h.PDiffBonferroni), Csv.Number(h.PDiffHolm),
                        Csv.Integer(h.SameSign), Csv.Integer(h.BeatBaselines), Csv.Integer(h.SignificantHolm), Csv.Bool(h.Robust),
                        Csv.Bool(IsHeadline(h.Id, h.Aliases)), string.Join(';', h.Aliases))).Append('\n');
        return sb.ToString();
    }

    /// <summary>Whether the entry is the paper's headline hypothesis, or the representative it is an alias of.</summary>
    static bool IsHeadline(string id, IReadOnlyList<string> aliases) => id == HypothesisGrid.HeadlineId || aliases.Contains(HypothesisGrid.HeadlineId);

    /// <summary>A run's setting and seed as its own CSVs write them (the seed of its config), or the setting name and the replicate's seed when it has no folder.</summary>
    static RunIdentity Identity(StudyLayout layout, string setting, int? seed)
    {
        var run = layout.Run(setting, seed);
        return run.Exists ? RunIdentity.Of(run) : new RunIdentity(setting, seed);
    }
}
