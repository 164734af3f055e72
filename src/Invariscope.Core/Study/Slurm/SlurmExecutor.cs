using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Study.Cells;

namespace Invariscope.Study.Slurm;

/// <summary>
/// Runs a study on Slurm: submits, at once, every cell that is neither done nor already queued or running, as job
/// arrays (<see cref="SlurmArrays"/>) linked by <c>--dependency=afterok:</c>, then returns; Slurm runs the rest.
/// A first submission and a resubmission are the same call: cells done (locally or by earlier jobs) are skipped,
/// queued ones are waited for by job id, and tasks that can never run (a cell they wait for failed) are cancelled
/// and submitted again.
/// </summary>
public static class SlurmExecutor
{
    /// <summary>
    /// Submits what is left of the study in <paramref name="task"/>'s folder; returns the submission (null when
    /// nothing is left to submit). <paramref name="dryRun"/>: print the scripts to <paramref name="log"/>, submit and
    /// write nothing. <paramref name="isDone"/> says whether a cell's outputs are written.
    /// </summary>
    public static Submission? Submit(StudyPlan plan, Func<Cell, bool> isDone, TaskCommand task, SlurmOptions options, bool dryRun, Action<string> log)
    {
        options.Validate();
        var layout = new StudyLayout(task.Root);
        using var hold = dryRun ? null : FolderLock.Acquire(layout.Slurm, what: "another submission of this study is running");
        var jobs = SlurmJobs.Read(layout);
        var states = StudyStatus.Of(plan, isDone, layout, jobs);
        var done = states.Where(s => s.State == CellState.Done).Select(s => s.Id).ToHashSet();
        var latest = jobs.Latest();
        var live = states.Where(s => s.State is CellState.Running or CellState.Pending).ToDictionary(s => s.Id, s => latest[s.Id]);
        var never = states.Where(s => s.State == CellState.Blocked && s.Queued).Select(s => s.Task!).ToList();
        var arrays = SlurmArrays.For(plan, done.Concat(live.Keys).ToHashSet(), done);
        log($"{plan.Cells.Count} cells: {done.Count} done, {live.Count} queued or running, {arrays.Sum(a => a.Cells.Count)} to submit in {arrays.Count} job arrays" +
            (never.Count > 0 ? $" ({never.Count} tasks that wait for a failed cell are cancelled first)" : ""));
        if (arrays.Count == 0) return null;
        if (!dryRun) SlurmClient.Cancel(never);

        int index = jobs.Submissions.Count;
        var folder = layout.SlurmSubmission(index);
        var submitted = new List<SubmittedArray>();
        var at = DateTime.UtcNow;
        var taskOf = live.ToDictionary(kv => kv.Key, kv => (job: kv.Value.job.ToString(), kv.Value.task));
        foreach (var array in arrays)
        {
            var cellList = Path.Combine(folder, array.Name + ".cells");
            var scriptPath = Path.Combine(folder, array.Name + ".sbatch");
            var script = JobScript.Render(array, options, task, cellList, layout.Logs);
            string dependency = dryRun ? Symbolic(array.After) : Dependency(array.After, taskOf, submitted);
            if (dryRun)
            {
                log($"# {scriptPath}{(dependency.Length > 0 ? $" (submitted with --dependency={dependency})" : "")}");
                log(script);
                for (int i = 0; i < array.Cells.Count; i++) taskOf[array.Cells[i]] = ($"<{array.Name}>", i);
                continue;
            }
            Directory.CreateDirectory(layout.Logs);
            AtomicFile.WriteText(cellList, string.Join('\n', array.Cells) + "\n");
            AtomicFile.WriteText(scriptPath, script);
            long job = SlurmClient.Submit(scriptPath, dependency.Length > 0 ? [$"--dependency={dependency}", "--kill-on-invalid-dep=yes"] : []);
            submitted.Add(new SubmittedArray(array.Name, job, array.Cells, scriptPath, dependency));
            for (int i = 0; i < array.Cells.Count; i++) taskOf[array.Cells[i]] = (job.ToString(), i);
            new SlurmJobs([.. jobs.Submissions, new Submission(at, task, options, submitted)]).Write(layout);
            log($"submitted {array.Name}: job {job}, {array.Cells.Count} task{(array.Cells.Count == 1 ? "" : "s")}{(dependency.Length > 0 ? $", after {Short(dependency)}" : "")}");
        }
        return dryRun ? null : new Submission(at, task, options, submitted);
    }

    /// <summary>
    /// <c>afterok:</c> every task the array waits for: a whole array's job id when it waits for all of that array's
    /// tasks, else <c>JOB_TASK</c> per task.
    /// </summary>
    static string Dependency(IReadOnlyList<string> after, Dictionary<string, (string job, int task)> taskOf, List<SubmittedArray> submitted)
    {
        if (after.Count == 0) return "";
        var parts = new List<string>();
        foreach (var group in after.Select(id => taskOf.TryGetValue(id, out var t) ? t
                     : throw new InvariscopeException($"slurm: cell {id} is neither done, queued nor submitted")).GroupBy(t => t.job))
        {
            var whole = submitted.FirstOrDefault(a => a.Job.ToString() == group.Key);
            var tasks = group.Select(t => t.task).Distinct().ToList();
            if (whole is not null && tasks.Count == whole.Cells.Count) parts.Add(group.Key);
            else parts.AddRange(tasks.Order().Select(t => $"{group.Key}_{t}"));
        }
        return "afterok:" + string.Join(':', parts);
    }

    static string Symbolic(IReadOnlyList<string> after) => after.Count == 0 ? "" : "afterok:" + string.Join(':', after.Select(id => $"<{id}>"));

    static string Short(string dependency) => dependency.Length <= 80 ? dependency : dependency[..77] + "...";
}
