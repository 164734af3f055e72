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

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public static (Option<string> device, Option<string?> torchLib) AddTo(Command command)
    {
        var device = Device();
        var torchLib = TorchLib();
        command.Options.Add(device);
        command.Options.Add(torchLib);
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

    /// <summary>Initialises libtorch from the parsed options and resolves the device.</summary>
    public static TorchSharp.torch.Device Resolve(ParseResult parse, Option<string> device, Option<string?> torchLib)
    {
        TorchRuntime.Initialize(parse.GetValue(torchLib));
        return TorchRuntime.ResolveDevice(parse.GetValue(device));
    }
}
