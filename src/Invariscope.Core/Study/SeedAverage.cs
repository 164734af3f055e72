using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Training;

namespace Invariscope.Study;

/// <summary>
/// One setting's training seeds combined into the figures' view of it: per epoch present in every seed, the mean over
/// seeds of accuracies and losses, and of every per-layer metric with a 95% Student t interval across the seeds
/// (n − 1 df). The across-seed interval is the replication interval: it contains what the jackknife over probe images
/// and the STIR seeds do not, the variation from training itself. Pure functions over result records.
/// </summary>
public static class SeedAverage
{
    /// <summary>Mean and 95% t interval across seeds of one value; NaN bounds for a single seed.</summary>
    public static (double mean, double std, double lower, double upper) Interval(IReadOnlyList<double> values)
    {
        var (mean, std) = InvarianceMetrics.MeanStd(values);
        if (values.Count < 2) return (mean, std, double.NaN, double.NaN);
        double half = LayerIntervals.StudentQuantile(0.95, values.Count - 1) * std / Math.Sqrt(values.Count);
        return (mean, std, mean - half, mean + half);
    }

    /// <summary>Training metrics averaged over seeds, per (epoch, phase) present in every seed.</summary>
    public static IReadOnlyList<EpochMetrics> Metrics(IReadOnlyList<IReadOnlyList<EpochMetrics>> seeds)
    {
        if (seeds.Count == 1) return seeds[0];
        var rows = new List<EpochMetrics>();
        foreach (var first in seeds[0])
        {
            var same = seeds.Select(s => s.LastOrDefault(m => m.Epoch == first.Epoch && m.Phase == first.Phase)).ToList();
            if (same.Any(m => m is null)) continue;
            double Mean(Func<EpochMetrics, double> pick) => same.Average(m => pick(m!));
            rows.Add(first with
            {
                TrainLoss = Mean(m => m.TrainLoss), TrainAcc = Mean(m => m.TrainAcc), ValLoss = Mean(m => m.ValLoss),
                ValAcc = Mean(m => m.ValAcc), Seconds = Mean(m => m.Seconds), ImagesPerSecond = Mean(m => m.ImagesPerSecond),
            });
        }
        return rows;
    }

    /// <summary>Robustness averaged over seeds, per epoch evaluated in every seed (cells matched by corruption and severity).</summary>
    public static IReadOnlyList<EpochRobustness> Robustness(IReadOnlyList<IReadOnlyList<EpochRobustness>> seeds)
    {
        if (seeds.Count == 1) return seeds[0];
        var rows = new List<EpochRobustness>();
        foreach (var first in seeds[0])
        {
            var same = seeds.Select(s => s.FirstOrDefault(r => r.Epoch == first.Epoch)).ToList();
            if (same.Any(r => r is null)) continue;
            EvalResult Mean(IReadOnlyList<EvalResult> e) => new(e.Average(x => x.Loss), e.Average(x => x.Accuracy), e[0].N);
            var cells = first.Cells.Select(c =>
            {
                var matched = same.Select(r => r!.Cells.FirstOrDefault(o => o.Corruption == c.Corruption && o.Severity == c.Severity)).ToList();
                return matched.Any(m => m is null) ? null
                    : c with { Accuracy = matched.Average(m => m!.Accuracy), Loss = matched.Average(m => m!.Loss) };
            }).OfType<CorruptionCell>().ToList();
            var ood = same.All(r => r!.Ood is not null) ? Mean(same.Select(r => r!.Ood!).ToList()) : null;
            rows.Add(first with { Clean = Mean(same.Select(r => r!.Clean).ToList()), Ood = ood, Cells = cells });
        }
        return rows;
    }

    /// <summary>
    /// The analyses of every seed as one: per epoch analysed in every seed, each per-layer metric's mean over seeds,
    /// its std across seeds, and the 95% t interval across seeds; the flow matrix averaged over seeds.
    /// </summary>
    public static AnalysisResults Analysis(IReadOnlyList<AnalysisResults> seeds)
    {
        if (seeds.Count == 1) return seeds[0];
        var layers = seeds[0].Layers;
        var checkpoints = new List<CheckpointResult>();
        foreach (var first in seeds[0].Checkpoints)
        {
            var same = seeds.Select(s => s.Checkpoints.FirstOrDefault(c => c.Epoch == first.Epoch)).ToList();
            if (first.Epoch is null || same.Any(c => c is null)) continue;
            var perLayer = new Dictionary<string, LayerSeries>();
            foreach (var metric in first.PerLayer.Keys.Where(m => same.All(c => c!.PerLayer.ContainsKey(m))))
            {
                var stats = Enumerable.Range(0, layers.Count).Select(l => Interval(same.Select(c => c!.PerLayer[metric].Mean[l]).ToList())).ToArray();
                perLayer[metric] = new LayerSeries(stats.Select(s => s.mean).ToArray(), stats.Select(s => s.std).ToArray(), seeds.Count,
                    stats.Select(s => Math.Max(s.lower, 0)).ToArray(), stats.Select(s => Math.Min(s.upper, 1)).ToArray());
            }
            double[][]? flowMean = null;
            FlowSummary? summary = null;
            if (same.All(c => c!.FlowMean is not null))
            {
                int n = layers.Count;
                flowMean = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => same.Average(c => c!.FlowMean![i][j])).ToArray()).ToArray();
                summary = InvarianceMetrics.Summarize(AnalysisResults.ToArray(flowMean));
            }
            checkpoints.Add(new CheckpointResult(first.Checkpoint, first.Epoch, perLayer, flowMean, null, summary,
                AnalysisResults.Aggregates(perLayer, layers.Count)));
        }
        return new AnalysisResults(seeds[0].Settings, layers, checkpoints, seeds.SelectMany(s => s.Inversions).ToList());
    }
}
