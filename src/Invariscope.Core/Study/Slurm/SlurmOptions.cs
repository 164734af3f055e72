using System.Text.Json.Serialization;
using Invariscope.Runtime;

namespace Invariscope.Study.Slurm;

/// <summary>
/// How a study's cells are asked of Slurm: the resources of every task, how many run at once, and what the tasks run.
/// One record with one set of defaults; the CLI's flags set it, and each submission keeps it in
/// <c>slurm/jobs.json</c> so that <c>study resubmit</c> asks for the same again.
/// </summary>
public sealed record SlurmOptions
{
    /// <summary><c>--partition</c>; null: the cluster's default.</summary>
    [JsonPropertyName("partition")] public string? Partition { get; init; }
    /// <summary><c>--time</c> per task (Slurm's format: <c>MM</c>, <c>HH:MM:SS</c>, <c>D-HH</c>); null: the partition's default.</summary>
    [JsonPropertyName("time")] public string? Time { get; init; }
    /// <summary><c>--cpus-per-task</c>; also the task's thread count.</summary>
    [JsonPropertyName("cpus_per_task")] public int CpusPerTask { get; init; } = 1;
    /// <summary><c>--gpus-per-task</c>; null: none asked.</summary>
    [JsonPropertyName("gpus_per_task")] public int? GpusPerTask { get; init; }
    /// <summary><c>--gres</c> (e.g. <c>gpu:a100:1</c>), for clusters that count GPUs as generic resources.</summary>
    [JsonPropertyName("gres")] public string? Gres { get; init; }
    /// <summary><c>--mem</c> per node (e.g. <c>16G</c>); null: the partition's default.</summary>
    [JsonPropertyName("mem")] public string? Mem { get; init; }
    /// <summary>The cap on tasks of one array running at once (<c>--array=0-N%CAP</c>); null: no cap.</summary>
    [JsonPropertyName("max_running")] public int? MaxRunning { get; init; }
    /// <summary>Seconds before the time limit at which a task is signalled to stop and requeue itself.</summary>
    [JsonPropertyName("signal_seconds")] public int SignalSeconds { get; init; } = 120;
    /// <summary>More <c>sbatch</c> arguments, each as one token (e.g. <c>--account=abc</c>, <c>--qos=low</c>).</summary>
    [JsonPropertyName("sbatch_args")] public IReadOnlyList<string> SbatchArgs { get; init; } = [];
    /// <summary>The tasks' <c>--device</c>.</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = "auto";
    /// <summary>The tasks' <c>--torch-lib</c> (absolute); null: the CLI's default.</summary>
    [JsonPropertyName("torch_lib")] public string? TorchLib { get; init; }

    /// <summary>Throws naming the first bad field.</summary>
    public SlurmOptions Validate()
    {
        void Require(bool ok, string field, string what) { if (!ok) throw new InvariscopeException($"slurm: {field} {what}") { Field = field }; }
        Require(CpusPerTask >= 1, "cpus_per_task", $"{CpusPerTask}: must be at least 1");
        Require(GpusPerTask is null or >= 0, "gpus_per_task", $"{GpusPerTask}: must be 0 or more");
        Require(MaxRunning is null or >= 1, "max_running", $"{MaxRunning}: must be at least 1");
        Require(SignalSeconds is >= 0 and <= 65535, "signal_seconds", $"{SignalSeconds}: must be 0..65535");
        Require(Time is null || Time.All(c => char.IsAsciiDigit(c) || c is ':' or '-'), "time", $"'{Time}': Slurm's format is MM, MM:SS, HH:MM:SS, D-HH or D-HH:MM:SS");
        foreach (var (field, value) in new[] { ("partition", Partition), ("gres", Gres), ("mem", Mem) })
            Require(value is null || (value.Length > 0 && !value.Any(char.IsWhiteSpace)), field, $"'{value}': must be one word");
        Require(SbatchArgs.All(a => a.StartsWith('-') && !a.Contains('\n')), "sbatch_args", "each must be one sbatch option starting with '-' (e.g. --account=abc)");
        return this;
    }
}
