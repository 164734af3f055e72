namespace Invariscope.Study.Cells;

/// <summary>
/// The ids of a study's cells: stable, readable, and made only here. A run's part is its folder in the study
/// (<c>pretrain</c>, <c>ft</c>, <c>ft/seed_0</c>); epochs are <c>epoch_NNN</c> as in the checkpoint files; STIR
/// seeds are <c>sK</c> as in the inversion files.
/// </summary>
public static class CellIds
{
    /// <summary><c>train/RUN</c>.</summary>
    public static string Train(StudyRun run) => $"train/{run.Dir}";
    /// <summary><c>robustness/RUN/epoch_NNN</c>.</summary>
    public static string Robustness(StudyRun run, int epoch) => $"robustness/{run.Dir}/{Epoch(epoch)}";
    /// <summary><c>inversion/START/sK</c>.</summary>
    public static string Inversion(InversionStart start, int seed) => $"inversion/{start.Name}/s{seed}";
    /// <summary><c>analysis/RUN/epoch_NNN/sK</c>.</summary>
    public static string Analysis(StudyRun run, int epoch, int seed) => $"analysis/{run.Dir}/{Epoch(epoch)}/s{seed}";
    /// <summary><c>statistics</c>.</summary>
    public const string Statistics = "statistics";
    /// <summary><c>report</c>.</summary>
    public const string Report = "report";

    static string Epoch(int epoch) => $"epoch_{epoch:D3}";

    /// <summary>The lock file of a cell run on its own: its id with '/' as '+' (one file per cell in one folder).</summary>
    public static string LockName(string id) => id.Replace('/', '+') + ".lock";

    /// <summary>The kind's name as written in ids and in the plan.</summary>
    public static string Name(CellKind kind) => kind.ToString().ToLowerInvariant();
}
