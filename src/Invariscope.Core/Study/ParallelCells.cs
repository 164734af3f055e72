using System.Runtime.ExceptionServices;
using Invariscope.Runtime;
using Invariscope.Study.Cells;
using static TorchSharp.torch;

namespace Invariscope.Study;

/// <summary>
/// Runs a study's cells on several workers in this process (<c>--jobs N</c>), each cell's ops on
/// <see cref="ThreadsPerJob"/> libtorch threads (one when the jobs fill the cores). A worker takes the first ready
/// cell in plan order (every dependency done), preferring one of the group it ran last, whose stage kept what it
/// loaded. Small models gain most: their ops are too short for two threads to share well (issue 16, 2 cores, two
/// 1-thread processes side by side against one on 2 threads: micro-ViT train step at batch 32 1.8x, STIR 1.26x).
/// A cell's numbers do not depend on the schedule: each runs alone on its own thread count, so a parallel run writes
/// what a sequential one on that many threads writes. The first failure stops the other workers at their next
/// cancellation check and is rethrown; files written so far stay, and the next run resumes from them.
/// </summary>
public sealed class ParallelCells(StudyConfig config, string root, Device device, StudyCallbacks callbacks, int jobs)
{
    /// <summary>
    /// The largest model, as embedding width × tokens, whose cells <see cref="Auto"/> runs side by side: the micro ViT at up
    /// to 65 tokens, where the gain was measured. Wider models keep every thread on one cell (their ops are long
    /// enough to share, and N models' activations would not all fit).
    /// </summary>
    public const int SmallModel = 64 * 65;

    /// <summary>
    /// <c>--jobs auto</c>: one worker per thread (each cell then on one) on the CPU when every run's model is at most
    /// <see cref="SmallModel"/>; otherwise one.
    /// </summary>
    public static int Auto(StudyConfig config, Device device, int threads)
    {
        if (device.type != TorchSharp.DeviceType.CPU || threads < 2) return 1;
        var plan = StudyPlan.For(config);
        bool small = plan.Runs.All(run =>
        {
            try
            {
                var model = Models.VitPresets.Get(StudyPlan.Train(config, run).Model);
                return model.EmbedDim * model.NumTokens <= SmallModel;
            }
            catch (InvariscopeException) { return false; } // not a preset: its size is unknown here, so one at a time
        });
        return small ? threads : 1;
    }

    /// <summary>Workers.</summary>
    public int Jobs { get; } = jobs >= 1 ? jobs : throw new InvariscopeException($"--jobs {jobs}: must be at least 1") { Field = "jobs" };

    /// <summary>libtorch threads of each cell: the process's count shared out between the workers, at least one.</summary>
    public int ThreadsPerJob { get; } = Math.Max(1, (CpuThreads.Applied?.Threads ?? get_num_threads()) / Math.Max(1, jobs));

    readonly object _gate = new(); // a monitor: workers wait on it for a running cell to finish
    readonly HashSet<string> _done = [];
    readonly HashSet<string> _running = [];
    readonly HashSet<string> _startedGroups = [];
    readonly TimeLeft _left = new();
    readonly Dictionary<string, double> _cellSeconds = [];
    ExceptionDispatchInfo? _failure;
    bool _stopping;
    ReportResult? _report;

    /// <summary>
    /// Runs every cell of <paramref name="plan"/> that is not in <paramref name="done"/>; returns the report's result
    /// and, per stage, the seconds its cells ran (summed over workers).
    /// </summary>
    public (ReportResult? report, IReadOnlyDictionary<string, double> cellSeconds) Run(StudyPlan plan, IReadOnlySet<string> done, CancellationToken cancel)
    {
        foreach (var id in done) _done.Add(id);
        var groups = plan.Cells.Select(StudyRunner.Group).Distinct().ToList();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var restore = (threads: get_num_threads(), governed: CpuGovernor.Enabled);
        CpuGovernor.Disable(); // the count is fixed per worker now; the governor reads and sets only the main thread's
        set_num_threads(ThreadsPerJob); // worker threads take it up at their first op (libtorch's lazy per-thread init)
        callbacks.Log($"{Jobs} cells at a time, {ThreadsPerJob} thread{(ThreadsPerJob == 1 ? "" : "s")} each (--jobs)");
        try
        {
            var workers = Enumerable.Range(0, Jobs).Select(w => new Thread(() => Work(plan, groups, stop), 16 << 20)
            { Name = $"invariscope cell worker {w}", IsBackground = true }).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
        }
        finally
        {
            set_num_threads(restore.threads);
            if (restore.governed && CpuThreads.Applied is { } applied) CpuGovernor.Enable(applied.Threads);
        }
        _failure?.Throw();
        cancel.ThrowIfCancellationRequested();
        return (_report, _cellSeconds);
    }

