using Invariscope.Layout;
using Invariscope.Study.Cells;

namespace Invariscope.Study.Slurm;

/// <summary>Where a cell stands.</summary>
public enum CellState
{
    /// <summary>Its outputs are written.</summary>
    Done,
    /// <summary>Its Slurm task runs.</summary>
    Running,
    /// <summary>Its Slurm task waits (for resources, or for cells it depends on).</summary>
    Pending,
    /// <summary>Its task ended without finishing it (failed, cancelled, timed out, its node died, or Slurm forgot it).</summary>
    Failed,
    /// <summary>Its task waits for a cell that failed, so it never runs until resubmitted.</summary>
    Blocked,
    /// <summary>Not done, and no submission asked for it.</summary>
    NotSubmitted,
}

/// <summary>A cell's state, its latest task and log, and why it failed when known.</summary>
/// <param name="Id">The cell.</param>
/// <param name="State">Its state.</param>
/// <param name="Task">Its latest task (<c>JOB_TASK</c>), or null.</param>
/// <param name="Log">That task's log, or null.</param>
/// <param name="Detail">Slurm's state and reason, or the error the task recorded, or null.</param>
/// <param name="Queued">Its task is still in Slurm's queue (running, pending, or pending for a dependency that failed).</param>
public sealed record CellStatus(string Id, CellState State, string? Task, string? Log, string? Detail, bool Queued = false);

/// <summary>
/// The state of every cell of a study, from its files (done or not) and, for the rest, from what Slurm says of the
/// tasks that ran them (<c>squeue</c> for queued and running tasks, <c>scontrol show job</c> for ended ones while
/// Slurm keeps them) and from the failure records the tasks wrote.
/// </summary>
public static class StudyStatus
{
    /// <summary>The states, in plan order. <paramref name="isDone"/> says whether a cell's outputs are written.</summary>
    public static IReadOnlyList<CellStatus> Of(StudyPlan plan, Func<Cell, bool> isDone, StudyLayout layout, SlurmJobs jobs)
    {
        var latest = jobs.Latest();
        var queue = SlurmClient.Queue(jobs.Jobs).ToDictionary(t => (t.Job, t.Task)); // empty without squeue
        var shown = new Dictionary<long, Dictionary<int, TaskState>>();
        TaskState? Ended(long job, int task)
        {
            if (!shown.TryGetValue(job, out var tasks))
                shown[job] = tasks = SlurmClient.Show(job).GroupBy(t => t.Task).ToDictionary(g => g.Key, g => g.Last()); // empty without scontrol
            return tasks.GetValueOrDefault(task);
        }
        var states = new List<CellStatus>();
        var byId = new Dictionary<string, CellStatus>();
        void Add(CellStatus status) { states.Add(status); byId[status.Id] = status; }
        foreach (var cell in plan.Cells) // plan order: a cell's dependencies have their states already
        {
            if (isDone(cell)) { Add(new CellStatus(cell.Id, CellState.Done, null, null, null)); continue; }
            if (!latest.TryGetValue(cell.Id, out var at)) { Add(new CellStatus(cell.Id, CellState.NotSubmitted, null, null, null)); continue; }
            string task = $"{at.job}_{at.task}", log = layout.TaskLog(at.job, at.task);
            if (queue.TryGetValue(at, out var live))
            {
                var state = live.NeverRuns ? CellState.Blocked : live.Running ? CellState.Running : CellState.Pending;
                Add(new CellStatus(cell.Id, state, task, log, Describe(live), Queued: true));
                continue;
            }
            var ended = Ended(at.job, at.task);
            var failure = SlurmTask.FailureOf(layout, cell.Id);
            // a dependant that Slurm cancelled (or forgot) because a cell it waits for failed: it never started
            bool blocked = failure is null && ended is null or { State: "CANCELLED" } &&
                cell.DependsOn.Any(d => byId.TryGetValue(d, out var s) && s.State is CellState.Failed or CellState.Blocked);
            string detail = failure?.Error ?? (ended is null ? "the task ended without finishing the cell; Slurm no longer remembers it" : Describe(ended));
            if (ended is not null && failure is not null) detail = $"{Describe(ended)}: {failure.Error}";
            if (blocked) detail = $"{(ended is null ? "never ran" : Describe(ended))}: a cell it waits for failed";
            Add(new CellStatus(cell.Id, blocked ? CellState.Blocked : CellState.Failed, task, log, detail));
        }
        return states;
    }

    static string Describe(TaskState t) =>
        t.State + (t.Reason is { Length: > 0 } r ? $" ({r})" : "") + (t.ExitCode is { } e && e != "0:0" ? $", exit {e}" : "");

    /// <summary>Counts per state, as "N done, N running, ..." (states with none left out).</summary>
    public static string Summary(IReadOnlyList<CellStatus> states) =>
        string.Join(", ", Enum.GetValues<CellState>().Select(s => (s, n: states.Count(c => c.State == s))).Where(x => x.n > 0)
            .Select(x => $"{x.n} {Name(x.s)}"));

    /// <summary>How a state reads: done, running, pending, failed, blocked, not submitted.</summary>
    public static string Name(CellState state) => state == CellState.NotSubmitted ? "not submitted" : state.ToString().ToLowerInvariant();
}
