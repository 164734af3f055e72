using System.CommandLine;
using Invariscope.Analysis;
using Invariscope.Checkpoints;
using Invariscope.Formats;
using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope extract</c>: dump per-layer representations of a ViT to a safetensors file.</summary>
public static class ExtractCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var weights = new Option<string>("--weights") { Description = "checkpoint (.safetensors; timm, Hugging Face or ours)", Required = true };
        var config = new Option<string?>("--config") { Description = "architecture JSON: timm constructor arguments or an HF config.json" };
        var preset = new Option<string?>("--preset") { Description = $"named architecture ({string.Join(", ", VitPresets.Names)}, or e.g. B/32)" };
        var input = new Option<string>("--input") { Description = "FILE.safetensors:TENSOR, a (N,3,H,W) float tensor already normalised", Required = true };
        var layers = new Option<string?>("--layers") { Description = "blocks to dump: all (default), N = the last N, or a list like 0,3,-1" };
        var batch = new Option<int>("--batch-size") { Description = "images per forward pass", DefaultValueFactory = _ => 64 };
        var output = new Option<string>("--out") { Description = "output .safetensors file", Required = true };
        var command = new Command("extract", "Dump per-layer representations: block0..block{L-1}, final_norm, pre_logits, logits.")
        {
            weights, config, preset, input, layers, batch, output,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            using var model = VitCheckpoint.Load(parse.GetValue(weights)!, parse.GetValue(config), parse.GetValue(preset));
            var (file, tensor) = Safetensors.ParseTensorRef(parse.GetValue(input)!);
            using var source = Safetensors.Open(file);
            using var images = source.Get(tensor);
            Representations.CheckInput(model.Config, images, $"{file}:{tensor}");
            var selection = LayerSelection.Parse(parse.GetValue(layers));
            var result = Representations.Extract(model, images, selection, dev, parse.GetValue(batch),
                progress: new ProgressBar("extract"));
            try
            {
                var outPath = parse.GetValue(output)!;
                Safetensors.Save(outPath, result, new Dictionary<string, string>
                {
                    ["weights"] = Path.GetFullPath(parse.GetValue(weights)!),
                    ["input"] = $"{Path.GetFullPath(file)}:{tensor}",
                });
                parse.InvocationConfiguration.Output.WriteLine(
                    $"wrote {outPath}: {string.Join(", ", result.Select(kv => $"{kv.Key} {StrictLoad.Shape(kv.Value.shape)}"))}");
            }
            finally
            {
                foreach (var t in result.Values) t.Dispose();
            }
            return 0;
        });
        return command;
    }
}
