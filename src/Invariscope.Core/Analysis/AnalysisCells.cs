using System.Text.Json.Serialization;

namespace Invariscope.Analysis;

/// <summary>How close one inversion came to its target: relative L2 error of m1(x') to m1(x) over the N images.</summary>
public sealed record InversionDiagnostics(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("layer")] string Layer,
    [property: JsonPropertyName("median")] double Median,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("mean")] double Mean)
{
    /// <summary>
    /// Median relative error above which an inversion "did not converge well": its images do not yet reproduce the
    /// layer's representation of the probe images, so its STIR values mix change with inversion error (the noise floor grows with it).
    /// </summary>
    public const double PoorMedian = 0.3;

    /// <summary>Whether the median relative error is above <see cref="PoorMedian"/>.</summary>
    [JsonIgnore] public bool ConvergedPoorly => Median > PoorMedian;

    /// <summary>The warning the analysis logs for a poorly converged inversion (and writes to results.json's <c>warnings</c>).</summary>
    [JsonIgnore] public string Warning => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"inversion on {Model} at {Layer}, seed {Seed}, did not converge well: median relative error {Median:F3} (max {Max:F3}); consider more --steps");

    /// <summary>Summarises per-image errors.</summary>
    public static InversionDiagnostics Of(string model, int seed, string layer, double[] errors)
    {
        var sorted = errors.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new InversionDiagnostics(model, seed, layer, median, sorted[^1], sorted.Average());
    }
}

/// <summary>
/// The STIR results of one (checkpoint, seed): the unit of work that a resumed analysis skips when done.
/// <see cref="FlowStir"/>[i][j] = STIR(f_j | p_i) (its diagonal is STIR(f_i | p_i), i.e. 1 − forgetting);
/// <see cref="StirPGivenF"/>[i] = STIR(p_i | f_i) (1 − learning). Null where not asked for. The loo arrays hold,
/// per layer, the same STIR value with each probe image left out in turn ([layer][i], the jackknife).
/// </summary>
public sealed record AnalysisCell(
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName(MetricNames.StirFGivenP)] double[]? StirFGivenP,
    [property: JsonPropertyName("flow_stir")] double[][]? FlowStir,
    [property: JsonPropertyName(MetricNames.StirPGivenF)] double[]? StirPGivenF,
    [property: JsonPropertyName("inversions")] IReadOnlyList<InversionDiagnostics> Inversions,
    [property: JsonPropertyName("loo_stir_f_given_p")] double[][]? LooFGivenP = null,
    [property: JsonPropertyName("loo_stir_p_given_f")] double[][]? LooPGivenF = null);

/// <summary>CKA divergence per layer of one checkpoint (seed-independent), and with each probe image left out ([layer][i]).</summary>
public sealed record CkaDivergenceCell(
    [property: JsonPropertyName("divergence")] double[] Divergence,
    [property: JsonPropertyName("loo_divergence")] double[][]? LeaveOneOut);
