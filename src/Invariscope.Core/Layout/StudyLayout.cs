namespace Invariscope.Layout;

/// <summary>
/// The layout of a study folder: <c>study.json</c> (the resolved config), <c>pretrain/</c> (the optional pretraining
/// run), <c>inversions/</c> (inversions on p shared between runs), one run folder per setting, <c>NAME/</c>, or per
/// training seed, <c>NAME/seed_S/</c> (each with its <c>robustness/</c> and <c>analysis/</c>, see
/// <see cref="RunLayout"/>), <c>statistics.json</c> with its tables (<c>per_layer.csv</c>, <c>hypotheses.csv</c>, <c>hypotheses_pooled.csv</c>), and <c>report/</c>.
/// </summary>
public sealed partial class StudyLayout(string root)
{
    /// <summary>Folder of the pretraining run; no setting may take this name.</summary>
    public const string PretrainName = "pretrain";

    /// <summary>The study folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);
    /// <summary>The study's resolved config; its presence means the folder holds a study.</summary>
    public string ConfigPath => Path.Combine(Root, "study.json");
    /// <summary>The correlations, tests and findings of the study.</summary>
    public string StatisticsPath => Path.Combine(Root, "statistics.json");
    /// <summary>Every run's per_layer.csv stacked (one header; the setting and seed columns tell the runs apart).</summary>
    public string PerLayerCsv => Path.Combine(Root, "per_layer.csv");
    /// <summary>The hypothesis grid of every run and target, one row per distinct hypothesis with its duplicates named.</summary>
    public string HypothesesCsv => Path.Combine(Root, "hypotheses.csv");
    /// <summary>The grid pooled over training seeds, one row per distinct pooled hypothesis.</summary>
    public string PooledHypothesesCsv => Path.Combine(Root, "hypotheses_pooled.csv");
    /// <summary>The HTML report's folder.</summary>
    public string ReportDir => Path.Combine(Root, "report");
    /// <summary>The shared cache of inversions on p (see <c>InversionCache</c>).</summary>
    public string Inversions => Path.Combine(Root, "inversions");
    /// <summary>The marker of the inversion cell of start <paramref name="start"/> and STIR seed <paramref name="seed"/> (beside the key folders).</summary>
    public string InversionMarker(string start, int seed) => Path.Combine(Inversions, "cells", start, $"s{seed}.json");
    /// <summary>The lock files of cells run one per process (<c>study --cell</c>).</summary>
    public string CellLocks => Path.Combine(Root, ".locks");
    /// <summary>What Slurm submissions wrote: <c>jobs.json</c>, each submission's scripts and cell lists, failure records.</summary>
    public string Slurm => Path.Combine(Root, "slurm");
    /// <summary>Every Slurm submission of the study: its options and, per job array, its job id and cells.</summary>
    public string SlurmJobs => Path.Combine(Slurm, "jobs.json");
    /// <summary>The scripts and cell lists of submission <paramref name="index"/> (0, 1, ...).</summary>
    public string SlurmSubmission(int index) => Path.Combine(Slurm, $"submit_{index:D3}");
    /// <summary>Why a cell's last Slurm task failed (written by the task; removed when the cell runs again).</summary>
    public string CellFailure(string id) => Path.Combine(Slurm, "failed", Invariscope.Study.Cells.CellIds.LockName(id).Replace(".lock", ".json"));
    /// <summary>The Slurm tasks' logs.</summary>
    public string Logs => Path.Combine(Root, "logs");
    /// <summary>The log of task <paramref name="task"/> of job array <paramref name="job"/> (<c>--output=logs/%A_%a.out</c>).</summary>
    public string TaskLog(long job, int task) => Path.Combine(Logs, $"{job}_{task}.out");
    /// <summary>The pretraining run.</summary>
    public RunLayout Pretrain => new(Path.Combine(Root, PretrainName));

    /// <summary>The folder of a setting: its run, or the parent of its training seeds' runs.</summary>
    public string Setting(string name) => Path.Combine(Root, name);

    /// <summary>The run of a setting, or of one of its training seeds.</summary>
    public RunLayout Run(string setting, int? seed = null) => new(Path.Combine(Root, RunDir(setting, seed)));

    /// <summary>A run's folder relative to the study: <c>NAME</c>, or <c>NAME/seed_S</c> for training seed S.</summary>
    public static string RunDir(string setting, int? seed) => seed is int k ? $"{setting}/seed_{k}" : setting;

    /// <summary>
    /// The setting a run folder belongs to when it is a study's: <c>NAME</c> for <c>STUDY/NAME/</c> and for
    /// <c>STUDY/NAME/seed_S/</c> (a study folder holds study.json), <c>pretrain</c> for the pretraining run; null for
    /// a run outside a study.
    /// </summary>
    public static string? SettingOf(string runRoot)
    {
        var run = new DirectoryInfo(Path.GetFullPath(runRoot));
        if (run.Parent is { } parent && File.Exists(new StudyLayout(parent.FullName).ConfigPath)) return run.Name;
        if (SeedFolder().IsMatch(run.Name) && run.Parent?.Parent is { } study && File.Exists(new StudyLayout(study.FullName).ConfigPath))
            return run.Parent.Name;
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^seed_[0-9]+$")]
    private static partial System.Text.RegularExpressions.Regex SeedFolder();
}
