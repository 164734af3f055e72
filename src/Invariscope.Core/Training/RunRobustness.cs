using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Invariscope.Data;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Training;

/// <summary>What to measure at every epoch of a run: clean (ID) accuracy, OOD accuracy, and the corruption suite.</summary>
public sealed record RobustnessSettings
{
    /// <summary>In-distribution test data (dataset spec); the corruptions are applied to it.</summary>
    [JsonPropertyName("data")] public string Data { get; init; } = "";
    /// <summary>Out-of-distribution test data (same classes), or null.</summary>
    [JsonPropertyName("ood_data")] public string? OodData { get; init; }
    /// <summary><c>all</c> or a comma list of corruptions; <c>none</c> skips them.</summary>
    [JsonPropertyName("corruptions")] public string Corruptions { get; init; } = "all";
    /// <summary>Severities, e.g. <c>1-5</c>.</summary>
    [JsonPropertyName("severities")] public string Severities { get; init; } = "1-5";
    /// <summary>At most this many test images (a seeded subset, the same for every cell and epoch); null = all.</summary>
    [JsonPropertyName("limit")] public int? Limit { get; init; } = 500;
    /// <summary>A CIFAR-10-C folder of .npy files to read instead of corrupting on the fly.</summary>
    [JsonPropertyName("cifar_c")] public string? CifarC { get; init; }
    /// <summary>Seed of the corruption noise and of the subset.</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>Evaluation batch size.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 256;

    /// <summary>The corruption plan (no corruptions when <see cref="Corruptions"/> is <c>none</c>).</summary>
    public CorruptionPlan Plan() => new(
        Corruptions.Trim() == "none" ? [] : CorruptionPlan.ParseCorruptions(Corruptions, anyName: CifarC is not null),
        CorruptionPlan.ParseSeverities(Severities), Limit, Seed, CifarC);

    /// <summary>Throws <see cref="InvariscopeException"/> naming the first bad field.</summary>
    public RobustnessSettings Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) throw new InvariscopeException("robustness: 'data' (the ID test set) is required");
        if (Limit is < 1) throw new InvariscopeException($"robustness: limit must be positive, got {Limit}");
        if (BatchSize < 1) throw new InvariscopeException($"robustness: batch_size must be positive, got {BatchSize}");
        if (CifarC is not null && !Directory.Exists(CifarC)) throw new InvariscopeException($"robustness: cifar_c {CifarC}: no such folder");
        Plan();
        return this;
    }
}

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

