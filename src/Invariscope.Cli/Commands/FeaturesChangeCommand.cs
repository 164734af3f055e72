using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Invariscope.Analysis;
using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Cli.Commands;

/// <summary>
/// <c>invariscope features-change</c>: how far a finetuned checkpoint's features moved from its starting point
/// (Ren et al. 2023): mean Euclidean distance, cosine distance, dot product and feature norm, per layer.
/// </summary>
public static class FeaturesChangeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var finetuned = new Option<string>("--finetuned") { Description = "finetuned ViT weights (.safetensors)", Required = true };
        var start = new Option<string>("--start") { Description = "the starting point's ViT weights (.safetensors)", Required = true };
        var config = new Option<string?>("--config") { Description = "architecture JSON for checkpoints that carry none" };
        var preset = new Option<string?>("--preset") { Description = "named architecture for checkpoints that carry none" };
        var data = new Option<string>("--data") { Description = "dataset spec (see 'invariscope data --help')", Required = true };
        var layers = new Option<string?>("--layers")
        {
            Description = CommonOptions.LayersDescription("to compare", "pre_logits") + "; blocks and final_norm are flattened over tokens",
        };
        var limit = new Option<int?>("--limit") { Description = "at most N examples (a seeded random subset)" };
        var seed = new Option<int>("--seed") { Description = "seed of the --limit subset", DefaultValueFactory = _ => 0 };
        var normalize = new Option<string?>("--normalize") { Description = $"normalisation ({string.Join(", ", Normalization.PresetNames)}); default: the finetuned run's sidecar, else vit" };
        var batch = new Option<int>("--batch-size") { Description = "images per forward pass", DefaultValueFactory = _ => 256 };
        var output = new Option<string?>("--out") { Description = "output .json file" };
        var command = new Command("features-change", "How far finetuning moved the features: mean distance, cosine distance, dot product and norm per layer.")
        {
            finetuned, start, config, preset, data, layers, limit, seed, normalize, batch, output,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var stdout = parse.InvocationConfiguration.Output;
            string pathF = parse.GetValue(finetuned)!, pathS = parse.GetValue(start)!;
            var selection = LayerSelection.Parse(parse.GetValue(layers) ?? "pre_logits");
            if (parse.GetValue(batch) < 1) throw new InvariscopeException($"--batch-size must be positive, got {parse.GetValue(batch)}");
            if (parse.GetValue(limit) is < 1) throw new InvariscopeException($"--limit must be positive, got {parse.GetValue(limit)}");
            string norm = Normalization.Parse(parse.GetValue(normalize) ?? RunFiles.TrainedWith(pathF)?.Normalize ?? "vit").Name;
            using var modelF = VitCheckpoint.Load(pathF, parse.GetValue(config), parse.GetValue(preset));
            using var modelS = VitCheckpoint.Load(pathS, parse.GetValue(config), parse.GetValue(preset));
            FeatureChangeRun.CheckSameArchitecture(modelF.Config, pathF, modelS.Config, pathS);
            var dataset = DatasetSpecs.Open(parse.GetValue(data)!);
            if (parse.GetValue(limit) is int n) dataset = dataset.Limit(n, parse.GetValue(seed));
            var results = FeatureChangeRun.Compare(modelF, modelS, dataset, TransformSpec.Eval(modelF.Config.ImgSize, norm), selection.Resolve(modelF.Config.Depth),
                parse.GetValue(batch), dev, new ProgressBar("features-change"), pathF, pathS);
            static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
            int w = Math.Max(10, results.Max(r => r.Layer.Length));
            stdout.WriteLine($"{"layer".PadRight(w)} {"euclidean",12} {"cosine",12} {"dot",12} {"norm",12} {"start_norm",12}");
            foreach (var (layer, s) in results)
                stdout.WriteLine($"{layer.PadRight(w)} {G(s.Euclidean),12} {G(s.Cosine),12} {G(s.Dot),12} {G(s.Norm),12} {G(s.StartNorm),12}");
            if (parse.GetValue(output) is { } outPath)
            {
                var rows = new JsonArray();
                foreach (var (layer, s) in results)
                    rows.Add(new JsonObject
                    {
                        ["layer"] = layer, ["euclidean"] = s.Euclidean, ["cosine"] = s.Cosine, ["dot"] = s.Dot,
                        ["norm"] = s.Norm, ["start_norm"] = s.StartNorm, ["n"] = s.N,
                    });
                var doc = new JsonObject
                {
                    ["finetuned"] = pathF, ["start"] = pathS, ["data"] = dataset.Name, ["normalize"] = norm, ["n"] = dataset.Count, ["layers"] = rows,
                };
                Json.Write(outPath, doc);
                stdout.WriteLine($"wrote {outPath}");
            }
            return 0;
        });
        return command;
    }
}
