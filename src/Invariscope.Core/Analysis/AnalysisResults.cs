using System.Text;
using System.Text.Json.Serialization;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Analysis;

/// <summary>
/// A per-layer metric over seeds: mean and sample std per layer and, when the analysis computed intervals, a 95%
/// interval of the mean over probe images and seeds, with its leave-one-out replicates ([layer][i], see
/// <see cref="LayerIntervals"/>).
/// </summary>
public sealed record LayerSeries(
    [property: JsonPropertyName("mean")] double[] Mean,
    [property: JsonPropertyName("std")] double[] Std,
    [property: JsonPropertyName("seeds")] int Seeds,
    [property: JsonPropertyName("lower")] double[]? Lower = null,
    [property: JsonPropertyName("upper")] double[]? Upper = null,
    [property: JsonPropertyName("replicates")] double[][]? Replicates = null)
{
    /// <summary>
    /// Adds the interval of each layer's mean from its leave-one-out replicates [layer][i] (null: none), clipped to
    /// [0, 1], the range of every per-layer metric (STIR, learning, forgetting, CKA divergence).
    /// </summary>
    public LayerSeries WithReplicates(double[][]? replicates)
    {
        if (replicates is null) return this;
        var bounds = replicates.Select((r, l) => LayerIntervals.Interval(Mean[l], r, Std[l], Seeds))
            .Select(b => (lower: Math.Max(b.lower, 0), upper: Math.Min(b.upper, 1))).ToArray();
        return this with { Lower = bounds.Select(b => b.lower).ToArray(), Upper = bounds.Select(b => b.upper).ToArray(), Replicates = replicates };
    }
}

/// <summary>Everything measured for one checkpoint.</summary>
public sealed record CheckpointResult(
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("epoch")] int? Epoch,
    [property: JsonPropertyName("per_layer")] IReadOnlyDictionary<string, LayerSeries> PerLayer,
    [property: JsonPropertyName("flow_mean")] double[][]? FlowMean,
    [property: JsonPropertyName("flow_std")] double[][]? FlowStd,
    [property: JsonPropertyName("flow_summary")] FlowSummary? FlowSummary,
    [property: JsonPropertyName("aggregates")] IReadOnlyDictionary<string, IReadOnlyList<LayerAggregate>> Aggregates);

