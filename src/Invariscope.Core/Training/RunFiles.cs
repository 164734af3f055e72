using System.Text;
using System.Text.Json.Nodes;
using Invariscope.Layout;
using Invariscope.Runtime;

namespace Invariscope.Training;

/// <summary>
/// What a training run writes into its <see cref="RunLayout"/>, and reads back on resume: the config
/// (<c>{"train": ...}</c>), the metrics of every epoch, and each checkpoint's sidecar (the config that made it,
/// the epoch, its phase, its metrics and the software versions).
/// </summary>
public static class RunFiles
{
    /// <summary>The text of <c>config.json</c> for <paramref name="config"/>.</summary>
    public static string ConfigText(TrainConfig config) => Json.Serialize(new JsonObject { ["train"] = JsonNode.Parse(config.ToJson()) });

    /// <summary>The training config saved in config.json (validated), or null when the folder holds no run yet.</summary>
    /// <exception cref="InvariscopeException">An unreadable or invalid config.json (named).</exception>
    public static TrainConfig? ReadConfig(RunLayout run) =>
        run.Exists ? ParseConfig(File.ReadAllText(run.ConfigPath), run.ConfigPath) : null;

    /// <summary>The training config of a config.json text (validated).</summary>
    /// <exception cref="InvariscopeException">Not JSON, no <c>train</c> section, or an invalid config (named by <paramref name="source"/>).</exception>
    public static TrainConfig ParseConfig(string text, string source)
    {
        var train = Json.Parse(text, source)?["train"] ?? throw new InvariscopeException($"{source}: no 'train' section");
        return TrainConfig.FromJson(train.ToJsonString(), source);
    }

    /// <summary>
    /// Rewrites metrics.json and metrics.csv from all epochs so far. Written before the last epoch's sidecar, which
    /// commits them: until it exists, the files may hold a row that <see cref="RebuildMetrics"/> drops.
    /// </summary>
    public static void WriteMetrics(RunLayout run, IReadOnlyList<EpochMetrics> rows)
    {
        var (json, csv) = MetricsTexts(run, rows);
        AtomicFile.WriteText(run.MetricsJson, json);
        AtomicFile.WriteText(run.MetricsCsv, csv);
    }

    /// <summary>metrics.json and metrics.csv; the CSV starts with the run's setting and seed (<see cref="RunIdentity"/>).</summary>
    static (string Json, string Csv) MetricsTexts(RunLayout run, IReadOnlyList<EpochMetrics> rows)
    {
        var id = RunIdentity.Of(run);
        var csv = new StringBuilder(RunIdentity.CsvHeader + "," + EpochMetrics.CsvHeader + "\n");
        foreach (var r in rows) csv.Append(id.CsvPrefix).Append(r.ToCsv()).Append('\n');
        return (Json.Serialize(rows), csv.ToString());
    }

    /// <summary>
    /// The metrics of the complete epochs 1..<paramref name="last"/>, from their sidecars (which hold each epoch's
    /// row), and metrics.json and metrics.csv rewritten to match where they differ: a kill between an epoch's metrics
    /// and its sidecar leaves a row too many, and no row is ever lost.
    /// </summary>
    /// <exception cref="InvariscopeException">A sidecar without a valid metrics row (named).</exception>
    public static List<EpochMetrics> RebuildMetrics(RunLayout run, int last)
    {
        var rows = run.CompleteEpochs().Where(e => e >= 1 && e <= last).Select(e =>
        {
            var node = ReadSidecar(run, e)["metrics"] ?? throw new InvariscopeException($"{run.Sidecar(e)}: no 'metrics'");
            return Json.Deserialize<EpochMetrics>(node.ToJsonString(), run.Sidecar(e));
        }).ToList();
        var (json, csv) = MetricsTexts(run, rows);
        if (!SameText(run.MetricsJson, json)) AtomicFile.WriteText(run.MetricsJson, json);
        if (!SameText(run.MetricsCsv, csv)) AtomicFile.WriteText(run.MetricsCsv, csv);
        return rows;
    }

