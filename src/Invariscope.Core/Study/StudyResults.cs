using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Layout;
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
    /// <summary>
    /// Loads a study folder (with study.json), a run folder (with config.json; its analysis/ and robustness/ if
    /// present) or an analysis folder (with results.json).
    /// </summary>
    /// <exception cref="InvariscopeException">None of those, or an unreadable result file (named).</exception>
    public static StudyResults Load(string path)
    {
        var root = Path.GetFullPath(path);
        if (!Directory.Exists(root)) throw new InvariscopeException($"{path}: no such folder");
        var study = new StudyLayout(root);
        if (File.Exists(study.ConfigPath))
        {
            var config = StudyConfig.Load(study.ConfigPath);
            var settings = config.Settings.Where(s => Directory.Exists(study.Setting(s.Name)))
                .Select(s => LoadSetting(study, s)).OfType<SettingResults>().ToList();
            return new StudyResults(root, config.Name, settings);
        }
        string name = Path.GetFileName(root);
        var run = new RunLayout(root);
        if (run.Exists)
            return new StudyResults(root, name, [LoadRun(run, name, name)]);
        var analysis = new AnalysisLayout(root);
        if (File.Exists(analysis.Results))
            return new StudyResults(root, name, [new SettingResults(name, name, "unknown", "unknown", [], [], ReadAnalysis(analysis.Results))]);
        throw new InvariscopeException($"{path}: not a study, run or analysis folder (no {Path.GetFileName(study.ConfigPath)}, " +
                                       $"{Path.GetFileName(run.ConfigPath)} or {Path.GetFileName(analysis.Results)})");
    }

    static SettingResults? LoadSetting(StudyLayout study, StudySetting setting)
    {
        if (setting.Seeds is null) return LoadRun(study.Run(setting.Name), setting.Name, setting.DisplayName);
        var runs = setting.Seeds.Select(k => (Seed: k, Run: study.Run(setting.Name, k))).Where(r => r.Run.Exists)
            .Select(r => LoadRun(r.Run, setting.Name, setting.DisplayName) with { Seed = r.Seed }).ToList();
        if (runs.Count == 0) return null;
        var analysed = runs.Where(r => r.Analysis is not null).Select(r => r.Analysis!).ToList();
        return new SettingResults(setting.Name, setting.DisplayName, runs[0].Task, runs[0].Strategy,
            SeedAverage.Metrics([.. runs.Select(r => r.Metrics)]), SeedAverage.Robustness([.. runs.Select(r => r.Robustness)]),
            analysed.Count == runs.Count ? SeedAverage.Analysis(analysed) : null, null, runs);
    }

    static SettingResults LoadRun(RunLayout run, string name, string label)
    {
        var train = RunFiles.ReadConfig(run) ?? new TrainConfig();
        var results = run.Analysis.Results;
        return new SettingResults(name, label, train.Task, train.Strategy, RunFiles.ReadMetrics(run), RunRobustness.Read(run),
            File.Exists(results) ? ReadAnalysis(results) : null);
    }

    /// <summary>Reads an analysis's results.json.</summary>
    /// <exception cref="InvariscopeException">An unreadable file (named).</exception>
    public static AnalysisResults ReadAnalysis(string path) => Json.Deserialize<AnalysisResults>(File.ReadAllText(path), path);
}
