using System.CommandLine;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Study;
using Invariscope.Study.Cells;
using Invariscope.Study.Slurm;

namespace Invariscope.Cli.Commands;

/// <summary>
/// A study on Slurm: <c>study CONFIG --executor slurm</c> submits it, <c>study status DIR</c> says where each cell
/// stands, <c>study resubmit DIR</c> submits again what is neither done nor queued. The tasks run
/// <c>study DIR/study.json --out DIR --cell ID</c> with this CLI, all paths absolute (the study folder, the data and
/// the CLI must be on a file system every node shares).
/// </summary>
public static class StudySlurmCommands
{
    /// <summary>Checks the study's inputs, writes its <c>study.json</c>, and submits what is left.</summary>
    public static int Submit(ParseResult parse, StudyConfig study, string root, SlurmOptions options, bool dryRun)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var layout = new StudyLayout(root);
        if (!dryRun) SlurmClient.Require();
        StudyInputs.Check(study); // here, not in a hundred tasks
        using var cells = Cells(study, layout);
        if (!dryRun)
            using (FolderLock.Acquire(layout.Root, shared: true, what: "in use by a whole-study run"))
                cells.WriteConfig();
        var task = new TaskCommand(SlurmFlags.Self(), layout.ConfigPath, layout.Root, Environment.CurrentDirectory);
        var submission = SlurmExecutor.Submit(cells.Plan, cells.IsDone, task, options, dryRun, stdout.WriteLine);
        if (submission is not null)
            stdout.WriteLine($"submitted {submission.Arrays.Sum(a => a.Cells.Count)} cells; logs in {layout.Logs}; " +
                             $"follow with 'invariscope study status {layout.Root}'");
        return 0;
    }

    /// <summary><c>study status DIR</c>.</summary>
    public static Command Status()
    {
        var dir = new Argument<string>("dir") { Description = "the study folder" };
        var all = new Option<bool>("--all") { Description = "list every cell that is not done, not only the failed ones" };
        var json = new Option<bool>("--json") { Description = "print every cell's state as JSON" };
        var command = new Command("status",
            "Where each cell of a study stands: done (from its files), running, pending, failed or blocked (from squeue and scontrol where present), " +
            "with the log of each failed cell.") { dir, all, json };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var layout = Existing(parse.GetValue(dir)!);
            var study = StudyConfig.Load(layout.ConfigPath);
            using var cells = Cells(study, layout);
            var jobs = SlurmJobs.Read(layout);
            var states = StudyStatus.Of(cells.Plan, cells.IsDone, layout, jobs);
            if (parse.GetValue(json))
            {
                stdout.WriteLine(Json.Serialize(states.Select(s => new { id = s.Id, state = StudyStatus.Name(s.State), task = s.Task, log = s.Log, detail = s.Detail })));
                return 0;
            }
            stdout.WriteLine($"{layout.Root}: {states.Count} cells: {StudyStatus.Summary(states)}");
            foreach (var s in states.Where(s => s.State == CellState.Failed))
                stdout.WriteLine($"failed  {s.Id}  task {s.Task}: {s.Detail}; log {s.Log}");
            var blocked = states.Where(s => s.State == CellState.Blocked).ToList();
            if (blocked.Count > 0)
                stdout.WriteLine($"blocked {blocked.Count} cells wait for a failed cell ({string.Join(", ", blocked.Take(4).Select(s => s.Id))}{(blocked.Count > 4 ? ", ..." : "")})");
            if (parse.GetValue(all))
                foreach (var s in states.Where(s => s.State is CellState.Running or CellState.Pending or CellState.NotSubmitted))
                    stdout.WriteLine($"{StudyStatus.Name(s.State),-8}{s.Id}{(s.Task is null ? "" : $"  task {s.Task}")}{(s.Detail is null ? "" : $": {s.Detail}")}");
            if (states.Any(s => s.State is CellState.Failed or CellState.Blocked or CellState.NotSubmitted) && states.All(s => s.State is not (CellState.Running or CellState.Pending)))
                stdout.WriteLine(jobs.Submissions.Count > 0 ? $"to run what is left: invariscope study resubmit {layout.Root}"
                    : $"to run it on Slurm: invariscope study {layout.ConfigPath} --executor slurm --out {layout.Root}");
            return 0;
        });
        return command;
    }

    /// <summary><c>study resubmit DIR</c>.</summary>
    public static Command Resubmit()
    {
        var dir = new Argument<string>("dir") { Description = "the study folder (submitted before with --executor slurm)" };
        var flags = new SlurmFlags();
        var command = new Command("resubmit",
            "Submit again every cell of a study that is neither done nor queued or running (failed, cancelled, timed out, or blocked by one that was), " +
            "with the options of the last submission unless given here.") { dir };
        var (device, torchLib) = CommonOptions.AddTo(command, threads: false);
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            var layout = Existing(parse.GetValue(dir)!);
            var last = SlurmJobs.Read(layout).Submissions.LastOrDefault()
                ?? throw new InvariscopeException($"{layout.SlurmJobs}: the study was never submitted to Slurm; use 'invariscope study CONFIG --executor slurm --out {layout.Root}'");
            if (!flags.DryRun(parse)) SlurmClient.Require();
            var study = StudyConfig.Load(layout.ConfigPath);
            var options = flags.Read(parse, last.Options, parse.GetResult(device) is null ? null : parse.GetValue(device), parse.GetValue(torchLib));
            using var cells = Cells(study, layout);
            var task = last.Task with { Cli = SlurmFlags.Self() };
            var submission = SlurmExecutor.Submit(cells.Plan, cells.IsDone, task, options, flags.DryRun(parse), parse.InvocationConfiguration.Output.WriteLine);
            if (submission is null && !flags.DryRun(parse)) parse.InvocationConfiguration.Output.WriteLine("nothing to submit");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// After Slurm's time-limit signal stopped a cell at a safe point: asks Slurm to requeue this task, which then
    /// resumes from the cell's files. Outside Slurm it only says how to resume.
    /// </summary>
    public static int Requeue(TextWriter stderr, string cell)
    {
        if (SlurmTask.JobId is not { } job)
        {
            stderr.WriteLine($"invariscope: stopped by SIGUSR1; run the same command again to resume {cell}");
            return 130;
        }
        stderr.WriteLine($"invariscope: {cell}: the time limit is near; stopped at a safe point, requeueing job {SlurmTask.Name} (it resumes from its files)");
        SlurmClient.Requeue(job);
        return 75; // EX_TEMPFAIL: should the requeue not take, the task counts as failed, never as done
    }

    static StudyLayout Existing(string dir)
    {
        var layout = new StudyLayout(dir);
        if (!File.Exists(layout.ConfigPath)) throw new InvariscopeException($"{layout.Root}: not a study folder (no study.json)");
        return layout;
    }

    static StudyCells Cells(StudyConfig study, StudyLayout layout) =>
        new(study, layout.Root, TorchSharp.torch.CPU, new StudyCallbacks(_ => { }));
}