    void Work(StudyPlan plan, List<string> groups, CancellationTokenSource stop)
    {
        Cell? current = null;
        // each log line names its cell, as two cells' lines interleave; the training bars carry the run in their phase
        var mine = callbacks with
        {
            Log = line => callbacks.Log(current is null ? line : $"  {current.Id}: {line.TrimStart()}"),
            OnStep = callbacks.OnStep is { } onStep ? p => onStep(p with { Phase = $"{current?.Run?.Dir} {p.Phase}".Trim() }) : null,
        };
        try
        {
            using var cells = new StudyCells(config, root, device, mine);
            CellKind? previous = null;
            string? lastGroup = null;
            while (Take(plan, groups, lastGroup, stop.Token) is { } cell)
            {
                current = cell;
                if (previous is { } p && p != cell.Kind) cells.Release(p);
                previous = cell.Kind;
                lastGroup = StudyRunner.Group(cell);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                bool ok = false;
                try
                {
                    if (cells.Run(cell, stop.Token, done: false) is ReportResult r) lock (_gate) _report = r;
                    ok = true;
                }
                finally { Finish(cell, StudyRunner.Stage(cell), clock.Elapsed.TotalSeconds, ok); }
                current = null;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { } // stopped by the caller or by another worker's failure
        catch (Exception e)
        {
            lock (_gate) _failure ??= ExceptionDispatchInfo.Capture(e);
            stop.Cancel();
        }
        finally
        {
            lock (_gate) Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The next cell for a worker, waiting while every remaining cell waits on a running one; null when none is left.</summary>
    Cell? Take(StudyPlan plan, List<string> groups, string? lastGroup, CancellationToken stop)
    {
        lock (_gate)
        {
            while (true)
            {
                stop.ThrowIfCancellationRequested();
                if (_stopping) return null; // a cell failed: its worker reports it, the others take nothing new
                var left = plan.Cells.Where(c => !_done.Contains(c.Id) && !_running.Contains(c.Id)).ToList();
                if (left.Count == 0) return null;
                var ready = left.Where(c => c.DependsOn.All(_done.Contains)).ToList();
                if (ready.Count > 0)
                {
                    var cell = ready.FirstOrDefault(c => StudyRunner.Group(c) == lastGroup) ?? ready[0];
                    _running.Add(cell.Id);
                    if (_startedGroups.Add(StudyRunner.Group(cell)))
                    {
                        var eta = _left.Describe(plan.Cells.Where(c => !_done.Contains(c.Id)).Select(StudyRunner.Stage), Jobs);
                        callbacks.Log($"[{groups.IndexOf(StudyRunner.Group(cell)) + 1}/{groups.Count}] {StudyRunner.Describe(cell)}{(eta is null ? "" : $" ({eta})")}");
                    }
                    return cell;
                }
                if (_running.Count == 0)
                    throw new InvariscopeException($"study plan: {left.Count} cells wait on cells that never run ({left[0].Id} waits on {string.Join(", ", left[0].DependsOn.Where(d => !_done.Contains(d)))})");
                Monitor.Wait(_gate, TimeSpan.FromSeconds(1)); // woken when a cell finishes; the timeout re-checks cancellation
            }
        }
    }

    void Finish(Cell cell, string stage, double seconds, bool ok)
    {
        lock (_gate)
        {
            _running.Remove(cell.Id);
            _stopping |= !ok;
            if (ok)
            {
                _done.Add(cell.Id);
                _left.Add(stage, seconds);
            }
            _cellSeconds[stage] = _cellSeconds.GetValueOrDefault(stage) + seconds;
            Monitor.PulseAll(_gate);
        }
    }
}
