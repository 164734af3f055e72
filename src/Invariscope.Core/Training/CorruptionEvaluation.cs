using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Invariscope.Data;
using Invariscope.Data.Corruptions;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Training;

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

/// <summary>What to evaluate: corruptions × severities, on the fly or from a CIFAR-C folder.</summary>
/// <param name="Corruptions">Corruption names (any file stem when <paramref name="CifarCFolder"/> is set).</param>
/// <param name="Severities">Severities, each 1 to 5.</param>
/// <param name="Limit">At most this many examples per cell (a seeded random subset, the same in every cell); null = all.</param>
/// <param name="Seed">Seeds the corruption noise (image i gets seed + i) and the <paramref name="Limit"/> subset.</param>
/// <param name="CifarCFolder">A CIFAR-10-C style folder of .npy files to read instead of corrupting on the fly.</param>
public sealed record CorruptionPlan(IReadOnlyList<string> Corruptions, IReadOnlyList<int> Severities, int? Limit = null,
    int Seed = 0, string? CifarCFolder = null)
{
    /// <summary>The seeded <see cref="Limit"/> subset of <paramref name="data"/> (all of it without a limit).</summary>
    public IImageDataset Limited(IImageDataset data) => Limit is int n ? data.Limit(n, Seed) : data;

    /// <summary>
    /// Hands the data of one cell to <paramref name="use"/>: on the fly, <paramref name="cleanSubset"/> (already
    /// limited) corrupted with <see cref="Seed"/>; from a CIFAR-C folder, the file's slice, limited the same way and
    /// closed after <paramref name="use"/> returns.
    /// </summary>
    public T OnCell<T>(IImageDataset? cleanSubset, string corruption, int severity, Func<IImageDataset, T> use)
    {
        if (CifarCFolder is null)
            return use(new CorruptedDataset(cleanSubset ?? throw new InvariscopeException("corrupting on the fly needs clean data"), corruption, severity, Seed));
        using var slice = new CifarCDataset(CifarCFolder, corruption, severity);
        return use(Limited(slice));
    }

    /// <summary>
    /// Parses <c>all</c> (the 15 standard corruptions) or a comma list. Names are checked against
    /// <see cref="Data.Corruptions.Corruptions.All"/> unless <paramref name="anyName"/> (a CIFAR-C folder may hold others).
    /// </summary>
    /// <exception cref="InvariscopeException">An unknown or repeated name, or an empty list.</exception>
    public static IReadOnlyList<string> ParseCorruptions(string? text, bool anyName = false)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Equals("all", StringComparison.OrdinalIgnoreCase)) return Data.Corruptions.Corruptions.All;
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0) throw new InvariscopeException($"--corruptions '{text}': no names given");
        foreach (var n in names)
        {
            if (!anyName && !Data.Corruptions.Corruptions.All.Contains(n))
                throw new InvariscopeException($"--corruptions: unknown corruption '{n}'; valid: all, {string.Join(", ", Data.Corruptions.Corruptions.All)}");
            if (anyName && (n.Contains('/') || n.Contains('\\') || n == "labels"))
                throw new InvariscopeException($"--corruptions: '{n}' is not a corruption file stem");
        }
        var dup = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new InvariscopeException($"--corruptions: '{dup.Key}' is listed twice");
        return names;
    }

    /// <summary>Parses a range <c>1-5</c>, a list <c>1,3,5</c> or a mix (<c>1-2,5</c>); sorted and distinct.</summary>
    /// <exception cref="InvariscopeException">Not a number, an empty or reversed range, or a severity outside 1-5.</exception>
    public static IReadOnlyList<int> ParseSeverities(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) return [1, 2, 3, 4, 5];
        var result = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw new InvariscopeException($"--severities '{text}': '{part}' is not a severity or a range (use 1-5 or a list like 1,3,5)");
            int lo = int.Parse(ends[0], CultureInfo.InvariantCulture), hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (lo > hi) throw new InvariscopeException($"--severities '{text}': range '{part}' is reversed");
            foreach (var s in new[] { lo, hi })
                if (s is < Data.Corruptions.Corruptions.MinSeverity or > Data.Corruptions.Corruptions.MaxSeverity)
                    throw new InvariscopeException($"--severities '{text}': severity {s} is outside 1-5");
            for (int s = lo; s <= hi; s++) result.Add(s);
        }
        if (result.Count == 0) throw new InvariscopeException($"--severities '{text}': no severities given");
        return result.ToArray();
    }
}

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

    /// <summary>The whole report as indented JSON (snake_case).</summary>
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
            ["mean_accuracy"] = Cells.Count == 0 ? null : MeanAccuracy,
            ["mean_loss"] = Cells.Count == 0 ? null : MeanLoss,
        };
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
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