/// <summary>
/// The results of an analysis: per checkpoint (epoch), per layer, mean and std over seeds of learning, forgetting,
/// the two STIR directions and CKA divergence; the flow matrix and its summary; across-layer aggregates; and every
/// inversion's diagnostics. Written as results.json plus CSV tables, from the cells alone.
/// </summary>
public sealed record AnalysisResults(
    [property: JsonPropertyName("settings")] AnalysisSettings Settings,
    [property: JsonPropertyName("layers")] IReadOnlyList<string> Layers,
    [property: JsonPropertyName("checkpoints")] IReadOnlyList<CheckpointResult> Checkpoints,
    [property: JsonPropertyName("inversions")] IReadOnlyList<InversionDiagnostics> Inversions)
{
    /// <summary>
    /// The warnings of the inversions that did not converge well (<see cref="InversionDiagnostics.ConvergedPoorly"/>),
    /// as the analysis logged them: written into results.json so that the report, which reads only result files, shows them.
    /// </summary>
    [JsonPropertyName("warnings")] public IReadOnlyList<string> Warnings => [.. Inversions.Where(d => d.ConvergedPoorly).Select(d => d.Warning)];

    /// <summary>The last checkpoint by epoch (one without an epoch counts as last).</summary>
    [JsonIgnore] public CheckpointResult Final => Checkpoints.OrderBy(c => c.Epoch ?? int.MaxValue).Last();

    /// <summary>Reads every finished cell and writes results.json, per_layer.csv, flow.csv, aggregates.csv and inversions.csv.</summary>
    public static AnalysisResults Collect(AnalysisSettings settings, AnalysisLayout folder, IReadOnlyList<AnalyzedCheckpoint> checkpoints, string[] layers)
    {
        var results = new List<CheckpointResult>();
        var diagnostics = new List<InversionDiagnostics>();
        foreach (var ckpt in checkpoints)
        {
            var cells = Enumerable.Range(0, settings.Seeds).Select(s => Json.Read<AnalysisCell>(folder.Cell(ckpt.Label, s))).OfType<AnalysisCell>().ToList();
            foreach (var c in cells) diagnostics.AddRange(c.Inversions); // pretrained inversions repeat per checkpoint: Distinct below
            var perLayer = new Dictionary<string, LayerSeries>();
            void Add(string name, Func<AnalysisCell, double[]?> pick, Func<AnalysisCell, double[][]?> leaveOneOut, bool dissimilarity)
            {
                double T(double v) => dissimilarity ? InvarianceMetrics.Dissimilarity(v) : v;
                var used = cells.Where(c => pick(c) is not null).ToList();
                if (used.Count == 0) return;
                var runs = used.Select(c => pick(c)!.Select(T).ToArray()).ToList();
                var stats = Enumerable.Range(0, layers.Length).Select(l => InvarianceMetrics.MeanStd(runs.Select(r => r[l]).ToList())).ToArray();
                var loo = used.Select(leaveOneOut).ToList();
                var replicates = loo.All(b => b is { Length: > 0 } && b[0].Length > 0)
                    ? LayerIntervals.SeedMean(loo.Select(b => b!.Select(row => row.Select(T).ToArray()).ToArray()).ToList())
                    : null;
                perLayer[name] = new LayerSeries(stats.Select(s => s.mean).ToArray(), stats.Select(s => s.std).ToArray(), runs.Count)
                    .WithReplicates(replicates);
            }
            if (settings.Wants(MetricNames.Forgetting)) Add(MetricNames.Forgetting, c => c.StirFGivenP, c => c.LooFGivenP, true);
            if (settings.Wants(MetricNames.Learning)) Add(MetricNames.Learning, c => c.StirPGivenF, c => c.LooPGivenF, true);
            if (settings.Wants(MetricNames.Stir))
            {
                Add(MetricNames.StirFGivenP, c => c.StirFGivenP, c => c.LooFGivenP, false);
                Add(MetricNames.StirPGivenF, c => c.StirPGivenF, c => c.LooPGivenF, false);
            }
            if (Json.Read<CkaDivergenceCell>(folder.CkaCell(ckpt.Label)) is { } cka)
                perLayer[MetricNames.CkaDivergence] = new LayerSeries(cka.Divergence, new double[cka.Divergence.Length], 1)
                    .WithReplicates(cka.LeaveOneOut is { Length: > 0 } && cka.LeaveOneOut[0].Length > 0 ? cka.LeaveOneOut : null);

            double[][]? flowMean = null, flowStd = null;
            FlowSummary? summary = null;
            var flows = cells.Select(c => c.FlowStir).OfType<double[][]>().Select(m => InvarianceMetrics.Flow(ToArray(m))).ToList();
            if (flows.Count > 0)
            {
                int n = layers.Length;
                flowMean = new double[n][];
                flowStd = new double[n][];
                var mean = new double[n, n];
                for (int i = 0; i < n; i++)
                {
                    flowMean[i] = new double[n];
                    flowStd[i] = new double[n];
                    for (int j = 0; j < n; j++)
                    {
                        (flowMean[i][j], flowStd[i][j]) = InvarianceMetrics.MeanStd(flows.Select(f => f[i, j]).ToList());
                        mean[i, j] = flowMean[i][j];
                    }
                }
                summary = InvarianceMetrics.Summarize(mean);
            }
            results.Add(new CheckpointResult(ckpt.Label, ckpt.Epoch, perLayer, flowMean, flowStd, summary, Aggregates(perLayer, layers.Length)));
        }
        var all = new AnalysisResults(settings, layers, results, diagnostics.Distinct().ToList());
        all.Write(folder);
        return all;
    }

    /// <summary>Every metric's across-layer aggregates (mean, std, min, max over each layer range) of its per-layer means.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<LayerAggregate>> Aggregates(IReadOnlyDictionary<string, LayerSeries> perLayer, int layers) =>
        perLayer.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<LayerAggregate>)InvarianceMetrics.Ranges(layers)
            .Select(r => InvarianceMetrics.Aggregate(kv.Value.Mean, r.from, r.to, r.name)).ToList());

    internal static double[,] ToArray(double[][] m)
    {
        var a = new double[m.Length, m.Length];
        for (int i = 0; i < m.Length; i++)
            for (int j = 0; j < m.Length; j++) a[i, j] = m[i][j];
        return a;
    }

    static string F(double v) => Csv.Number(v);

    /// <summary>The header of per_layer.csv (also of the study's stacked per_layer.csv).</summary>
    public const string PerLayerCsvHeader = RunIdentity.CsvHeader + ",checkpoint,epoch,layer,metric,mean,std,seeds,lower95,upper95";

    /// <summary>The rows of per_layer.csv, each after <paramref name="id"/>'s setting and seed (the study stacks them).</summary>
    public IEnumerable<string> PerLayerRows(RunIdentity id)
    {
        foreach (var c in Checkpoints)
            foreach (var (metric, s) in c.PerLayer)
                for (int l = 0; l < Layers.Count; l++)
                    yield return id.CsvPrefix + Csv.Row(c.Checkpoint, Csv.Integer(c.Epoch), Layers[l], metric, F(s.Mean[l]), F(s.Std[l]), Csv.Integer(s.Seeds),
                        s.Lower is null ? "" : F(s.Lower[l]), s.Upper is null ? "" : F(s.Upper[l]));
    }

    void Write(AnalysisLayout folder)
    {
        // every table starts with the setting and training seed of the run analysed, so a study's tables stack
        var id = RunIdentity.OfFinetuned(Settings.Finetuned);
        var perLayer = new StringBuilder(PerLayerCsvHeader + "\n");
        foreach (var row in PerLayerRows(id)) perLayer.Append(row).Append('\n');
        var flow = new StringBuilder(RunIdentity.CsvHeader + ",checkpoint,epoch,pretrained_layer,finetuned_layer,mean,std\n");
        var aggregates = new StringBuilder(RunIdentity.CsvHeader + ",checkpoint,epoch,metric,range,from,to,mean,std,min,max\n");
        foreach (var c in Checkpoints)
        {
            if (c.FlowMean is not null)
                for (int i = 0; i < Layers.Count; i++)
                    for (int j = 0; j < Layers.Count; j++)
                        flow.Append(id.CsvPrefix).Append(Csv.Row(c.Checkpoint, Csv.Integer(c.Epoch), Layers[i], Layers[j], F(c.FlowMean[i][j]), F(c.FlowStd![i][j]))).Append('\n');
            foreach (var (metric, list) in c.Aggregates)
                foreach (var a in list)
                    aggregates.Append(id.CsvPrefix).Append(Csv.Row(c.Checkpoint, Csv.Integer(c.Epoch), metric, a.Range, Csv.Integer(a.From), Csv.Integer(a.To),
                        F(a.Mean), F(a.Std), F(a.Min), F(a.Max))).Append('\n');
        }
        // stir_seed: the inversion's seed (the setting's training seed is the seed column)
        var inversions = new StringBuilder(RunIdentity.CsvHeader + ",model,stir_seed,layer,median_rel_error,max_rel_error,mean_rel_error,converged_poorly\n");
        foreach (var d in Inversions)
            inversions.Append(id.CsvPrefix).Append(Csv.Row(d.Model, Csv.Integer(d.Seed), d.Layer, F(d.Median), F(d.Max), F(d.Mean), Csv.Bool(d.ConvergedPoorly))).Append('\n');
        AtomicFile.WriteText(folder.PerLayerCsv, perLayer.ToString());
        AtomicFile.WriteText(folder.FlowCsv, flow.ToString());
        AtomicFile.WriteText(folder.AggregatesCsv, aggregates.ToString());
        AtomicFile.WriteText(folder.InversionsCsv, inversions.ToString());
        Json.Write(folder.Results, this); // last: its presence means the analysis and its tables are complete
    }
}
