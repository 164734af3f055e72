using System.Text.Json.Serialization;

namespace Invariscope.Evaluation;

/// <summary>One epoch's robustness: clean, OOD, every corruption cell, and means per severity.</summary>
public sealed record EpochRobustness(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("clean")] EvalResult Clean,
    [property: JsonPropertyName("ood")] EvalResult? Ood,
    [property: JsonPropertyName("cells")] IReadOnlyList<CorruptionCell> Cells)
{
    /// <summary>Mean accuracy over corruptions, per severity.</summary>
    [JsonPropertyName("accuracy_by_severity")]
    public IReadOnlyDictionary<int, double> AccuracyBySeverity => CorruptionCells.MeanBySeverity(Cells, c => c.Accuracy);
    /// <summary>Mean loss over corruptions, per severity.</summary>
    [JsonPropertyName("loss_by_severity")]
    public IReadOnlyDictionary<int, double> LossBySeverity => CorruptionCells.MeanBySeverity(Cells, c => c.Loss);
    /// <summary>Mean accuracy over every corruption cell (NaN without corruptions).</summary>
    [JsonPropertyName("mean_corrupted_accuracy")]
    public double MeanCorruptedAccuracy => CorruptionCells.Mean(Cells, c => c.Accuracy);
    /// <summary>Mean loss over every corruption cell.</summary>
    [JsonPropertyName("mean_corrupted_loss")]
    public double MeanCorruptedLoss => CorruptionCells.Mean(Cells, c => c.Loss);
}
