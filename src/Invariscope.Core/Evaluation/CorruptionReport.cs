using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Invariscope.Runtime;

namespace Invariscope.Evaluation;

/// <summary>One (corruption, severity) cell of a corruption benchmark.</summary>
/// <param name="Corruption">The corruption name.</param>
/// <param name="Severity">1 to 5.</param>
/// <param name="Accuracy">Top-1 accuracy in [0, 1] (0 for reconstruction).</param>
/// <param name="Loss">Mean loss per example.</param>
/// <param name="N">Examples evaluated.</param>
public sealed record CorruptionCell(
    [property: JsonPropertyName("corruption")] string Corruption,
    [property: JsonPropertyName("severity")] int Severity,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("n")] int N);

/// <summary>
/// Results of a corruption benchmark: one cell per (corruption, severity), the mean accuracy and loss per
/// severity (over corruptions) and overall (over all cells), and the clean result when it was measured.
/// </summary>
public sealed record CorruptionReport(string Checkpoint, string Task, string Normalize, string Source,
    IReadOnlyList<CorruptionCell> Cells, EvalResult? Clean, int? Limit, int Seed)
{
    /// <summary>CSV header of <see cref="ToCsv"/>.</summary>
    public const string CsvHeader = "corruption,severity,accuracy,loss,n";

    /// <summary>Severities present, ascending.</summary>
    public IReadOnlyList<int> Severities => Cells.Select(c => c.Severity).Distinct().Order().ToArray();
    /// <summary>Corruptions present, in evaluation order.</summary>
    public IReadOnlyList<string> Corruptions => Cells.Select(c => c.Corruption).Distinct().ToArray();
    /// <summary>Mean accuracy over corruptions, per severity.</summary>
    public IReadOnlyDictionary<int, double> MeanAccuracyBySeverity => CorruptionCells.MeanBySeverity(Cells, c => c.Accuracy);
    /// <summary>Mean loss over corruptions, per severity.</summary>
    public IReadOnlyDictionary<int, double> MeanLossBySeverity => CorruptionCells.MeanBySeverity(Cells, c => c.Loss);
    /// <summary>Mean accuracy over all cells.</summary>
    public double MeanAccuracy => CorruptionCells.Mean(Cells, c => c.Accuracy);
    /// <summary>Mean loss over all cells.</summary>
    public double MeanLoss => CorruptionCells.Mean(Cells, c => c.Loss);

    static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>One row per cell: <c>corruption,severity,accuracy,loss,n</c>.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var c in Cells) sb.Append($"{c.Corruption},{c.Severity},{F(c.Accuracy)},{F(c.Loss)},{c.N}\n");
        return sb.ToString();
    }

    /// <summary>The whole report as JSON (snake_case, <see cref="Json"/> policy: the means are NaN without cells).</summary>
    public string ToJson()
    {
        var cells = new JsonArray();
        foreach (var c in Cells)
            cells.Add(new JsonObject { ["corruption"] = c.Corruption, ["severity"] = c.Severity, ["accuracy"] = c.Accuracy, ["loss"] = c.Loss, ["n"] = c.N });
        var bySevAcc = new JsonObject();
        foreach (var (s, v) in MeanAccuracyBySeverity) bySevAcc[s.ToString(CultureInfo.InvariantCulture)] = v;
        var bySevLoss = new JsonObject();
        foreach (var (s, v) in MeanLossBySeverity) bySevLoss[s.ToString(CultureInfo.InvariantCulture)] = v;
        var doc = new JsonObject
        {
            ["checkpoint"] = Checkpoint,
            ["task"] = Task,
            ["normalize"] = Normalize,
            ["source"] = Source,
            ["limit"] = Limit,
            ["seed"] = Seed,
            ["clean"] = Clean is null ? null : new JsonObject { ["accuracy"] = Clean.Accuracy, ["loss"] = Clean.Loss, ["n"] = Clean.N },
            ["cells"] = cells,
            ["mean_accuracy_by_severity"] = bySevAcc,
            ["mean_loss_by_severity"] = bySevLoss,
            ["mean_accuracy"] = MeanAccuracy,
            ["mean_loss"] = MeanLoss,
        };
        return Json.Serialize(doc);
    }

    /// <summary>
    /// A compact table: one row per corruption, one column per severity plus the row mean, then the mean
    /// row; accuracy in percent for classification, loss for reconstruction.
    /// </summary>
    public string FormatTable()
    {
        bool acc = Task == "classification";
        string Cell(double v) => acc ? (100 * v).ToString("F1", CultureInfo.InvariantCulture) : v.ToString("F4", CultureInfo.InvariantCulture);
        double Value(CorruptionCell c) => acc ? c.Accuracy : c.Loss;
        var sevs = Severities;
        int w0 = Math.Max(10, Corruptions.Select(c => c.Length).DefaultIfEmpty(0).Max());
        int w = acc ? 6 : 8;
        var sb = new StringBuilder();
        sb.Append((acc ? "accuracy %" : "L1 loss").PadRight(w0));
        foreach (var s in sevs) sb.Append(' ').Append($"s{s}".PadLeft(w));
        sb.Append(' ').Append("mean".PadLeft(w)).Append('\n');
        foreach (var name in Corruptions)
        {
            sb.Append(name.PadRight(w0));
            var row = Cells.Where(c => c.Corruption == name).ToDictionary(c => c.Severity);
            foreach (var s in sevs) sb.Append(' ').Append((row.TryGetValue(s, out var c) ? Cell(Value(c)) : "-").PadLeft(w));
            sb.Append(' ').Append(Cell(row.Values.Average(Value)).PadLeft(w)).Append('\n');
        }
        var means = acc ? MeanAccuracyBySeverity : MeanLossBySeverity;
        sb.Append("mean".PadRight(w0));
        foreach (var s in sevs) sb.Append(' ').Append(Cell(means[s]).PadLeft(w));
        sb.Append(' ').Append(Cell(acc ? MeanAccuracy : MeanLoss).PadLeft(w)).Append('\n');
        if (Clean is not null)
            sb.Append(acc ? $"clean {Cell(Clean.Accuracy)} % (loss {Clean.Loss.ToString("F4", CultureInfo.InvariantCulture)}, n={Clean.N})\n"
                          : $"clean L1 {Cell(Clean.Loss)} (n={Clean.N})\n");
        return sb.ToString();
    }
}

/// <summary>Means over corruption cells, shared by single-checkpoint reports and per-epoch robustness.</summary>
public static class CorruptionCells
{
    /// <summary>Mean of <paramref name="value"/> over corruptions, per severity (ascending).</summary>
    public static IReadOnlyDictionary<int, double> MeanBySeverity(IEnumerable<CorruptionCell> cells, Func<CorruptionCell, double> value) =>
        cells.GroupBy(c => c.Severity).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Average(value));

    /// <summary>Mean of <paramref name="value"/> over every cell; NaN without cells.</summary>
    public static double Mean(IReadOnlyCollection<CorruptionCell> cells, Func<CorruptionCell, double> value) =>
        cells.Count == 0 ? double.NaN : cells.Average(value);
}
