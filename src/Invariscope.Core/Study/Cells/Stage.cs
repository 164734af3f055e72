namespace Invariscope.Study.Cells;

/// <summary>
/// A stage of a study (train, robustness, inversion, analysis, statistics, report), as the cell runner sees it.
/// Each stage declares, per cell, its inputs (the files it reads, written by the cells it depends on in the
/// <see cref="StudyPlan"/>), the folder it writes to, the files whose presence means the cell is done, and its
/// validated settings; it runs a cell idempotently: a done cell is only read back.
/// </summary>
public interface IStage
{
    /// <summary>The cells of this stage.</summary>
    CellKind Kind { get; }

    /// <summary>
    /// Whether the stage aggregates its dependencies' outputs (statistics, report): such a cell is done only while
    /// its outputs are no older than theirs, so it is redone when something it aggregates was redone.
    /// </summary>
    bool Aggregates { get; }

    /// <summary>The files the cell reads that its dependencies wrote (asked once they are done).</summary>
    IReadOnlyList<string> Inputs(Cell cell);

    /// <summary>The folder the cell writes to.</summary>
    string Folder(Cell cell);

    /// <summary>The files the cell writes (empty for an epoch that its run did not write, which has nothing to do).</summary>
    IReadOnlyList<string> Outputs(Cell cell);

    /// <summary>
    /// Whether the cell's work is done: its outputs exist, or there is nothing to do. (For an aggregating stage,
    /// <see cref="StudyCells.IsDone"/> also asks that they be no older than what they aggregate.)
    /// </summary>
    bool IsDone(Cell cell);

    /// <summary>The cell's validated settings (a train config, robustness or analysis settings, statistics options).</summary>
    object Settings(Cell cell);

    /// <summary>Runs the cell, or, when <paramref name="done"/>, reads its result back; returns the stage's typed result.</summary>
    object? Run(Cell cell, bool done, CancellationToken cancel);
}

/// <summary>A stage whose cells return <typeparamref name="TResult"/>.</summary>
public abstract class Stage<TResult>(StageContext context) : IStage where TResult : class
{
    /// <summary>What every stage shares: the config, the study folder, the device, the callbacks.</summary>
    protected StageContext Context { get; } = context;

    /// <inheritdoc/>
    public abstract CellKind Kind { get; }

    /// <inheritdoc/>
    public virtual bool Aggregates => false;

    /// <inheritdoc/>
    public abstract IReadOnlyList<string> Inputs(Cell cell);

    /// <inheritdoc/>
    public abstract string Folder(Cell cell);

    /// <inheritdoc/>
    public abstract IReadOnlyList<string> Outputs(Cell cell);

    /// <inheritdoc/>
    public virtual bool IsDone(Cell cell) => Outputs(cell).All(File.Exists);

    /// <inheritdoc/>
    public abstract object Settings(Cell cell);

    /// <summary>Runs the cell (which is not done).</summary>
    protected abstract TResult? Execute(Cell cell, CancellationToken cancel);

    /// <summary>Reads a done cell's result back (null when it has nothing to return).</summary>
    protected abstract TResult? ReadBack(Cell cell);

    /// <summary>Runs the cell unless <paramref name="done"/>; returns its result either way.</summary>
    public TResult? Run(Cell cell, bool done, CancellationToken cancel = default)
    {
        if (cell.Kind != Kind) throw new ArgumentException($"{cell.Id} is a {cell.Kind} cell, not {Kind}", nameof(cell));
        return done ? ReadBack(cell) : Execute(cell, cancel);
    }

    /// <summary>Runs the cell unless <see cref="IsDone"/>; returns its result either way.</summary>
    public TResult? Run(Cell cell, CancellationToken cancel = default) => Run(cell, IsDone(cell), cancel);

    object? IStage.Run(Cell cell, bool done, CancellationToken cancel) => Run(cell, done, cancel);
}
