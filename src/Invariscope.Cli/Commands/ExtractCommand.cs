using System.CommandLine;
using Invariscope.Analysis;
using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Formats;
using Invariscope.Models;
using Invariscope.Runtime;
using static TorchSharp.torch;

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
        var input = new Option<string?>("--input") { Description = "FILE.safetensors:TENSOR, a (N,3,H,W) float tensor already normalised (or use --data)" };
        var data = new Option<string?>("--data")
        {
            Description = "a dataset spec instead of --input: its images get the eval transform at the model's img_size; " +
                          "its labels are written as 'labels' (int64)",
        };
        var limit = new Option<int?>("--limit") { Description = "with --data: a seeded random subset of N examples (seed 0), in index order" };
        var normalize = new Option<string?>("--normalize")
        {
            Description = "with --data: normalisation preset (" + string.Join(", ", Normalization.PresetNames) + "); default vit (mean = std = 0.5)",
        };
        var layers = new Option<string?>("--layers")
        {
            Description = CommonOptions.LayersDescription("to dump", "every block, final_norm and pre_logits") +
                          "; logits are written too whenever final_norm or pre_logits is",
        };
        var batch = new Option<int>("--batch-size") { Description = "images per forward pass", DefaultValueFactory = _ => 64 };
        var output = new Option<string>("--out") { Description = "output .safetensors file", Required = true };
        var command = new Command("extract", "Dump per-layer representations (block0..block{D-1}, final_norm, pre_logits) and the logits.")
        {
            weights, config, preset, input, data, limit, normalize, layers, batch, output,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var inputRef = parse.GetValue(input);
            var dataSpec = parse.GetValue(data);
            if ((inputRef is null) == (dataSpec is null))
                throw new InvariscopeException("extract: give exactly one of --input FILE.safetensors:TENSOR or --data DATASET");
            if (dataSpec is null && (parse.GetValue(limit) is not null || parse.GetValue(normalize) is not null))
                throw new InvariscopeException("extract: --limit and --normalize apply only with --data");
            var selection = parse.GetValue(layers) is { } text ? LayerSelection.Parse(text) : null;
            if (parse.GetValue(batch) < 1) throw new InvariscopeException($"--batch-size must be positive, got {parse.GetValue(batch)}");
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            using var model = VitCheckpoint.Load(parse.GetValue(weights)!, parse.GetValue(config), parse.GetValue(preset));
            var metadata = new Dictionary<string, string> { ["weights"] = Path.GetFullPath(parse.GetValue(weights)!) };
            Tensor images;
            Tensor? labels = null;
            if (inputRef is not null)
            {
                var (file, tensor) = Safetensors.ParseTensorRef(inputRef);
                using var source = Safetensors.Open(file);
                images = source.Get(tensor);
                Representations.CheckInput(model.Config, images, $"{file}:{tensor}");
                metadata["input"] = $"{Path.GetFullPath(file)}:{tensor}";
            }
            else
            {
                var norm = parse.GetValue(normalize) ?? "vit";
                (images, labels) = LoadDataset(dataSpec!, parse.GetValue(limit), model.Config, norm);
                metadata["data"] = dataSpec!;
                metadata["normalize"] = norm;
                if (parse.GetValue(limit) is int n) metadata["limit"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            var take = selection?.Resolve(model.Config.Depth) ?? LayerId.Every(model.Config.Depth);
            var result = new Dictionary<string, Tensor>();
            using (images)
            using (var outputs = Representations.Extract(model, images, take, ImageInput.Normalized, dev, logits: true,
                       batchSize: parse.GetValue(batch), progress: new ProgressBar("extract")))
            {
                foreach (var (layer, t) in outputs.Layers) result[layer.Name] = t.alias();
                if (outputs.Logits is { } logits) result["logits"] = logits.alias();
            }
            if (labels is not null) result["labels"] = labels;
            try
            {
                var outPath = parse.GetValue(output)!;
                Safetensors.Save(outPath, result, metadata);
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

    /// <summary>The first <paramref name="limit"/> examples of <paramref name="spec"/> (a seeded subset, seed 0; all when null), eval-transformed.</summary>
    static (Tensor Images, Tensor Labels) LoadDataset(string spec, int? limit, VitConfig config, string normalize)
    {
        IImageDataset dataset = DatasetSpecs.Open(spec);
        if (limit is int n) dataset = dataset.Limit(n);
        if (config.InChans != 3)
            throw new InvariscopeException($"--data {spec}: the transform gives 3-channel images but the model takes {config.InChans}");
        return DatasetTensors.Stack(dataset, TransformSpec.Eval(config.ImgSize, normalize));
    }
}
