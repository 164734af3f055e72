using Invariscope.Study.Cells;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Study;

/// <summary>Callbacks of a study: log lines, training steps, and progress bars for long stages.</summary>
/// <param name="Log">One line per event.</param>
/// <param name="OnStep">Training step progress.</param>
/// <param name="Progress">A progress sink for a labelled stage (evaluation, inversion).</param>
public sealed record StudyCallbacks(Action<string> Log, Action<StepProgress>? OnStep = null,
    Func<string, IProgress<(int done, int total)>>? Progress = null);

/// <summary>What a whole study run gives: the loaded results, the statistics in statistics.json, and the report.</summary>
/// <param name="Results">The result files, loaded.</param>
/// <param name="Statistics">The statistics.</param>
/// <param name="Report">The report's index.html.</param>
public sealed record StudyOutcome(StudyResults Results, StudyStatisticsResult Statistics, string Report);

/// <summary>
/// Runs a study into a folder, as a loop over its cells (<see cref="StudyPlan"/>) in plan order, in this process (or
/// several at a time, <see cref="ParallelCells"/>):
/// the training runs, each run's robustness per epoch, the inversions on each pretrained start, each run's analysis
/// per (epoch, STIR seed), the statistics and the report. Every cell writes its results atomically and is skipped
/// when done, so running the same study again resumes where a killed one stopped, and the cells may as well run one
/// per process (<see cref="RunCell"/>). Layout: <c>study.json</c>, <c>pretrain/</c>, <c>inversions/</c> (inversions
/// on p shared between runs), per setting <c>NAME/</c> (run folder, or <c>NAME/seed_S/</c> per training seed) with
/// <c>robustness/</c> and <c>analysis/</c>, <c>statistics.json</c> and <c>report/</c>.
/// </summary>
public sealed class StudyRunner(StudyConfig config, string root, Device device, StudyCallbacks callbacks)
{
    /// <summary>The study folder.</summary>
    public string Root { get; } = new Layout.StudyLayout(root).Root;

    /// <summary>The study's cells.</summary>
    public StudyPlan Plan { get; } = StudyPlan.For(config);

    /// <summary>
    /// Runs (or resumes) every cell; returns the loaded results, the statistics and the report. With
    /// <paramref name="jobs"/> above one the cells run that many at a time in this process (<see cref="ParallelCells"/>).
    /// </summary>
    public StudyOutcome Run(CancellationToken cancel = default, int jobs = 1)
    {
        using var cells = new StudyCells(config, Root, device, callbacks);
        var log = callbacks.Log;
        StudyInputs.Check(config); // before the folder is created: a typo leaves nothing behind
        using var hold = Runtime.FolderLock.Acquire(Root, what: "in use by another study run or its cells");
        cells.WriteConfig();
        foreach (var s in config.Settings.Where(s => !s.Robustness || !s.Analyze))
            log($"{s.Name}: " + string.Join(", ", new[] { s.Robustness ? null : "robustness off", s.Analyze ? null : "analysis off" }.OfType<string>()));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (report, times) = jobs > 1 ? RunParallel(cells, jobs, cancel) : RunInOrder(cells, cancel);
        log((jobs > 1 ? $"time by stage (this invocation, cell-seconds on {jobs} workers, {clock.Elapsed.TotalSeconds:F0} s in all): "
                : "time by stage (this invocation; a resumed stage counts only what was left): ") +
            string.Join(", ", times.Select(t => $"{t.Key} {t.Value:F0} s")));
        var (results, statistics) = cells.Statistics.Last ?? cells.Statistics.Load(); // no Last when workers ran the statistics
        return new StudyOutcome(results, statistics, report!.Html);
    }

    (ReportResult? report, IReadOnlyDictionary<string, double> times) RunParallel(StudyCells cells, int jobs, CancellationToken cancel)
    {
        var done = Plan.Cells.Where(cells.IsDone).Select(c => c.Id).ToHashSet();
        if (done.Count > 0) callbacks.Log($"{done.Count} of {Plan.Cells.Count} cells already done");
        var (report, seconds) = new ParallelCells(config, Root, device, callbacks, jobs).Run(Plan, done, cancel);
        return (report ?? (done.Contains(CellIds.Report) ? cells.Run(Plan[CellIds.Report], cancel, done: true) as ReportResult : null), seconds);
    }

