using Invariscope.Data;

namespace Invariscope.Training;

/// <summary>
/// The test sets of a robustness evaluation, made once and shared by every epoch (and every run) evaluated with the
/// same settings: the seeded clean subset, the OOD subset, and one corrupted copy per corruption × severity cell.
/// </summary>
/// <param name="Settings">The settings it was made from.</param>
/// <param name="Clean">The clean (ID) test subset.</param>
/// <param name="Ood">The OOD test subset, or null.</param>
/// <param name="Cells">The corruption × severity cells, in plan order.</param>
/// <param name="Corrupted">The clean subset corrupted per cell (same order as <paramref name="Cells"/>).</param>
public sealed record RobustnessSuite(RobustnessSettings Settings, IImageDataset Clean, IImageDataset? Ood,
    IReadOnlyList<(string Corruption, int Severity)> Cells, IReadOnlyList<IImageDataset> Corrupted)
{
    /// <summary>Evaluations per epoch: clean, OOD if any, and every cell.</summary>
    public int EvaluationsPerEpoch => Cells.Count + 1 + (Ood is null ? 0 : 1);

    /// <summary>Opens the test data and corrupts it (validated settings).</summary>
    public static RobustnessSuite Prepare(RobustnessSettings settings, Action<string>? log = null)
    {
        var plan = settings.Plan();
        var clean = new MaterializedDataset(plan.Limited(DatasetSpecs.Open(settings.Data)));
        var ood = settings.OodData is null ? null : new MaterializedDataset(plan.Limited(DatasetSpecs.Open(settings.OodData)));
        log?.Invoke($"preparing {plan.Corruptions.Count * plan.Severities.Count} corrupted copies of {clean.Count} test images");
        var cells = plan.Corruptions.SelectMany(c => plan.Severities.Select(s => (c, s))).ToList();
        var corrupted = cells.Select(cell => (IImageDataset)plan.OnCell(clean, cell.c, cell.s, d => new MaterializedDataset(d))).ToArray();
        return new RobustnessSuite(settings, clean, ood, cells, corrupted);
    }
}
