using Invariscope.Analysis;
using Invariscope.Analysis.Robustness;
using Invariscope.Analysis.Statistics;

namespace Invariscope.Study;

/// <summary>
/// Statistics across training seeds: the hypothesis grid pooled over seeds, and per-layer differences between
/// settings tested across seeds (Welch t on the seeds' final values, the training run as the unit of replication).
/// </summary>
public static class SeedStatistics
{
    /// <summary>Per target, the grid pooled over the seeds whose statistics have that target's family.</summary>
    public static IReadOnlyList<PooledFamily> Pooled(IReadOnlyList<SettingStatistics> perSeed, StudyStatisticsOptions options)
    {
        var targets = perSeed.SelectMany(s => s.Families.Select(f => f.Target)).Distinct().ToList();
        var pooled = new List<PooledFamily>();
        foreach (var target in targets)
        {
            var inputs = perSeed.Where(s => s.Table is not null && s.Targets.ContainsKey(target) && s.Families.Any(f => f.Target == target))
                .Select(s => new SeedGridInput(s.Table!, s.Targets[target], s.Families.First(f => f.Target == target))).ToList();
            if (inputs.Count < 2 || inputs.Any(i => !i.Table.Layers.SequenceEqual(inputs[0].Table.Layers))) continue;
            pooled.Add(PooledGrid.Run(inputs, target, options.Alpha, options.Robust, options.Permutations));
        }
        return pooled;
    }

    /// <summary>
    /// For every pair of settings that both have at least two analysed training seeds, per compared metric and layer:
    /// the difference of the seed means at the final epoch, its 95% Welch interval and two-sided p.
    /// </summary>
    public static IReadOnlyList<LayerDifference> Differences(StudyResults results)
    {
        var replicated = results.Settings
            .Select(s => (s, finals: s.Runs.Where(r => r.Replicates is null && s.Replicates is { Count: > 1 } && r.Analysis is not null)
                .Select(r => r.Analysis!).ToList()))
            .Where(t => t.finals.Count > 1).ToList();
        var list = new List<LayerDifference>();
        for (int i = 0; i < replicated.Count; i++)
            for (int j = i + 1; j < replicated.Count; j++)
            {
                var (a, b) = (replicated[i], replicated[j]);
                var layers = a.finals[0].Layers;
                if (!a.finals.Concat(b.finals).All(f => f.Layers.SequenceEqual(layers))) continue;
                foreach (var metric in MetricNames.Compared)
                {
                    if (!a.finals.Concat(b.finals).All(f => f.Final.PerLayer.ContainsKey(metric))) continue;
                    for (int l = 0; l < layers.Count; l++)
                    {
                        var xa = a.finals.Select(f => f.Final.PerLayer[metric].Mean[l]).ToArray();
                        var xb = b.finals.Select(f => f.Final.PerLayer[metric].Mean[l]).ToArray();
                        var (d, lo, hi, p) = Welch(xa, xb);
                        list.Add(new LayerDifference(metric, a.s.Label, b.s.Label, layers[l], d, lo, hi)
                        { Basis = "training_seeds", P = p, Seeds = [xa.Length, xb.Length] });
                    }
                }
            }
        return list;
    }

    /// <summary>Welch's two-sample t: mean difference a − b, its 95% interval and two-sided p (NaN when both variances are 0).</summary>
    public static (double difference, double lower, double upper, double p) Welch(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var (ma, sa) = InvarianceMetrics.MeanStd(a);
        var (mb, sb) = InvarianceMetrics.MeanStd(b);
        double va = sa * sa / a.Count, vb = sb * sb / b.Count, se = Math.Sqrt(va + vb), d = ma - mb;
        // constant samples: MeanStd's mean is not exact (e.g. [0.1, 0.1, 0.1]), so se can be ~1e-17 instead of 0
        if (!(se > 0) || (a.All(v => v == a[0]) && b.All(v => v == b[0]))) return (d, double.NaN, double.NaN, double.NaN);
        double df = (va + vb) * (va + vb) / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        double half = LayerIntervals.StudentQuantile(0.95, df) * se;
        return (d, d - half, d + half, SpecialFunctions.StudentTTwoSidedP(d / se, df));
    }
}
