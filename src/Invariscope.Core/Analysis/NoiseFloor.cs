using System.Text.Json.Serialization;

namespace Invariscope.Analysis;

/// <summary>One layer's noise floor and the final checkpoint's learning and forgetting, raw and above it.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Floor">1 − STIR(p|p): what an inversion of p scores against p itself, i.e. inversion error, not change.</param>
/// <param name="Learning">Learning at the final checkpoint (NaN if not measured there).</param>
/// <param name="LearningAboveFloor">Learning − floor.</param>
/// <param name="Forgetting">Forgetting at the final checkpoint.</param>
/// <param name="ForgettingAboveFloor">Forgetting − floor.</param>
public sealed record FloorRow(
    [property: JsonPropertyName("layer")] string Layer,
    [property: JsonPropertyName("floor")] double Floor,
    [property: JsonPropertyName(MetricNames.Learning)] double Learning,
    [property: JsonPropertyName("learning_above_floor")] double LearningAboveFloor,
    [property: JsonPropertyName(MetricNames.Forgetting)] double Forgetting,
    [property: JsonPropertyName("forgetting_above_floor")] double ForgettingAboveFloor);

/// <summary>
/// The noise floor of STIR per layer. At epoch 0 the finetuned model is p itself, so its forgetting and learning,
/// 1 − STIR(p|p), are not zero but the inversion's own error (typically 0.02–0.03 here): a change below it is not a
/// change. Pure function of the analysis results.
/// </summary>
public static class NoiseFloor
{
    /// <summary>The floor per layer (forgetting at epoch 0), or null when epoch 0 was not analysed.</summary>
    public static double[]? Floor(AnalysisResults analysis) =>
        analysis.Checkpoints.FirstOrDefault(c => c.Epoch == 0) is { } zero && zero.PerLayer.TryGetValue(MetricNames.Forgetting, out var f) ? f.Mean : null;

    /// <summary>Per layer: the floor, and the final checkpoint's learning and forgetting raw and above the floor; null without epoch 0.</summary>
    public static IReadOnlyList<FloorRow>? Rows(AnalysisResults analysis)
    {
        if (Floor(analysis) is not { } floor) return null;
        var final = analysis.Final;
        double At(string metric, int l) => final.PerLayer.TryGetValue(metric, out var s) ? s.Mean[l] : double.NaN;
        return [.. analysis.Layers.Select((layer, l) =>
            new FloorRow(layer, floor[l], At(MetricNames.Learning, l), At(MetricNames.Learning, l) - floor[l], At(MetricNames.Forgetting, l), At(MetricNames.Forgetting, l) - floor[l]))];
    }
}