    static bool SameText(string path, string text) => File.Exists(path) && File.ReadAllText(path) == text;

    /// <summary>Reads metrics.json (empty if absent).</summary>
    /// <exception cref="InvariscopeException">An unreadable metrics.json (named).</exception>
    public static List<EpochMetrics> ReadMetrics(RunLayout run) => Json.Read<List<EpochMetrics>>(run.MetricsJson) ?? [];

    /// <summary>The final epoch of a finished run (from <see cref="RunLayout.DonePath"/>), or null while it has not finished.</summary>
    /// <exception cref="InvariscopeException">An unreadable done.json, or one without an integer <c>final_epoch</c> (named).</exception>
    public static int? FinalEpoch(RunLayout run)
    {
        if (!File.Exists(run.DonePath)) return null;
        try
        {
            return (int?)Json.Parse(File.ReadAllText(run.DonePath), run.DonePath)?["final_epoch"]
                ?? throw new InvariscopeException($"{run.DonePath}: no 'final_epoch'");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new InvariscopeException($"{run.DonePath}: 'final_epoch' is not an integer");
        }
    }

    /// <summary>Marks the run finished at <paramref name="epoch"/>; written after everything else the run writes.</summary>
    public static void WriteDone(RunLayout run, int epoch) => Json.Write(run.DonePath, new JsonObject { ["final_epoch"] = epoch });

    /// <summary>
    /// Reads the sidecar of <paramref name="epoch"/> as a JSON object whose resume fields (<c>epoch</c>,
    /// <c>phase_index</c>, <c>phase_epoch</c>: non-negative integers; <c>phase_done</c>: a boolean) are present and
    /// of their type, so a reader can cast them.
    /// </summary>
    /// <exception cref="InvariscopeException">An unreadable sidecar, or a missing or mistyped field (file and field named).</exception>
    public static JsonObject ReadSidecar(RunLayout run, int epoch)
    {
        string path = run.Sidecar(epoch);
        var side = Json.Parse(File.ReadAllText(path), path) as JsonObject ?? throw new InvariscopeException($"{path}: not a JSON object");
        foreach (var field in new[] { "epoch", "phase_index", "phase_epoch" })
            if (side[field] is not JsonValue v || !v.TryGetValue<int>(out int n) || n < 0)
                throw new InvariscopeException($"{path}: '{field}' must be a non-negative integer, got {side[field]?.ToJsonString() ?? "nothing"}");
        if (side["phase_done"] is not JsonValue done || !done.TryGetValue<bool>(out _))
            throw new InvariscopeException($"{path}: 'phase_done' must be true or false, got {side["phase_done"]?.ToJsonString() ?? "nothing"}");
        if ((int)side["epoch"]! != epoch) throw new InvariscopeException($"{path}: 'epoch' is {(int)side["epoch"]!}, expected {epoch}");
        return side;
    }

    /// <summary>
    /// The task and normalisation a checkpoint was trained with, from the sidecar beside <paramref name="weightsPath"/>
    /// (see <see cref="RunLayout.SidecarOf"/>), or null when there is none (a checkpoint from elsewhere). Missing
    /// fields are null.
    /// </summary>
    /// <exception cref="InvariscopeException">The sidecar exists but is not valid JSON of that shape.</exception>
    public static (string Path, string? Task, string? Normalize)? TrainedWith(string weightsPath)
    {
        var path = RunLayout.SidecarOf(weightsPath);
        if (!File.Exists(path)) return null;
        try
        {
            var config = JsonNode.Parse(File.ReadAllText(path))?["config"];
            return (path, config?["task"]?.GetValue<string>(), config?["normalize"]?.GetValue<string>());
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new InvariscopeException($"{path}: not a valid run sidecar: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
