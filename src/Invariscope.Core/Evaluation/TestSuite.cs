using Invariscope.Data;
using static TorchSharp.torch;

namespace Invariscope.Evaluation;

/// <summary>What one checkpoint scored on a <see cref="TestSuite"/>: clean and OOD (null when not in the suite) and every cell.</summary>
public sealed record SuiteResult(EvalResult? Clean, EvalResult? Ood, IReadOnlyList<CorruptionCell> Cells);

/// <summary>
/// The test sets of one evaluation: the clean (in-distribution) data and the OOD data, each limited to the plan's
/// seeded subset, and the (corruption, severity) cells of a <see cref="CorruptionPlan"/>. Every checkpoint is
/// evaluated on them in one fixed order (clean, OOD, then the cells corruption by corruption), by
/// <see cref="Evaluate"/>: the one loop behind <c>evaluate --corruptions</c> and the per-epoch robustness of a run.
/// </summary>
public sealed class TestSuite
{
    readonly CorruptionPlan _plan;
    readonly IImageDataset[]? _cellData; // in memory, or null: each cell is built when evaluated

    /// <summary>The clean subset, or null (a CIFAR-C folder without clean data).</summary>
    public IImageDataset? Clean { get; }
    /// <summary>The OOD subset, or null.</summary>
    public IImageDataset? Ood { get; }
    /// <summary>The (corruption, severity) cells, in evaluation order.</summary>
    public IReadOnlyList<(string Corruption, int Severity)> Cells { get; }
    /// <summary>How many sets one evaluation covers (for progress).</summary>
    public int Sets => (Clean is null ? 0 : 1) + (Ood is null ? 0 : 1) + Cells.Count;

    TestSuite(CorruptionPlan plan, IImageDataset? clean, IImageDataset? ood, IImageDataset[]? cellData)
    {
        _plan = plan;
        Clean = clean;
        Ood = ood;
        Cells = CellsOf(plan);
        _cellData = cellData;
    }

    /// <summary>
    /// A suite read as it is evaluated: each cell is corrupted on the fly from the clean subset, or read from the
    /// plan's CIFAR-C folder and closed again. For one checkpoint.
    /// </summary>
    public static TestSuite Of(CorruptionPlan plan, IImageDataset? clean, IImageDataset? ood = null) =>
        new(plan, clean is null ? null : plan.Limited(clean), ood is null ? null : plan.Limited(ood), null);

    /// <summary>
    /// A suite held in memory (one copy per cell): the corruption of each cell is computed once, for evaluating
    /// many checkpoints (every epoch of a run) on the same images.
    /// </summary>
    public static TestSuite InMemory(CorruptionPlan plan, IImageDataset clean, IImageDataset? ood)
    {
        var cleanSubset = new MaterializedDataset(plan.Limited(clean));
        var oodSubset = ood is null ? null : new MaterializedDataset(plan.Limited(ood));
        var cells = CellsOf(plan).Select(c => plan.OnCell(cleanSubset, c.Corruption, c.Severity, d => (IImageDataset)new MaterializedDataset(d))).ToArray();
        return new TestSuite(plan, cleanSubset, oodSubset, cells);
    }

    static (string Corruption, int Severity)[] CellsOf(CorruptionPlan plan) =>
        [.. plan.Corruptions.SelectMany(c => plan.Severities.Select(s => (c, s)))];

    /// <summary>Evaluates <paramref name="checkpoint"/> on every set in order; <paramref name="setDone"/> is called after each.</summary>
    public SuiteResult Evaluate(EvaluatedCheckpoint checkpoint, int batchSize, Device device, Action? setDone = null)
    {
        EvalResult Eval(IImageDataset data)
        {
            var r = checkpoint.Evaluate(data, batchSize, device);
            setDone?.Invoke();
            return r;
        }
        var clean = Clean is null ? null : Eval(Clean);
        var ood = Ood is null ? null : Eval(Ood);
        var cells = Cells.Select((c, i) =>
        {
            var r = _cellData is null ? _plan.OnCell(Clean, c.Corruption, c.Severity, Eval) : Eval(_cellData[i]);
            return new CorruptionCell(c.Corruption, c.Severity, r.Accuracy, r.Loss, r.N);
        }).ToList();
        return new SuiteResult(clean, ood, cells);
    }
}
