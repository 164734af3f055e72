using System.Text.Json;
using Invariscope.Analysis;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Study;

/// <summary>
/// Everything written for one setting: training metrics, per-epoch robustness, and the analysis (if run). A setting
/// with training seeds has one replicate per seed (each a single-run <see cref="SettingResults"/>), and its own
/// metrics, robustness and analysis are the seeds' averages (<see cref="SeedAverage"/>), with intervals across seeds.
/// </summary>
/// <param name="Name">Folder name.</param>
/// <param name="Label">Display label.</param>
/// <param name="Task">classification or reconstruction.</param>
/// <param name="Strategy">scratch, ft, lp, lp-ft or hp-ft.</param>
/// <param name="Metrics">metrics.json rows.</param>
/// <param name="Robustness">robustness/epoch_*.json, ascending.</param>
/// <param name="Analysis">analysis/results.json, or null.</param>
/// <param name="Seed">The training seed of a replicate, or null.</param>
/// <param name="Replicates">One entry per training seed; empty for a single run.</param>
public sealed record SettingResults(string Name, string Label, string Task, string Strategy, IReadOnlyList<EpochMetrics> Metrics,
    IReadOnlyList<EpochRobustness> Robustness, AnalysisResults? Analysis, int? Seed = null, IReadOnlyList<SettingResults>? Replicates = null)
{
    /// <summary>The single runs behind this setting: its replicates, or itself.</summary>
    public IReadOnlyList<SettingResults> Runs => Replicates is { Count: > 0 } r ? r : [this];
}

/// <summary>
/// The result files of a study, a single run, or a single analysis, loaded without any model: what the statistics
/// and the report are computed from.
/// </summary>
/// <param name="Root">The folder loaded.</param>
/// <param name="Name">Study name (or folder name).</param>
/// <param name="Settings">Settings in study order.</param>
public sealed record StudyResults(string Root, string Name, IReadOnlyList<SettingResults> Settings)
{
    /// <summary>The study's resolved config, in its folder.</summary>
    public const string ConfigFile = "study.json";
    /// <summary>The analysis sub-folder of a run.</summary>
    public const string AnalysisDir = "analysis";

    /// <summary>
    /// Loads a study folder (with study.json), a run folder (with config.json; its analysis/ and robustness/ if
    /// present) or an analysis folder (with results.json).
    /// </summary>
    /// <exception cref="InvariscopeException">None of those, or an unreadable result file (named).</exception>
    public static StudyResults Load(string path)
    {
        var root = Path.GetFullPath(path);
        if (!Directory.Exists(root)) throw new InvariscopeException($"{path}: no such folder");
        var study = Path.Combine(root, ConfigFile);
        if (File.Exists(study))
        {
            var config = StudyConfig.Load(study);
            var settings = config.Settings.Where(s => Directory.Exists(Path.Combine(root, s.Name)))
                .Select(s => LoadSetting(root, s)).OfType<SettingResults>().ToList();
            return new StudyResults(root, config.Name, settings);
        }
        string name = Path.GetFileName(root);
        if (File.Exists(Path.Combine(root, "config.json")))
            return new StudyResults(root, name, [LoadRun(root, name, name)]);
        if (File.Exists(Path.Combine(root, "results.json")))
            return new StudyResults(root, name, [new SettingResults(name, name, "unknown", "unknown", [], [], ReadAnalysis(Path.Combine(root, "results.json")))]);
        throw new InvariscopeException($"{path}: not a study, run or analysis folder (no {ConfigFile}, config.json or results.json)");
    }

    static SettingResults? LoadSetting(string root, StudySetting setting)
    {
        if (setting.Seeds is null) return LoadRun(Path.Combine(root, setting.Name), setting.Name, setting.DisplayName);
        var runs = setting.Runs.Where(r => File.Exists(new RunFolder(Path.Combine(root, r.Dir)).ConfigPath))
            .Select(r => LoadRun(Path.Combine(root, r.Dir), setting.Name, setting.DisplayName) with { Seed = r.Seed }).ToList();
        if (runs.Count == 0) return null;
        var analysed = runs.Where(r => r.Analysis is not null).Select(r => r.Analysis!).ToList();
        return new SettingResults(setting.Name, setting.DisplayName, runs[0].Task, runs[0].Strategy,
            SeedAverage.Metrics([.. runs.Select(r => r.Metrics)]), SeedAverage.Robustness([.. runs.Select(r => r.Robustness)]),
            analysed.Count == runs.Count ? SeedAverage.Analysis(analysed) : null, null, runs);
    }

    static SettingResults LoadRun(string dir, string name, string label)
    {
        var run = new RunFolder(dir);
        var train = run.ReadConfig() ?? new TrainConfig();
        List<EpochMetrics> metrics;
        try { metrics = run.ReadMetrics(); }
        catch (JsonException e) { throw new InvariscopeException($"{run.MetricsJson}: {e.Message.ReplaceLineEndings(" ")}"); }
        var results = Path.Combine(dir, AnalysisDir, "results.json");
        return new SettingResults(name, label, train.Task, train.Strategy, metrics, RunRobustness.Read(run),
            File.Exists(results) ? ReadAnalysis(results) : null);
    }

    /// <summary>Reads an analysis's results.json.</summary>
    public static AnalysisResults ReadAnalysis(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<AnalysisResults>(File.ReadAllText(path), AnalysisFolder.Options)
                ?? throw new InvariscopeException($"{path}: empty results");
        }
        catch (JsonException e) { throw new InvariscopeException($"{path}: {e.Message.ReplaceLineEndings(" ")}"); }
    }
}
