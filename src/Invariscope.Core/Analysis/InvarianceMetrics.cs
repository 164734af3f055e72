using System.Text.Json.Serialization;

namespace Invariscope.Analysis;

/// <summary>Summary of an Invariance Flow Matrix.</summary>
/// <param name="Compression">Mean of IF(i, j) over j &lt; i (finetuned layers earlier than the pretrained one).</param>
/// <param name="Expansion">Mean of IF(i, j) over j &gt; i (finetuned layers deeper than the pretrained one).</param>
/// <param name="PositiveCompression">Mean of max(IF(i, j), 0) over j &lt; i: invariances that moved to earlier layers.</param>
/// <param name="PositiveExpansion">Mean of max(IF(i, j), 0) over j &gt; i: invariances that moved to deeper layers.</param>
public sealed record FlowSummary(
    [property: JsonPropertyName("compression")] double Compression,
    [property: JsonPropertyName("expansion")] double Expansion,
    [property: JsonPropertyName("positive_compression")] double PositiveCompression,
    [property: JsonPropertyName("positive_expansion")] double PositiveExpansion);

/// <summary>Across-layer aggregates of a per-layer metric, as the paper's robustness analysis uses them.</summary>
public sealed record LayerAggregate(
    [property: JsonPropertyName("range")] string Range,
    [property: JsonPropertyName("from")] int From,
    [property: JsonPropertyName("to")] int To,
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("std")] double Std,
    [property: JsonPropertyName("min")] double Min,
    [property: JsonPropertyName("max")] double Max);

/// <summary>
/// The invariance metrics of Merlin et al. 2023 as pure functions of STIR and CKA values. Conventions:
/// <list type="bullet">
/// <item>Forgetting_l = 1 − STIR(f_l | p_l): invert on the pretrained layer, compare on the finetuned one
/// (pretrained invariances the finetuned layer no longer shares).</item>
/// <item>Learning_l = 1 − STIR(p_l | f_l): invert on the finetuned layer, compare on the pretrained one
/// (new invariances the pretrained layer lacks).</item>
/// <item>CKA divergence_l = 1 − CKA(p_l(X), f_l(X)).</item>
/// <item>Invariance flow IF(i, j) = STIR(f_j | p_i) − STIR(f_i | p_i) for pretrained layer i (row) and finetuned
/// layer j (column); the diagonal is 0, below it (j &lt; i) is compression, above it (j &gt; i) expansion.</item>
/// </list>
/// </summary>
public static class InvarianceMetrics
{
    /// <summary>1 − a STIR or CKA similarity.</summary>
    public static double Dissimilarity(double similarity) => 1 - similarity;

    /// <summary>
    /// The flow matrix from <paramref name="stir"/>[i, j] = STIR(f_j | p_i) (rows: pretrained layers i,
    /// columns: finetuned layers j, same layer list on both axes): IF(i, j) = stir[i, j] − stir[i, i].
    /// </summary>
    public static double[,] Flow(double[,] stir)
    {
        int n = stir.GetLength(0);
        if (stir.GetLength(1) != n) throw new ArgumentException($"the STIR matrix must be square, got {n}x{stir.GetLength(1)}");
        var flow = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                flow[i, j] = stir[i, j] - stir[i, i];
        return flow;
    }

    /// <summary>Compression (below the diagonal) and expansion (above it) of a flow matrix; NaN where a side is empty.</summary>
    public static FlowSummary Summarize(double[,] flow)
    {
        int n = flow.GetLength(0);
        var below = new List<double>();
        var above = new List<double>();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (j < i) below.Add(flow[i, j]);
                else if (j > i) above.Add(flow[i, j]);
        static double Mean(IEnumerable<double> v) => v.Any() ? v.Average() : double.NaN;
        return new FlowSummary(Mean(below), Mean(above), Mean(below.Select(v => Math.Max(v, 0))), Mean(above.Select(v => Math.Max(v, 0))));
    }

    /// <summary>Mean, population std, min and max of <paramref name="values"/>[from..to] (inclusive).</summary>
    public static LayerAggregate Aggregate(IReadOnlyList<double> values, int from, int to, string range)
    {
        if (from < 0 || to >= values.Count || from > to) throw new ArgumentOutOfRangeException(nameof(from), $"layer range {from}..{to} of {values.Count}");
        var v = values.Skip(from).Take(to - from + 1).ToArray();
        double mean = v.Average();
        double std = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average());
        return new LayerAggregate(range, from, to, mean, std, v.Min(), v.Max());
    }

    /// <summary>
    /// The layer ranges of the paper's hypothesis grid for <paramref name="count"/> layers: all layers, each single
    /// layer, the first k and the last k layers for k = 2..count−1.
    /// </summary>
    public static IEnumerable<(string name, int from, int to)> Ranges(int count)
    {
        yield return ("all", 0, count - 1);
        for (int l = 0; l < count; l++) yield return ($"layer{l}", l, l);
        for (int k = 2; k < count; k++)
        {
            yield return ($"first{k}", 0, k - 1);
            yield return ($"last{k}", count - k, count - 1);
        }
    }

    /// <summary>Mean and sample std (n − 1; 0 for one value) of repeated measurements, e.g. over STIR seeds.</summary>
    public static (double mean, double std) MeanStd(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return (double.NaN, double.NaN);
        double mean = values.Average();
        double std = values.Count > 1 ? Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (values.Count - 1)) : 0;
        return (mean, std);
    }
}