    (ReportResult? report, IReadOnlyDictionary<string, double> times) RunInOrder(StudyCells cells, CancellationToken cancel)
    {
        var log = callbacks.Log;
        var groups = Plan.Cells.GroupBy(Group).ToList(); // plan order: a group's cells are contiguous
        int stage = 0;
        var times = new Dictionary<string, double>();
        ReportResult? report = null;
        CellKind? previous = null;
        // the time left, from the measured time of the cells run so far (cells done before this run cost nothing)
        var left = new TimeLeft();
        var pending = Plan.Cells.Where(c => !cells.IsDone(c)).Select(c => c.Id).ToHashSet();
        foreach (var group in groups)
        {
            var first = group.First();
            if (previous is { } p && p != first.Kind) cells.Release(p); // free what the last stage kept for its next cell
            previous = first.Kind;
            var eta = left.Describe(Plan.Cells.Where(c => pending.Contains(c.Id)).Select(Stage));
            log($"[{++stage}/{groups.Count}] {Describe(first)}{(eta is null ? "" : $" ({eta})")}");
            var done = group.Select(cells.IsDone).ToList();
            if (first.Kind is not CellKind.Train && done.Count(d => d) is > 0 and var k) log($"  {k} of {done.Count} cells already done");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var (cell, isDone) in group.Zip(done))
            {
                cancel.ThrowIfCancellationRequested();
                var cellClock = System.Diagnostics.Stopwatch.StartNew();
                if (cells.Run(cell, cancel, isDone) is ReportResult r) report = r;
                if (!isDone) left.Add(Stage(cell), cellClock.Elapsed.TotalSeconds);
                pending.Remove(cell.Id);
            }
            var what = Stage(first);
            times[what] = times.GetValueOrDefault(what) + clock.Elapsed.TotalSeconds;
        }
        return (report, times);
    }

    /// <summary>Runs one cell (or reads it back when done); returns its stage's result.</summary>
    /// <exception cref="Runtime.InvariscopeException">An unknown id, or a dependency that is not done (one line).</exception>
    public object? RunCell(string id, CancellationToken cancel = default)
    {
        var cell = Plan.Get(id);
        using var cells = new StudyCells(config, Root, device, callbacks);
        cells.CheckReady(cell); // before any lock file: a refused cell creates nothing
        // cells of one study run side by side (one process each) under a shared lock that a whole-study run excludes;
        // each cell also holds its own, so the same cell never runs twice at once
        using var study = Runtime.FolderLock.Acquire(Root, shared: true, what: "in use by a whole-study run");
        using var one = Runtime.FolderLock.Acquire(new Layout.StudyLayout(Root).CellLocks, CellIds.LockName(id), what: "this cell is running");
        bool done = cells.IsDone(cell);
        callbacks.Log(done ? $"{id}: already done" : $"{id}: {Describe(cell)}");
        return cells.Run(cell, cancel, done);
    }

    /// <summary>Cells logged under one header: a run's training, robustness or analysis, a start's inversions, statistics, report.</summary>
    internal static string Group(Cell c) => $"{c.Kind}/{c.Run?.Dir ?? c.Start?.Name}";

    /// <summary>The "time by stage" bucket of a cell.</summary>
    internal static string Stage(Cell c) => c.Kind switch
    {
        CellKind.Train => c.Run!.Setting is null ? "pretraining" : "training",
        CellKind.Inversion => "inversions",
        var kind => CellIds.Name(kind),
    };

    internal static string Describe(Cell c) => c.Kind switch
    {
        CellKind.Train => c.Run!.Setting is null ? "pretraining" : $"{c.Run.Name}: training",
        CellKind.Robustness => $"{c.Run!.Name}: accuracy per epoch (clean, OOD, corruptions)",
        CellKind.Inversion => $"inversions on {c.Start!.Name}, shared by {string.Join(", ", c.Start.Runs.Select(r => r.Dir))}",
        CellKind.Analysis => $"{c.Run!.Name}: invariance analysis of every epoch against epoch 0",
        CellKind.Statistics => "statistics (each run's aggregates, then statistics.json)",
        _ => "report",
    };
}
