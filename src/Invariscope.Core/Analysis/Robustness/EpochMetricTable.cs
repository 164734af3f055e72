using System.Text.Json.Serialization;
using Invariscope.Runtime;

namespace Invariscope.Analysis.Robustness;

/// <summary>
/// Per-epoch metrics of one finetuning run: <c>Epochs[e]</c> is the epoch number of row e;
/// <c>Learning[e][layer]</c>, <c>Forgetting[e][layer]</c> and <c>CkaDivergence[e][layer]</c> are the per-layer
/// metrics at that epoch (any of them may be null when not measured); <see cref="Layers"/> names the layer columns.
/// Epochs must be strictly increasing, so "epochs up to e" is a prefix of the rows.
/// </summary>
/// <param name="Epochs">Epoch numbers, strictly increasing (epoch 0 is usually the pretrained model).</param>
/// <param name="Layers">Layer names, one per column of the metric arrays.</param>
/// <param name="Learning">Learning λ (1 − STIR(p | f)) per epoch and layer, or null.</param>
/// <param name="Forgetting">Forgetting φ (1 − STIR(f | p)) per epoch and layer, or null.</param>
/// <param name="CkaDivergence">1 − CKA per epoch and layer, or null.</param>
public sealed record EpochMetricTable(
    [property: JsonPropertyName("epochs")] int[] Epochs,
    [property: JsonPropertyName("layers")] IReadOnlyList<string> Layers,
    [property: JsonPropertyName(MetricNames.Learning)] double[][]? Learning,
    [property: JsonPropertyName(MetricNames.Forgetting)] double[][]? Forgetting,
    [property: JsonPropertyName(MetricNames.CkaDivergence)] double[][]? CkaDivergence)
{
    /// <summary>
    /// Checks the shape: epochs and layers present, at least one layer and one metric, epochs strictly increasing,
    /// every present metric with one row per epoch and one value per layer. NaN values are allowed (the analyses treat
    /// what they touch as undefined). Throws <see cref="InvariscopeException"/> with a one-line message naming the problem.
    /// </summary>
    public void Validate()
    {
        if (Epochs is null) throw new InvariscopeException("Epoch metric table: Epochs is null.");
        if (Layers is null) throw new InvariscopeException("Epoch metric table: Layers is null.");
        if (Layers.Count < 1) throw new InvariscopeException("Epoch metric table: Layers is empty; need at least one layer.");
        if (Learning is null && Forgetting is null && CkaDivergence is null)
            throw new InvariscopeException("Epoch metric table: Learning, Forgetting and CkaDivergence are all null; nothing to analyse.");
        for (int e = 1; e < Epochs.Length; e++)
            if (Epochs[e] <= Epochs[e - 1])
                throw new InvariscopeException(
                    $"Epoch metric table: Epochs must be strictly increasing, but Epochs[{e}] = {Epochs[e]} follows {Epochs[e - 1]}.");
        Check(Learning, nameof(Learning));
        Check(Forgetting, nameof(Forgetting));
        Check(CkaDivergence, nameof(CkaDivergence));
    }

    void Check(double[][]? metric, string name)
    {
        if (metric is null) return;
        if (metric.Length != Epochs.Length)
            throw new InvariscopeException(
                $"Epoch metric table: {name} has {metric.Length} epoch rows but Epochs has {Epochs.Length}.");
        for (int e = 0; e < metric.Length; e++)
        {
            if (metric[e] is null)
                throw new InvariscopeException($"Epoch metric table: {name} row {e} (epoch {Epochs[e]}) is null.");
            if (metric[e].Length != Layers.Count)
                throw new InvariscopeException(
                    $"Epoch metric table: {name} row {e} (epoch {Epochs[e]}) has {metric[e].Length} layer values but Layers names {Layers.Count} (ragged layer array).");
        }
    }
}
