using System.Text;
using System.Text.Json.Serialization;

namespace Invariscope.Study.Slurm;

/// <summary>What every task of a submission runs: the CLI, the study's config and folder, and the folder it runs in, all absolute.</summary>
/// <param name="Cli">The command that starts the CLI (<c>/usr/bin/dotnet /opt/invariscope/invariscope.dll</c>, or the tool's path).</param>
/// <param name="Config">The study config.</param>
/// <param name="Root">The study folder.</param>
/// <param name="WorkDir">The folder the tasks run in (where relative paths in the config resolve): the submitter's.</param>
public sealed record TaskCommand(
    [property: JsonPropertyName("cli")] IReadOnlyList<string> Cli,
    [property: JsonPropertyName("config")] string Config,
    [property: JsonPropertyName("root")] string Root,
    [property: JsonPropertyName("work_dir")] string WorkDir);

/// <summary>
/// The <c>sbatch</c> script of one job array. Task <c>i</c> reads line <c>i + 1</c> of the array's cell list and
/// <c>exec</c>s <c>invariscope study CONFIG --out ROOT --cell ID</c>, so the CLI itself is the batch shell and gets
/// the time-limit signal (<c>--signal=B:USR1@S</c>): it stops at its next safe point and requeues itself
/// (<c>--requeue</c>). The log opens in append mode, so a requeued task keeps the earlier part.
/// </summary>
public static class JobScript
{
    /// <summary>The script; <paramref name="cellList"/> is the file with one cell id per line.</summary>
    public static string Render(SlurmArray array, SlurmOptions options, TaskCommand task, string cellList, string logs)
    {
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        void Sbatch(string option) => s.Append("#SBATCH ").Append(option).Append('\n');
        Sbatch($"--job-name=inv:{array.Name}");
        Sbatch($"--array=0-{array.Cells.Count - 1}{(options.MaxRunning is int cap ? $"%{cap}" : "")}");
        Sbatch($"--output={Path.Combine(logs, "%A_%a.out")}");
        Sbatch("--open-mode=append");
        Sbatch("--requeue");
        if (options.SignalSeconds > 0) Sbatch($"--signal=B:USR1@{options.SignalSeconds}");
        Sbatch($"--chdir={task.WorkDir}");
        Sbatch("--ntasks=1");
        Sbatch($"--cpus-per-task={options.CpusPerTask}");
        if (options.Partition is { } partition) Sbatch($"--partition={partition}");
        if (options.Time is { } time) Sbatch($"--time={time}");
        if (options.Mem is { } mem) Sbatch($"--mem={mem}");
        if (options.GpusPerTask is int gpus) Sbatch($"--gpus-per-task={gpus}");
        if (options.Gres is { } gres) Sbatch($"--gres={gres}");
        foreach (var extra in options.SbatchArgs) Sbatch(extra);
        s.Append("set -euo pipefail\n");
        // libtorch's and MKL's thread pools size themselves when they load: give them the task's CPUs, not the node's
        s.Append("export OMP_NUM_THREADS=\"${OMP_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}\" MKL_NUM_THREADS=\"${MKL_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}\"\n");
        s.Append($"cell=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" {Quote(cellList)})\n");
        s.Append("[ -n \"$cell\" ] || { echo \"invariscope: no cell for task $SLURM_ARRAY_TASK_ID in ").Append(cellList.Replace("\"", "\\\"")).Append("\" >&2; exit 1; }\n");
        s.Append("echo \"[$(date -u +%FT%T.%3NZ)] $cell: job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (id $SLURM_JOB_ID) on $(hostname -s), restart ${SLURM_RESTART_COUNT:-0}\"\n");
        var args = new List<string>(task.Cli) { "study", task.Config, "--out", task.Root, "--cell" };
        s.Append("exec ").Append(string.Join(' ', args.Select(Quote))).Append(" \"$cell\"");
        s.Append(" --device ").Append(Quote(options.Device));
        if (options.TorchLib is { } lib) s.Append(" --torch-lib ").Append(Quote(lib));
        s.Append('\n');
        return s.ToString();
    }

    /// <summary>A word for bash: as is when it is plain, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
