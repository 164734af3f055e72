using Invariscope.Evaluation;

namespace Invariscope.Study.Cells;

/// <summary>
/// Evaluates one epoch of a run on the study's robustness suite (<c>robustness/RUN/epoch_NNN</c>) into
/// <c>RUN/robustness/epoch_NNN.json</c>. Input: that epoch's checkpoint. An epoch the finished run did not write
/// is done and empty. The suite (test subsets and their corrupted copies) is made once per process and kept for
/// every later cell; <c>robustness.csv</c> is written by the statistics cell.
/// </summary>
public sealed class RobustnessStage(StageContext context) : Stage<EpochRobustness>(context)
{
    TestSuite? _suite;

    /// <inheritdoc/>
    public override CellKind Kind => CellKind.Robustness;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Inputs(Cell cell) =>
        Context.Wrote(cell.Run!, cell.Epoch!.Value) ? [Context.Folder(cell.Run!).Weights(cell.Epoch.Value)] : [];

    /// <inheritdoc/>
    public override string Folder(Cell cell) => Context.Folder(cell.Run!).Robustness.Root;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Outputs(Cell cell) =>
        Context.FinalEpoch(cell.Run!) is int final && cell.Epoch > final ? [] : [Context.Folder(cell.Run!).Robustness.Epoch(cell.Epoch!.Value)];

    /// <inheritdoc/>
    public override bool IsDone(Cell cell) => Context.FinalEpoch(cell.Run!) is not null && base.IsDone(cell);

    /// <inheritdoc/>
    public override object Settings(Cell cell) => Context.Config.Robustness!.Validate();

    /// <inheritdoc/>
    protected override EpochRobustness Execute(Cell cell, CancellationToken cancel)
    {
        var run = Context.Folder(cell.Run!);
        var settings = Context.Config.Robustness!;
        _suite ??= RunRobustness.Suite(settings, Context.Log);
        var progress = Context.Callbacks.Progress?.Invoke($"{cell.Run!.Name}: evaluate epoch {cell.Epoch}");
        int done = 0, total = _suite.Sets;
        progress?.Report((0, total));
        return RunRobustness.RunEpoch(run, settings, cell.Epoch!.Value, Context.Device, _suite, Context.Log, () => progress?.Report((++done, total)));
    }

    /// <inheritdoc/>
    protected override EpochRobustness? ReadBack(Cell cell) =>
        Outputs(cell) is [var file] ? RunRobustness.ReadEpoch(file) : null;
}
