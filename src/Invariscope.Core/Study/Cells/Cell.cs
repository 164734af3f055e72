namespace Invariscope.Study.Cells;

/// <summary>The stage a cell belongs to; its name is the first part of the cell's id.</summary>
public enum CellKind
{
    /// <summary>One training run (the pretraining run, or a setting's run for one training seed).</summary>
    Train,
    /// <summary>One epoch of a run on the robustness suite.</summary>
    Robustness,
    /// <summary>The inversions on one pretrained start p for one STIR seed, shared by every run that starts from p.</summary>
    Inversion,
    /// <summary>One (checkpoint, STIR seed) of a run's invariance analysis.</summary>
    Analysis,
    /// <summary>Each run's aggregates, then <c>statistics.json</c>.</summary>
    Statistics,
    /// <summary>The HTML report.</summary>
    Report,
}

/// <summary>
/// A training run of a study: the pretraining run (<see cref="Setting"/> null) or one setting's run for one training
/// seed. <see cref="Dir"/> is its folder relative to the study (<c>pretrain</c>, <c>NAME</c> or <c>NAME/seed_S</c>).
/// </summary>
public sealed record StudyRun(string Dir, StudySetting? Setting, int? Seed)
{
    /// <summary>How the log names it: <c>pretraining</c>, <c>NAME</c> or <c>NAME (seed S)</c>.</summary>
    public string Name => Setting is null ? "pretraining" : Seed is int k ? $"{Setting.Name} (seed {k})" : Setting.Name;
}

/// <summary>
/// A pretrained start p whose inversions several runs share: the study's pretrained model (<see cref="FromPretrain"/>),
/// or the run <see cref="First"/>'s own epoch 0. The runs in <see cref="Runs"/> start from the same backbone with the
/// same normalisation, so X'(p, i, s) is the same for all of them.
/// </summary>
/// <param name="Name">Readable name, the middle of the inversion cells' ids: <c>pretrain</c>, or the first run's folder.</param>
/// <param name="FromPretrain">p is the pretraining run's final checkpoint.</param>
/// <param name="First">The first run that starts from p (whose analysis settings the inversions use).</param>
/// <param name="Runs">Every run that starts from p.</param>
/// <param name="Shared">The inversions go to the study's <c>inversions/</c> cache (otherwise to the one run's own analysis folder).</param>
public sealed record InversionStart(string Name, bool FromPretrain, StudyRun First, IReadOnlyList<StudyRun> Runs, bool Shared);

/// <summary>
/// One unit of work of a study: its id (a stable readable path such as <c>analysis/ft/seed_0/epoch_003/s0</c>), its
/// stage, the cells it needs done first, and what it works on. Each cell writes its outputs atomically and counts as
/// done once they exist, so the cells of a study can run in separate processes in any order that respects
/// <see cref="DependsOn"/>.
/// </summary>
/// <param name="Id">The cell's id.</param>
/// <param name="Kind">Its stage.</param>
/// <param name="DependsOn">Ids of the cells that must be done first.</param>
public sealed record Cell(string Id, CellKind Kind, IReadOnlyList<string> DependsOn)
{
    /// <summary>The run it belongs to (train, robustness, analysis).</summary>
    public StudyRun? Run { get; init; }
    /// <summary>The epoch (robustness, analysis).</summary>
    public int? Epoch { get; init; }
    /// <summary>The STIR seed (inversion, analysis).</summary>
    public int? Seed { get; init; }
    /// <summary>The pretrained start (inversion; the one an analysis cell reads).</summary>
    public InversionStart? Start { get; init; }
}