/// <summary>Evaluates a checkpoint on corrupted data, cell by cell.</summary>
public static class CorruptionEvaluation
{
    /// <summary>
    /// Evaluates <paramref name="checkpoint"/> on every (corruption, severity) of <paramref name="plan"/>. On the fly
    /// (<paramref name="clean"/> required): the clean data, limited to a seeded subset when <see cref="CorruptionPlan.Limit"/>,
    /// wrapped in <see cref="CorruptedDataset"/> with <see cref="CorruptionPlan.Seed"/>. From a CIFAR-C folder: each
    /// <see cref="CifarCDataset"/> slice, limited the same way. The clean data, when given, is evaluated too (same subset).
    /// <paramref name="progress"/> counts cells.
    /// </summary>
    /// <exception cref="InvariscopeException">Bad names, severities or files.</exception>
    public static CorruptionReport Run(EvaluatedCheckpoint checkpoint, IImageDataset? clean, CorruptionPlan plan, int batchSize,
        Device device, IProgress<(int done, int total)>? progress = null)
    {
        if (plan.Limit is < 1) throw new InvariscopeException($"--limit must be positive, got {plan.Limit}");
        if (plan.Corruptions.Count == 0 || plan.Severities.Count == 0) throw new InvariscopeException("no corruptions or severities to evaluate");
        foreach (var s in plan.Severities)
            if (s is < Data.Corruptions.Corruptions.MinSeverity or > Data.Corruptions.Corruptions.MaxSeverity)
                throw new InvariscopeException($"severity {s} is outside 1-5");
        if (plan.CifarCFolder is null)
        {
            if (clean is null) throw new InvariscopeException("corrupting on the fly needs clean data (--data), or give --cifar-c DIR");
            foreach (var c in plan.Corruptions) Data.Corruptions.Corruptions.Validate(c, 1);
        }
        else if (!Directory.Exists(plan.CifarCFolder))
            throw new InvariscopeException($"{plan.CifarCFolder}: no such folder (--cifar-c)");

        var cleanSubset = clean is null ? null : plan.Limited(clean);
        int total = plan.Corruptions.Count * plan.Severities.Count + (clean is null ? 0 : 1), done = 0;
        progress?.Report((0, total));
        EvalResult? cleanResult = null;
        if (cleanSubset is not null)
        {
            cleanResult = checkpoint.Evaluate(cleanSubset, batchSize, device);
            progress?.Report((++done, total));
        }
        var cells = new List<CorruptionCell>();
        foreach (var name in plan.Corruptions)
            foreach (var severity in plan.Severities)
            {
                var r = plan.OnCell(cleanSubset, name, severity, d => checkpoint.Evaluate(d, batchSize, device));
                cells.Add(new CorruptionCell(name, severity, r.Accuracy, r.Loss, r.N));
                progress?.Report((++done, total));
            }
        string source = plan.CifarCFolder is null ? clean!.Name : $"cifar-c:{plan.CifarCFolder}";
        return new CorruptionReport(checkpoint.WeightsPath, checkpoint.Task, checkpoint.Normalize, source, cells, cleanResult, plan.Limit, plan.Seed);
    }
}
