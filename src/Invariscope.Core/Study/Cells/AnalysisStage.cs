using Invariscope.Runtime;
using Invariscope.Analysis;

namespace Invariscope.Study.Cells;

/// <summary>
/// Analyses one checkpoint of a run for one STIR seed (<c>analysis/RUN/epoch_NNN/sK</c>) into
/// <c>RUN/analysis/cells/</c>: the STIR cell of (epoch, seed) and the epoch's CKA cell. Inputs: the epoch's
/// checkpoint, p (the run's epoch 0) and the inversions on p for that seed, from the start's inversion cell (a run
/// whose epoch-0 backbone differs from its start's, e.g. stored in bf16, inverts its own p here). An epoch the
/// finished run did not write is done and empty. Within a process, the run's probe images and p's representations
/// are loaded once for all its cells; the run's <c>results.json</c> is written by the statistics cell.
/// </summary>
public sealed class AnalysisStage(StageContext context) : Stage<AnalysisCell>(context), IDisposable
{
    (string run, InvarianceAnalysis analysis)? _kept;

    /// <inheritdoc/>
    public override CellKind Kind => CellKind.Analysis;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Inputs(Cell cell)
    {
        var run = Context.Folder(cell.Run!);
        return Context.Wrote(cell.Run!, cell.Epoch!.Value) ? [run.Weights(cell.Epoch.Value), run.Weights(0)] : [];
    }

    /// <inheritdoc/>
    public override string Folder(Cell cell) => Context.AnalysisFolder(cell.Run!).Root;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Outputs(Cell cell) => Context.FinalEpoch(cell.Run!) is int final && cell.Epoch > final
        ? []
        : InvarianceAnalysis.CellFiles(Context.AnalysisSettings(cell.Run!), Context.AnalysisFolder(cell.Run!), cell.Epoch!.Value, cell.Seed!.Value);

    /// <inheritdoc/>
    public override bool IsDone(Cell cell) => Context.FinalEpoch(cell.Run!) is not null && base.IsDone(cell);

    /// <inheritdoc/>
    public override object Settings(Cell cell) => Context.AnalysisSettings(cell.Run!).Validate(checkFiles: false);

    /// <inheritdoc/>
    protected override AnalysisCell? Execute(Cell cell, CancellationToken cancel)
    {
        var run = cell.Run!;
        if (_kept?.run != run.Dir)
        {
            Dispose();
            var progress = Context.Callbacks.Progress;
            _kept = (run.Dir, new InvarianceAnalysis(Context.AnalysisSettings(run), Context.AnalysisFolder(run), Context.Device, Context.Log,
                progress is null ? null : label => progress($"{run.Name}: {label}")));
        }
        _kept.Value.analysis.AnalyzeCell(cell.Epoch!.Value, cell.Seed!.Value, Context.FinalEpoch(run)!.Value, cancel);
        return ReadBack(cell);
    }

    /// <inheritdoc/>
    protected override AnalysisCell? ReadBack(Cell cell) => Outputs(cell) is [var file, ..] ? Json.Read<AnalysisCell>(file) : null;

    /// <summary>Frees the kept run's inputs.</summary>
    public void Dispose()
    {
        _kept?.analysis.Dispose();
        _kept = null;
    }
}
