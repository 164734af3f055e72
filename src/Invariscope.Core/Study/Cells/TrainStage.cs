using Invariscope.Training;

namespace Invariscope.Study.Cells;

/// <summary>A run's training: its epochs' metrics and the final epoch it wrote.</summary>
/// <param name="Metrics">metrics.json rows.</param>
/// <param name="FinalEpoch">The last epoch written (an hp-ft run that stopped probing early ends before its plan's last epoch).</param>
public sealed record TrainResult(IReadOnlyList<EpochMetrics> Metrics, int FinalEpoch);

/// <summary>
/// Trains one run (<c>train/RUN</c>) into its folder, resuming a killed run from its last complete epoch. Input: the
/// pretraining run's final checkpoint, for a setting that starts from it. Done once the trainer has written
/// <c>done.json</c> (after the last epoch), which names the final epoch.
/// </summary>
public sealed class TrainStage(StageContext context) : Stage<TrainResult>(context)
{
    /// <inheritdoc/>
    public override CellKind Kind => CellKind.Train;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Inputs(Cell cell) =>
        Context.UsesPretrain(cell.Run!) ? [Context.PretrainWeights()!] : [];

    /// <inheritdoc/>
    public override string Folder(Cell cell) => Context.Folder(cell.Run!).Root;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Outputs(Cell cell) => [Context.Folder(cell.Run!).DonePath];

    /// <inheritdoc/>
    public override object Settings(Cell cell) => Context.TrainSettings(cell.Run!);

    /// <inheritdoc/>
    protected override TrainResult Execute(Cell cell, CancellationToken cancel)
    {
        var run = Context.Folder(cell.Run!);
        var train = Context.TrainSettings(cell.Run!);
        Context.Log($"{train.Task}, {train.Strategy}, {train.Epochs} epochs on {train.Data}");
        var metrics = new Trainer(train, run, Context.Device, Context.Log, Context.Callbacks.OnStep).Run(File.Exists(run.ConfigPath), cancel);
        return new TrainResult(metrics, RunFiles.FinalEpoch(run)!.Value);
    }

    /// <inheritdoc/>
    protected override TrainResult ReadBack(Cell cell)
    {
        var run = Context.Folder(cell.Run!);
        Context.Log($"{run.Root}: already complete");
        return new TrainResult(RunFiles.ReadMetrics(run), RunFiles.FinalEpoch(run)!.Value);
    }
}
