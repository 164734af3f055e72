using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;

namespace Invariscope.Analysis.Robustness;

/// <summary>
/// Correlation between learning and forgetting of one setting (the paper's Appendix C.1):
/// (a) Pearson r across layers at each epoch, skipping epochs where either metric is constant across layers (epoch 0,
/// the pretrained model, is usually all zeros), has NaN, or there are fewer than 3 layers; (b) Pearson r pooled over all
/// (epoch ≥ 1, layer) points whose two values are finite.
/// </summary>
public static class LearningForgetting
{
    /// <summary>
    /// Runs both correlations on <paramref name="table"/>, which must have learning and forgetting.
    /// Errors (<see cref="InvariscopeException"/>): a malformed table, or learning or forgetting missing.
    /// An undefined pooled correlation (fewer than 3 points, or a constant side) gives NaN r and p.
    /// </summary>
    public static LearningForgettingResult Run(EpochMetricTable table, string setting = "")
    {
        ArgumentNullException.ThrowIfNull(table);
        table.Validate();
        if (table.Learning is null || table.Forgetting is null)
            throw new InvariscopeException(
                $"Learning-forgetting correlation{For(setting)} needs both Learning and Forgetting, but {(table.Learning is null ? "Learning" : "Forgetting")} is null.");

        int layers = table.Layers.Count;
        var perEpoch = new List<EpochLayerCorrelation>();
        var skipped = new List<SkippedEpoch>();
        var pooledL = new List<double>();
        var pooledF = new List<double>();
        for (int e = 0; e < table.Epochs.Length; e++)
        {
            double[] l = table.Learning[e], f = table.Forgetting[e];
            int epoch = table.Epochs[e];
            if (epoch >= 1)
                for (int k = 0; k < layers; k++)
                    if (double.IsFinite(l[k]) && double.IsFinite(f[k])) { pooledL.Add(l[k]); pooledF.Add(f[k]); }

            string? reason =
                layers < 3 ? $"fewer than 3 layers ({layers})"
                : !l.All(double.IsFinite) ? "learning has NaN or infinite values"
                : !f.All(double.IsFinite) ? "forgetting has NaN or infinite values"
                : HypothesisGrid.IsConstant(l) ? $"learning is constant across layers ({l[0]})"
                : HypothesisGrid.IsConstant(f) ? $"forgetting is constant across layers ({f[0]})"
                : null;
            if (reason is null)
            {
                try
                {
                    var c = Correlation.Pearson(l, f);
                    perEpoch.Add(new EpochLayerCorrelation(epoch, c.R, c.PValue, c.N));
                    continue;
                }
                catch (InvariscopeException ex) { reason = ex.Message; }
            }
            skipped.Add(new SkippedEpoch(epoch, reason));
        }

        double pooledR = double.NaN, pooledP = double.NaN;
        if (pooledL.Count >= 3 && !HypothesisGrid.IsConstant([.. pooledL]) && !HypothesisGrid.IsConstant([.. pooledF]))
        {
            try
            {
                var c = Correlation.Pearson([.. pooledL], [.. pooledF]);
                (pooledR, pooledP) = (c.R, c.PValue);
            }
            catch (InvariscopeException) { } // zero variance after rounding: undefined
        }
        double meanR = perEpoch.Count > 0 ? perEpoch.Average(c => c.R) : double.NaN;
        return new LearningForgettingResult(setting, perEpoch, skipped, meanR, pooledR, pooledP, pooledL.Count);
    }

    static string For(string setting) => string.IsNullOrEmpty(setting) ? "" : $" of '{setting}'";
}
