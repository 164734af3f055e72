using System.CommandLine;
using Invariscope.Runtime;

namespace Invariscope.Cli;

/// <summary>Options shared by every command that runs a model.</summary>
public static class CommonOptions
{
    /// <summary><c>--device auto|cpu|cuda[:N]</c>.</summary>
    public static Option<string> Device()
    {
        var option = new Option<string>("--device") { Description = "auto (CUDA when available), cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        option.CompletionSources.Add("auto", "cpu", "cuda");
        return option;
    }

    /// <summary><c>--torch-lib DIR</c>: run on an existing PyTorch install's libtorch (for CUDA).</summary>
    public static Option<string?> TorchLib() => new("--torch-lib")
    {
        Description = $"a PyTorch install's torch/lib folder to run on (e.g. for CUDA); default: ${TorchRuntime.TorchLibEnv}, else the bundled CPU libtorch",
    };

    /// <summary><c>--threads N</c>: libtorch's CPU threads for this command (see <see cref="CpuThreads"/>).</summary>
    public static Option<int?> Threads() => new(ThreadsFlag)
    {
        Description = "CPU threads of libtorch's ops; default: $OMP_NUM_THREADS, else $SLURM_CPUS_PER_TASK, else the cores this process may use",
    };

    const string ThreadsFlag = "--threads";

    /// <summary>
    /// Adds <c>--device</c> and <c>--torch-lib</c> to <paramref name="command"/>, and <c>--threads</c> unless the command
    /// runs no model itself (<paramref name="threads"/> false: a Slurm resubmission, whose jobs follow their allocation).
    /// </summary>
    public static (Option<string> device, Option<string?> torchLib) AddTo(Command command, bool threads = true)
    {
        var device = Device();
        var torchLib = TorchLib();
        command.Options.Add(device);
        command.Options.Add(torchLib);
        if (threads) command.Options.Add(Threads());
        return (device, torchLib);
    }

    /// <summary>
    /// <c>--layers</c>, one grammar for every command (see <see cref="Models.LayerSelection"/>): <paramref name="what"/>
    /// says what the layers are for, <paramref name="byDefault"/> what is taken without the flag (null: an option with a
    /// default value, which the help shows itself).
    /// </summary>
    public static string LayersDescription(string what, string? byDefault = null) =>
        $"layers {what}: all (every block and pre_logits), last:N, or a comma list of indices (0..D-1 = blocks, D = pre_logits, " +
        "negatives from the end) and names (block3, final_norm, pre_logits)" + (byDefault is null ? "" : $"; default: {byDefault}");

    /// <summary>Initialises libtorch from the parsed options, sets its CPU threads (<c>--threads</c>) and resolves the device.</summary>
    public static TorchSharp.torch.Device Resolve(ParseResult parse, Option<string> device, Option<string?> torchLib)
    {
        TorchRuntime.Initialize(parse.GetValue(torchLib));
        bool hasThreads = parse.CommandResult.Command.Options.Any(o => o.Name == ThreadsFlag);
        CpuThreads.Apply(hasThreads ? parse.GetValue<int?>(ThreadsFlag) : null);
        return TorchRuntime.ResolveDevice(parse.GetValue(device));
    }
}
