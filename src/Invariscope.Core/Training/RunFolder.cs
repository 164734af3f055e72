using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Invariscope.Training;

/// <summary>
/// The layout of a training run's folder: <c>config.json</c> (written first), <c>metrics.csv</c> and
/// <c>metrics.json</c> (rewritten each epoch), and per-epoch checkpoints <c>checkpoints/epoch_NNN.*</c>, where
/// epoch 0 is the starting point. An epoch is complete once its sidecar JSON exists; it is written last, and
/// every file is written to a temporary name and renamed, so a killed run never leaves a half-written file.
/// <c>done.json</c> is written when the run has finished, with the last epoch it wrote (an hp-ft run may stop its
/// head-probing phase early, so the last epoch is not always the plan's).
/// </summary>
public sealed class RunFolder(string root)
{
    /// <summary>The run's folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);
    /// <summary>The resolved config.</summary>
    public string ConfigPath => Path.Combine(Root, "config.json");
    /// <summary>Per-epoch metrics as CSV.</summary>
    public string MetricsCsv => Path.Combine(Root, "metrics.csv");
    /// <summary>Per-epoch metrics as JSON.</summary>
    public string MetricsJson => Path.Combine(Root, "metrics.json");
    /// <summary>Train loss and accuracy at the start of finetuning (Ren et al.'s "energy").</summary>
    public string EnergyJson => Path.Combine(Root, "energy.json");
    /// <summary>Written last, when the run has finished: its final epoch.</summary>
    public string DonePath => Path.Combine(Root, "done.json");
    /// <summary>The checkpoints folder.</summary>
    public string CheckpointDir => Path.Combine(Root, "checkpoints");

    /// <summary>ViT weights after <paramref name="epoch"/>.</summary>
    public string Weights(int epoch) => Path.Combine(CheckpointDir, $"epoch_{epoch:D3}.safetensors");
    /// <summary>Decoder weights after <paramref name="epoch"/> (reconstruction).</summary>
    public string DecoderWeights(int epoch) => Path.Combine(CheckpointDir, $"epoch_{epoch:D3}.decoder.safetensors");
    /// <summary>Optimizer state after <paramref name="epoch"/>.</summary>
    public string OptimizerState(int epoch) => Path.Combine(CheckpointDir, $"epoch_{epoch:D3}.optim.safetensors");
    /// <summary>The sidecar (config, epoch, metrics, seed, versions) of <paramref name="epoch"/>.</summary>
    public string Sidecar(int epoch) => Path.Combine(CheckpointDir, $"epoch_{epoch:D3}.json");

    /// <summary>Epochs whose checkpoint is complete (sidecar and weights present), ascending.</summary>
    public List<int> CompleteEpochs()
    {
        if (!Directory.Exists(CheckpointDir)) return [];
        return Directory.EnumerateFiles(CheckpointDir, "epoch_*.json")
            .Select(f => Path.GetFileNameWithoutExtension(f)["epoch_".Length..])
            .Select(s => int.TryParse(s, out var e) ? e : -1)
            .Where(e => e >= 0 && File.Exists(Weights(e)))
            .Order().ToList();
    }

    /// <summary>The final epoch of a finished run (from <see cref="DonePath"/>), or null while it has not finished.</summary>
    /// <exception cref="Runtime.InvariscopeException">An unreadable done.json (named).</exception>
    public int? FinalEpoch()
    {
        if (!File.Exists(DonePath)) return null;
        try { return (int?)JsonNode.Parse(File.ReadAllText(DonePath))?["final_epoch"] ?? throw new Runtime.InvariscopeException($"{DonePath}: no 'final_epoch'"); }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new Runtime.InvariscopeException($"{DonePath}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>Marks the run finished at <paramref name="epoch"/>.</summary>
    public void WriteDone(int epoch) => WriteAtomic(DonePath, new JsonObject { ["final_epoch"] = epoch }.ToJsonString());

    /// <summary>Reads a sidecar as a JSON object.</summary>
    public JsonObject ReadSidecar(int epoch) => JsonNode.Parse(File.ReadAllText(Sidecar(epoch)))!.AsObject();

    /// <summary>The training config saved in config.json (validated), or null when the run has none yet.</summary>
    /// <exception cref="Runtime.InvariscopeException">An unreadable or invalid config.json (named).</exception>
    public TrainConfig? ReadConfig()
    {
        if (!File.Exists(ConfigPath)) return null;
        JsonNode? train;
        try { train = JsonNode.Parse(File.ReadAllText(ConfigPath))?["train"]; }
        catch (JsonException e) { throw new Runtime.InvariscopeException($"{ConfigPath}: {e.Message.ReplaceLineEndings(" ")}"); }
        if (train is null) throw new Runtime.InvariscopeException($"{ConfigPath}: no 'train' section");
        return TrainConfig.FromJson(train.ToJsonString(), ConfigPath);
    }

    /// <summary>Writes text to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void WriteAtomic(string path, string text) => Runtime.AtomicFile.WriteText(path, text);

    /// <summary>Rewrites metrics.json and metrics.csv from all epochs so far.</summary>
    public void WriteMetrics(IReadOnlyList<EpochMetrics> rows)
    {
        WriteAtomic(MetricsJson, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        var csv = new StringBuilder(EpochMetrics.CsvHeader + "\n");
        foreach (var r in rows) csv.Append(r.ToCsv()).Append('\n');
        WriteAtomic(MetricsCsv, csv.ToString());
    }

    /// <summary>Reads metrics.json (empty if absent).</summary>
    public List<EpochMetrics> ReadMetrics() => File.Exists(MetricsJson)
        ? JsonSerializer.Deserialize<List<EpochMetrics>>(File.ReadAllText(MetricsJson)) ?? []
        : [];
}
