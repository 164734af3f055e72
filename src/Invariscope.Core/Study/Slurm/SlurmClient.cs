using System.Text.RegularExpressions;
using Invariscope.Runtime;

namespace Invariscope.Study.Slurm;

/// <summary>The state of one array task as Slurm tells it.</summary>
/// <param name="Job">The array's job id.</param>
/// <param name="Task">The task index.</param>
/// <param name="State">Slurm's state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, ...</param>
/// <param name="Reason">Why it waits or ended (<c>Dependency</c>, <c>DependencyNeverSatisfied</c>, <c>NonZeroExitCode</c>), or empty.</param>
/// <param name="ExitCode">Slurm's <c>code:signal</c>, when it ended.</param>
public sealed record TaskState(long Job, int Task, string State, string Reason, string? ExitCode = null)
{
    /// <summary>Queued or running: a cell Slurm will still run.</summary>
    public bool Live => !NeverRuns && State is "PENDING" or "RUNNING" or "CONFIGURING" or "COMPLETING" or "REQUEUED" or "REQUEUE_FED"
        or "REQUEUE_HOLD" or "RESIZING" or "SUSPENDED" or "STAGE_OUT" or "SIGNALING";
    /// <summary>Waits for a dependency that failed, so it never runs (unless its cells are submitted again).</summary>
    public bool NeverRuns => State == "PENDING" && Reason == "DependencyNeverSatisfied";
    /// <summary>Runs now.</summary>
    public bool Running => State is "RUNNING" or "CONFIGURING" or "COMPLETING";
}

/// <summary>
/// The Slurm commands a study uses (<c>sbatch</c>, <c>squeue</c>, <c>scontrol</c>, <c>scancel</c>), run as child
/// processes with the environment of this one (so <c>SLURM_CONF</c> reaches them). Parsing is separate and pure.
/// </summary>
public static partial class SlurmClient
{
    /// <summary>Throws, in one line, when <c>sbatch</c> is not on PATH (before a submission writes anything).</summary>
    public static void Require()
    {
        if (Find("sbatch") is null) throw NotFound("sbatch");
    }

    /// <summary>Submits a script; returns its job id.</summary>
    /// <exception cref="InvariscopeException">sbatch is missing or refused the script (its message, one line).</exception>
    public static long Submit(string script, IEnumerable<string> options)
    {
        var (code, stdout, stderr) = Run("sbatch", ["--parsable", .. options, script]);
        if (code != 0) throw new InvariscopeException($"sbatch refused {script}: {OneLine(stderr)}");
        var first = stdout.Trim().Split(';')[0]; // --parsable: "JOBID" or "JOBID;CLUSTER"
        return long.TryParse(first, out var id) ? id : throw new InvariscopeException($"sbatch {script}: unexpected answer '{OneLine(stdout)}'");
    }

    /// <summary>The queued and running tasks of this user's jobs <paramref name="jobs"/> (<c>squeue -r</c>: one line per task).</summary>
    public static IReadOnlyList<TaskState> Queue(IReadOnlySet<long> jobs)
    {
        if (jobs.Count == 0 || Find("squeue") is null) return [];
        var (code, stdout, stderr) = Run("squeue", ["-h", "-r", "-u", Environment.UserName, "-o", "%i|%T|%r"]);
        if (code != 0) throw new InvariscopeException($"squeue failed: {OneLine(stderr)}");
        return [.. ParseQueue(stdout).Where(t => jobs.Contains(t.Job))];
    }

    /// <summary>The tasks of job <paramref name="job"/> that Slurm still remembers (<c>scontrol show job</c>), ended ones included; empty when it forgot the job.</summary>
    public static IReadOnlyList<TaskState> Show(long job)
    {
        if (Find("scontrol") is null) return [];
        var (code, stdout, _) = Run("scontrol", ["show", "job", "-o", job.ToString()]);
        return code == 0 ? ParseShow(stdout) : [];
    }

    /// <summary>Cancels array tasks (<c>JOB_TASK</c>).</summary>
    public static void Cancel(IEnumerable<string> tasks)
    {
        var list = tasks.ToList();
        if (list.Count == 0) return;
        var (code, _, stderr) = Run("scancel", list);
        if (code != 0) throw new InvariscopeException($"scancel {string.Join(' ', list.Take(3))}: {OneLine(stderr)}");
    }

    /// <summary>Asks Slurm to requeue job <paramref name="jobId"/> (this task's own <c>SLURM_JOB_ID</c>).</summary>
    public static void Requeue(string jobId)
    {
        var (code, _, stderr) = Run("scontrol", ["requeue", jobId]);
        if (code != 0) throw new InvariscopeException($"scontrol requeue {jobId} failed: {OneLine(stderr)}");
    }

    /// <summary>Parses <c>squeue -h -r -o "%i|%T|%r"</c>; lines of jobs that are not array tasks are skipped.</summary>
    public static IReadOnlyList<TaskState> ParseQueue(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('|'))
            .Where(f => f.Length == 3 && ArrayTask().IsMatch(f[0]))
            .Select(f => { var m = ArrayTask().Match(f[0]); return new TaskState(long.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), f[1], f[2] == "None" ? "" : f[2]); })];

    /// <summary>Parses <c>scontrol show job -o</c>: one record per line; a pending record of several tasks (<c>ArrayTaskId=3-5%2</c>) gives one state per task.</summary>
    public static IReadOnlyList<TaskState> ParseShow(string text)
    {
        var states = new List<TaskState>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = Field().Matches(line).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.First().Groups[2].Value);
            if (!fields.TryGetValue("ArrayJobId", out var job) || !fields.TryGetValue("ArrayTaskId", out var tasks)) continue;
            foreach (int task in Indices(tasks))
                states.Add(new TaskState(long.Parse(job), task, fields.GetValueOrDefault("JobState", ""),
                    fields.GetValueOrDefault("Reason", "") is "None" or "(null)" ? "" : fields.GetValueOrDefault("Reason", ""), fields.GetValueOrDefault("ExitCode")));
        }
        return states;
    }

    /// <summary>The indices of an array range: <c>4</c>, <c>3-5</c>, <c>1,3-4%2</c>.</summary>
    static IEnumerable<int> Indices(string range)
    {
        foreach (var part in range.Split('%')[0].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-');
            if (!int.TryParse(ends[0], out int a)) continue;
            int b = ends.Length > 1 && int.TryParse(ends[1].Split(':')[0], out int e) ? e : a;
            for (int i = a; i <= b; i++) yield return i;
        }
    }

    [GeneratedRegex(@"^(\d+)_(\d+)$")]
    private static partial Regex ArrayTask();

    [GeneratedRegex(@"(?:^|\s)(\w+)=(\S*)")]
    private static partial Regex Field();

    static string OneLine(string text) => string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    static InvariscopeException NotFound(string program) =>
        new($"{program} not found on PATH: run this on a Slurm login node (or use the local executor, the default)");

    static (int code, string stdout, string stderr) Run(string program, IEnumerable<string> args)
    {
        var exe = Find(program) ?? throw NotFound(program);
        return ChildProcess.Run(exe, args);
    }
}
