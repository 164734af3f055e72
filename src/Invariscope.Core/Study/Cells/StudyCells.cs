using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Study.Cells;

/// <summary>
/// A study's plan and its stages: which cells are done, which are ready (every dependency done), and running one
/// cell, in this process or in a separate one (<c>invariscope study CONFIG --cell ID</c>), in any order that the
/// dependencies allow. Stages keep what they loaded for the next cell of the same run or start; dispose to free it.
/// </summary>
public sealed class StudyCells : IDisposable
{
    readonly Dictionary<CellKind, IStage> _stages;

    /// <summary>The plan.</summary>
    public StudyPlan Plan { get; }
    /// <summary>What the stages share.</summary>
    public StageContext Context { get; }
    /// <summary>The statistics stage (its last result feeds the report).</summary>
    public StatisticsStage Statistics { get; }

    /// <summary>The cells of <paramref name="config"/> (validated) in the study folder <paramref name="root"/>.</summary>
    public StudyCells(StudyConfig config, string root, Device device, StudyCallbacks callbacks)
    {
        Plan = StudyPlan.For(config);
        Context = new StageContext(config, root, device, callbacks);
        Statistics = new StatisticsStage(Context);
        IStage[] stages = [new TrainStage(Context), new RobustnessStage(Context), new InversionStage(Context), new AnalysisStage(Context),
            Statistics, new ReportStage(Context, Statistics)];
        _stages = stages.ToDictionary(s => s.Kind);
    }

    /// <summary>The stage of a kind of cell.</summary>
    public IStage Stage(CellKind kind) => _stages[kind];

    /// <summary>
    /// Whether a cell is done. An aggregating cell (statistics, report) is done only while its outputs are no older
    /// than its inputs and its dependencies' outputs, so it is redone after anything it aggregates was redone.
    /// </summary>
    public bool IsDone(Cell cell)
    {
        var stage = Stage(cell.Kind);
        if (!stage.IsDone(cell)) return false;
        if (!stage.Aggregates) return true;
        var written = stage.Outputs(cell).Min(File.GetLastWriteTimeUtc);
        var read = stage.Inputs(cell).Concat(cell.DependsOn.SelectMany(d => Stage(Plan[d].Kind).Outputs(Plan[d]))).Where(File.Exists);
        return read.All(f => File.GetLastWriteTimeUtc(f) <= written);
    }

    /// <summary>The dependencies of a cell that are not done yet.</summary>
    public IReadOnlyList<string> Pending(Cell cell) => [.. cell.DependsOn.Where(d => !IsDone(Plan[d]))];

    /// <summary>
    /// Runs one cell (or reads a done one back) and returns its stage's result. Writes <c>study.json</c> first.
    /// <paramref name="done"/>: whether it is done, when the caller knows already.
    /// </summary>
    /// <exception cref="InvariscopeException">A dependency is not done, or an input it wrote is missing (named).</exception>
    public object? Run(Cell cell, CancellationToken cancel = default, bool? done = null)
    {
        CheckReady(cell);
        var stage = Stage(cell.Kind);
        if (stage.Inputs(cell).FirstOrDefault(f => !File.Exists(f)) is { } missing)
            throw new InvariscopeException($"cell {cell.Id}: input {missing} is missing although the cells it depends on are done");
        WriteConfig();
        return stage.Run(cell, done ?? IsDone(cell), cancel);
    }

    /// <summary>Throws, in one line, when a dependency of <paramref name="cell"/> is not done.</summary>
    public void CheckReady(Cell cell)
    {
        if (Pending(cell) is { Count: > 0 } pending)
            throw new InvariscopeException($"cell {cell.Id}: {pending.Count} of its dependencies are not done ({string.Join(", ", pending.Take(3))}{(pending.Count > 3 ? ", ..." : "")}); run them first");
    }

    /// <summary>Writes the study's config into its folder (only when it changed, so aggregates stay fresh).</summary>
    public void WriteConfig()
    {
        var path = Context.Layout.ConfigPath;
        var json = Context.Config.ToJson();
        AtomicFile.RemoveStale(Context.Root); // the study's own files; each stage cleans the folder it writes
        AtomicFile.RemoveStale(Context.Layout.ReportDir, recursive: true); // figures/ too
        AtomicFile.RemoveStale(Context.Layout.Inversions, recursive: true);
        if (File.Exists(path) && File.ReadAllText(path) == json) return;
        Directory.CreateDirectory(Context.Root);
        AtomicFile.WriteText(path, json);
    }

    /// <summary>Frees what a stage kept for its next cell.</summary>
    public void Release(CellKind kind) => (Stage(kind) as IDisposable)?.Dispose();

    /// <summary>Frees what every stage kept.</summary>
    public void Dispose()
    {
        foreach (var kind in _stages.Keys) Release(kind);
    }
}
