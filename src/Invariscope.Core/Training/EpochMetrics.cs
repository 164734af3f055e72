using System.Globalization;
using System.Text.Json.Serialization;

namespace Invariscope.Training;

/// <summary>
/// One epoch's numbers. Accuracies are fractions; for reconstruction losses are L1 and accuracies 0. Without
/// validation data the validation loss and accuracy are NaN (written as <c>"NaN"</c>, see <see cref="Runtime.Json"/>).
/// </summary>
public sealed record EpochMetrics(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("train_loss")] double TrainLoss,
    [property: JsonPropertyName("train_acc")] double TrainAcc,
    [property: JsonPropertyName("val_loss")] double ValLoss,
    [property: JsonPropertyName("val_acc")] double ValAcc,
    [property: JsonPropertyName("lr")] double Lr,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("img_per_s")] double ImagesPerSecond)
{
    /// <summary>The CSV header line.</summary>
    public const string CsvHeader = "epoch,phase,train_loss,train_acc,val_loss,val_acc,lr,seconds,img_per_s";

    /// <summary>This row as CSV (invariant culture).</summary>
    public string ToCsv() => string.Join(",", new object[] { Epoch, Phase, TrainLoss, TrainAcc, ValLoss, ValAcc, Lr, Seconds, ImagesPerSecond }
        .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
}
