using Invariscope.Runtime;

namespace Invariscope.Analysis.Robustness;

/// <summary>
/// Early-epoch analysis (the paper's Fig. 14): how soon the correlation with robustness shows. For every cut-off row
/// i = 2..E−1 (from the third epoch point onwards, since Pearson with a p-value needs n ≥ 3) the whole hypothesis
/// family is rerun on the epochs 0..i only, and the headline hypothesis ("forgetting/std/all"), the tracked hypotheses
/// and the number significant after Bonferroni within that truncated family are reported.
/// </summary>
public static class EarlyEpochs
{
    /// <summary>
    /// One <see cref="EarlyEpochPoint"/> per cut-off, in epoch order; the last point uses all epochs, so it equals the
    /// full family of <see cref="HypothesisGrid.Run"/>. A cut-off where the target prefix is constant gives a point with
    /// NaN correlations and nothing tested. <paramref name="trackedIds"/> (e.g. the ids of
    /// <see cref="CorrelationFamily.Best"/> of the full family) must be ids of the grid.
    /// Errors (<see cref="InvariscopeException"/>): as <see cref="HypothesisGrid.Run"/> on all epochs, or an unknown tracked id.
    /// </summary>
    public static IReadOnlyList<EarlyEpochPoint> Run(
        EpochMetricTable table, double[] target, string targetName, IEnumerable<string>? trackedIds = null, double alpha = 0.05)
    {
        // The full family validates the table, target and alpha and defines the valid ids.
        // Only Pearson and Bonferroni are reported per cut-off, so the permutation test is skipped (permutations: 0).
        var full = HypothesisGrid.Run(table, target, targetName, alpha, permutations: 0);
        var tracked = (trackedIds ?? []).Distinct().ToList();
        foreach (var id in tracked)
            if (full.Find(id) is null)
                throw new InvariscopeException($"Tracked hypothesis id '{id}' is not in the grid (e.g. '{HypothesisGrid.HeadlineId}').");

        var points = new List<EarlyEpochPoint>();
        for (int i = 2; i < table.Epochs.Length; i++)
        {
            int n = i + 1;
            if (HypothesisGrid.IsConstant(target[..n]))
            {
                points.Add(new EarlyEpochPoint(table.Epochs[i], n, double.NaN, double.NaN, 0, 0,
                    tracked.ToDictionary(id => id, _ => double.NaN)));
                continue;
            }
            var family = i == table.Epochs.Length - 1 ? full : HypothesisGrid.Run(table, target, targetName, alpha, i, permutations: 0);
            var headline = family.Headline;
            points.Add(new EarlyEpochPoint(
                table.Epochs[i], n,
                headline?.R ?? double.NaN, headline?.PValue ?? double.NaN,
                family.SignificantBonferroniCount, family.Tested,
                tracked.ToDictionary(id => id, id => family.Find(id)!.R)));
        }
        return points;
    }
}
