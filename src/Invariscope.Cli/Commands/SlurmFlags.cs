using System.CommandLine;
using System.Reflection;
using Invariscope.Study.Slurm;

namespace Invariscope.Cli.Commands;

/// <summary>The flags of <c>study --executor slurm</c> and <c>study resubmit</c>: one per field of <see cref="SlurmOptions"/>.</summary>
public sealed class SlurmFlags
{
    readonly Option<string?> _partition = new("--partition") { Description = "Slurm partition (sbatch --partition); default: the cluster's" };
    readonly Option<string?> _time = new("--time") { Description = "time limit per task (sbatch --time: MM, HH:MM:SS, D-HH); a task stops --signal-seconds before it and requeues itself" };
    readonly Option<int?> _cpus = new("--cpus-per-task") { Description = "CPUs per task, also its thread count (default 1)" };
    readonly Option<int?> _gpus = new("--gpus-per-task") { Description = "GPUs per task (sbatch --gpus-per-task)" };
    readonly Option<string?> _gres = new("--gres") { Description = "generic resources per task, e.g. gpu:1 (sbatch --gres), for clusters without --gpus-per-task" };
    readonly Option<string?> _mem = new("--mem") { Description = "memory per task, e.g. 16G (sbatch --mem)" };
    readonly Option<int?> _max = new("--max-running") { Description = "at most this many tasks of one job array run at once (--array=...%N)" };
    readonly Option<int?> _signal = new("--signal-seconds") { Description = "seconds before the time limit at which a task is told to stop and requeue (default 120)" };
    readonly Option<string[]> _extra = new("--sbatch-arg") { Description = "one more sbatch option for every job, e.g. --sbatch-arg=--account=abc (repeatable)", AllowMultipleArgumentsPerToken = false };
    readonly Option<bool> _dryRun = new("--dry-run") { Description = "print the sbatch scripts and what each waits for; submit and write nothing" };

    /// <summary>Whether <c>--dry-run</c> was given.</summary>
    public bool DryRun(ParseResult parse) => parse.GetValue(_dryRun);

    /// <summary>Adds the flags to a command.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _partition, _time, _cpus, _gpus, _gres, _mem, _max, _signal, _extra, _dryRun }) command.Options.Add(o);
    }

    /// <summary>The options: the flags given, over <paramref name="basis"/> (a resubmission's earlier options) or the defaults.</summary>
    public SlurmOptions Read(ParseResult parse, SlurmOptions? basis, string? device, string? torchLib)
    {
        var o = basis ?? new SlurmOptions();
        return (o with
        {
            Partition = parse.GetValue(_partition) ?? o.Partition,
            Time = parse.GetValue(_time) ?? o.Time,
            CpusPerTask = parse.GetValue(_cpus) ?? o.CpusPerTask,
            GpusPerTask = parse.GetValue(_gpus) ?? o.GpusPerTask,
            Gres = parse.GetValue(_gres) ?? o.Gres,
            Mem = parse.GetValue(_mem) ?? o.Mem,
            MaxRunning = parse.GetValue(_max) ?? o.MaxRunning,
            SignalSeconds = parse.GetValue(_signal) ?? o.SignalSeconds,
            SbatchArgs = parse.GetValue(_extra) is { Length: > 0 } extra ? extra : o.SbatchArgs,
            Device = device ?? o.Device,
            TorchLib = torchLib is null ? o.TorchLib : Path.GetFullPath(torchLib),
        }).Validate();
    }

    /// <summary>
    /// The command that starts this CLI again, absolute, for the tasks: <c>dotnet invariscope.dll</c> when it runs
    /// under the <c>dotnet</c> host, else this executable (the installed tool, or an apphost).
    /// </summary>
    public static IReadOnlyList<string> Self()
    {
        var process = Environment.ProcessPath ?? throw new Runtime.InvariscopeException("slurm: cannot tell this program's path");
        var dll = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && !string.IsNullOrEmpty(dll) ? [process, dll] : [process];
    }
}