/// <summary>
/// Evaluates every complete epoch of a run on the robustness suite, into <c>RUN/robustness/</c>: one
/// <c>epoch_NNN.json</c> per epoch (written when done, so a killed evaluation resumes), <c>settings.json</c>, and
/// <c>robustness.csv</c> (one row per epoch). The test subset and its corrupted copies are made once and shared by
/// all epochs.
/// </summary>
public static class RunRobustness
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The robustness folder of a run.</summary>
    public static string Folder(RunFolder run) => Path.Combine(run.Root, "robustness");

    /// <summary>The result file of one epoch.</summary>
    public static string EpochFile(RunFolder run, int epoch) => Path.Combine(Folder(run), $"epoch_{epoch:D3}.json");

    /// <summary>Evaluates the missing epochs, then returns every epoch's result (ascending).</summary>
    public static IReadOnlyList<EpochRobustness> Run(RunFolder run, RobustnessSettings settings, Device device, Action<string>? log = null,
        IProgress<(int done, int total)>? progress = null, CancellationToken cancel = default)
    {
        CheckSettings(run, settings);
        var epochs = run.CompleteEpochs();
        if (epochs.Count == 0) throw new InvariscopeException($"{run.Root}: no complete epoch checkpoints to evaluate");
        var todo = epochs.Where(e => !File.Exists(EpochFile(run, e))).ToList();
        if (todo.Count > 0)
        {
            var suite = RobustnessSuite.Prepare(settings, log);
            int done = 0, total = suite.EvaluationsPerEpoch * todo.Count;
            progress?.Report((0, total));
            foreach (var epoch in todo)
            {
                cancel.ThrowIfCancellationRequested();
                RunEpoch(run, suite, epoch, device, log, () => progress?.Report((++done, total)));
            }
        }
        return Collect(run);
    }

    /// <summary>
    /// Checks <paramref name="settings"/> and that the run's robustness folder holds no evaluation with other
    /// settings (then records them): what every epoch's evaluation does first.
    /// </summary>
    public static void CheckSettings(RunFolder run, RobustnessSettings settings)
    {
        settings.Validate();
        var settingsPath = Path.Combine(Folder(run), "settings.json");
        var json = JsonSerializer.Serialize(settings, Json);
        if (File.Exists(settingsPath) && File.ReadAllText(settingsPath) != json)
            throw new InvariscopeException($"{settingsPath}: this run was evaluated with other robustness settings; delete {Folder(run)} to redo it");
        if (!File.Exists(settingsPath)) RunFolder.WriteAtomic(settingsPath, json);
    }

    /// <summary>
    /// Evaluates one epoch's checkpoint on a prepared suite and writes <c>epoch_NNN.json</c> (call
    /// <see cref="CheckSettings"/> first). <paramref name="onEvaluation"/> ticks once per evaluated set.
    /// </summary>
    public static EpochRobustness RunEpoch(RunFolder run, RobustnessSuite suite, int epoch, Device device, Action<string>? log = null,
        Action? onEvaluation = null)
    {
        using var ckpt = EvaluatedCheckpoint.Load(run.Weights(epoch));
        EvalResult Eval(IImageDataset d)
        {
            var r = ckpt.Evaluate(d, suite.Settings.BatchSize, device);
            onEvaluation?.Invoke();
            return r;
        }
        var cleanResult = Eval(suite.Clean);
        var oodResult = suite.Ood is null ? null : Eval(suite.Ood);
        var results = suite.Cells.Select((c, i) => { var r = Eval(suite.Corrupted[i]); return new CorruptionCell(c.Corruption, c.Severity, r.Accuracy, r.Loss, r.N); }).ToList();
        var row = new EpochRobustness(epoch, ckpt.Task, cleanResult, oodResult, results);
        RunFolder.WriteAtomic(EpochFile(run, epoch), JsonSerializer.Serialize(row, Json));
        log?.Invoke($"epoch {epoch}: clean {cleanResult.Accuracy:P1}" + (oodResult is null ? "" : $", OOD {oodResult.Accuracy:P1}")
            + (results.Count == 0 ? "" : $", corrupted {row.MeanCorruptedAccuracy:P1}"));
        return row;
    }

    /// <summary>Reads every evaluated epoch and writes <c>robustness.csv</c> (one row per epoch); returns the epochs, ascending.</summary>
    public static IReadOnlyList<EpochRobustness> Collect(RunFolder run)
    {
        var all = Read(run);
        WriteCsv(run, all);
        return all;
    }

    /// <summary>Every epoch evaluated so far, ascending (empty when none).</summary>
    public static IReadOnlyList<EpochRobustness> Read(RunFolder run)
    {
        var dir = Folder(run);
        if (!Directory.Exists(dir)) return [];
        return Directory.EnumerateFiles(dir, "epoch_*.json").Select(ReadEpoch).OrderBy(r => r.Epoch).ToList();
    }

    /// <summary>Reads one epoch's result file.</summary>
    public static EpochRobustness ReadEpoch(string file) =>
        JsonSerializer.Deserialize<EpochRobustness>(File.ReadAllText(file), Json) ?? throw new InvariscopeException($"{file}: empty robustness file");

    static void WriteCsv(RunFolder run, IReadOnlyList<EpochRobustness> rows)
    {
        static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var sevs = rows.SelectMany(r => r.AccuracyBySeverity.Keys).Distinct().Order().ToList();
        var sb = new StringBuilder("epoch,clean_acc,ood_acc,mean_corrupted_acc," + string.Concat(sevs.Select(s => $"severity{s}_acc,")) + "clean_loss,mean_corrupted_loss\n");
        foreach (var r in rows)
            sb.Append($"{r.Epoch},{F(r.Clean.Accuracy)},{(r.Ood is null ? "" : F(r.Ood.Accuracy))},{F(r.MeanCorruptedAccuracy)},")
              .Append(string.Concat(sevs.Select(s => (r.AccuracyBySeverity.TryGetValue(s, out var v) ? F(v) : "") + ",")))
              .Append($"{F(r.Clean.Loss)},{F(r.MeanCorruptedLoss)}\n");
        RunFolder.WriteAtomic(Path.Combine(Folder(run), "robustness.csv"), sb.ToString());
    }
}
