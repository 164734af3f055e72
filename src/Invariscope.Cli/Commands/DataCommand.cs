using System.CommandLine;
using System.Diagnostics;
using Invariscope.Data;
using Invariscope.Data.Corruptions;
using Invariscope.Models;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope data info|preview|bench|corrupt DATASET</c>: inspect a dataset spec, or write a corrupted copy.</summary>
public static class DataCommand
{
    /// <summary>Builds the <c>data</c> command group.</summary>
    public static Command Build()
    {
        var data = new Command("data", "Inspect datasets, or write corrupted copies.\n" + DatasetSpecs.Help);
        data.Subcommands.Add(Info());
        data.Subcommands.Add(Preview());
        data.Subcommands.Add(Bench());
        data.Subcommands.Add(Corrupt());
        return data;
    }

    static Argument<string> DatasetArgument() => new("DATASET")
    {
        Description = "a dataset spec (e.g. fashion-mnist:/usr/share/datasets/fashion-mnist?split=test):\n" + DatasetSpecs.Help,
    };

    static Command Info()
    {
        var spec = DatasetArgument();
        var command = new Command("info", "Print the dataset's size, classes and per-class counts.") { spec };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var dataset = DatasetSpecs.Open(parse.GetValue(spec)!);
            var counts = dataset.ClassCounts();
            output.WriteLine($"dataset:  {dataset.Name}");
            output.WriteLine($"examples: {dataset.Count}");
            if (dataset.Count > 0)
            {
                var first = dataset.GetImage(0);
                output.WriteLine($"image:    {first.Height}x{first.Width}x{first.Channels} (example 0)");
            }
            output.WriteLine($"classes:  {dataset.ClassNames.Count}");
            int width = dataset.ClassNames.Max(n => n.Length);
            for (int c = 0; c < counts.Length; c++)
                output.WriteLine($"  {c,3}  {dataset.ClassNames[c].PadRight(width)}  {counts[c]}");
            foreach (var w in dataset.Warnings) output.WriteLine($"warning: {w}");
            return 0;
        });
        return command;
    }

    static Command Preview()
    {
        var spec = DatasetArgument();
        var outPath = new Option<string>("--out") { Description = "PNG file to write", Required = true };
        var n = new Option<int>("--n") { Description = "number of samples", DefaultValueFactory = _ => 64 };
        var scale = new Option<int>("--scale") { Description = "magnification of each image", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "seed of the random sample", DefaultValueFactory = _ => 0 };
        var command = new Command("preview", "Save a PNG grid of random samples labelled with their class names.")
            { spec, outPath, n, scale, seed };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var dataset = DatasetSpecs.Open(parse.GetValue(spec)!);
            var preview = PreviewGrid.Render(dataset, parse.GetValue(n), parse.GetValue(scale), parse.GetValue(seed));
            var path = parse.GetValue(outPath)!;
            try { File.WriteAllBytes(path, preview.Png); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvariscopeException($"{path}: cannot write: {e.Message}", e);
            }
            if (preview.Warning is not null) output.WriteLine($"warning: {preview.Warning}");
            output.WriteLine($"wrote {path}: {preview.Indices.Length} samples of {dataset.Name}");
            return 0;
        });
        return command;
    }

    static Command Bench()
    {
        var spec = DatasetArgument();
        var size = new Option<int>("--size") { Description = "output side (bilinear resize)", DefaultValueFactory = _ => 32 };
        var batch = new Option<int>("--batch") { Description = "batch size", DefaultValueFactory = _ => 128 };
        var norm = new Option<string>("--norm") { Description = "normalisation: " + string.Join(", ", Normalization.PresetNames), DefaultValueFactory = _ => "vit" };
        var pad = new Option<int>("--pad") { Description = "random-crop padding (0 = none)", DefaultValueFactory = _ => 0 };
        var flip = new Option<bool>("--flip") { Description = "random horizontal flips" };
        var workers = new Option<int>("--workers") { Description = "loader threads (0 = synchronous, -1 = auto)", DefaultValueFactory = _ => -1 };
        var prefetch = new Option<int>("--prefetch") { Description = "batches built ahead", DefaultValueFactory = _ => 4 };
        var batches = new Option<int>("--batches") { Description = "stop after this many batches (0 = one full epoch)", DefaultValueFactory = _ => 0 };
        var step = new Option<string?>("--train-step")
        {
            Description = "also time a training step of this ViT preset at --size in the same run (e.g. mu/4), to see whether loading keeps up",
        };
        var command = new Command("bench", "Measure loader throughput (images/s) over one epoch.")
            { spec, size, batch, norm, pad, flip, workers, prefetch, batches, step };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var dataset = DatasetSpecs.Open(parse.GetValue(spec)!);
            var transform = new TransformSpec(parse.GetValue(size), parse.GetValue(pad), parse.GetValue(flip), parse.GetValue(norm)!);
            var options = new LoaderOptions(parse.GetValue(batch), Workers: parse.GetValue(workers), Prefetch: parse.GetValue(prefetch));
            using var loader = new DataLoader(dataset, transform, options);
            int limit = parse.GetValue(batches) is > 0 and var b ? b : int.MaxValue;
            long images = 0;
            int count = 0;
            var clock = Stopwatch.StartNew();
            foreach (var item in loader.Epoch(0))
            {
                using (item) images += item.Images.shape[0];
                if (++count >= limit) break;
            }
            double seconds = clock.Elapsed.TotalSeconds;
            output.WriteLine($"{dataset.Name}: {images} images in {count} batches of {loader.Options.BatchSize} " +
                             $"at {transform.Size}x{transform.Size}, norm {transform.Normalize}, {loader.Options.Workers} worker(s)");
            output.WriteLine($"{seconds:F2} s, {images / seconds:F0} images/s");
            if (parse.GetValue(step) is { } preset)
            {
                var config = VitPresets.Get(preset.Contains('@') ? preset : $"{preset}@{transform.Size}") with { NumClasses = dataset.ClassNames.Count };
                using var model = new VisionTransformer(config, seed: 0);
                double trainIps = Throughput.TrainImagesPerSecond(model, TorchSharp.torch.CPU, parse.GetValue(batch), 5);
                output.WriteLine($"{preset} train step at {config.ImgSize}px, batch {parse.GetValue(batch)}: {trainIps:F0} images/s " +
                                 $"(loader/train = {images / seconds / trainIps:F1}; above 1 the loader keeps up)");
            }
            return 0;
        });
        return command;
    }

    static Command Corrupt()
    {
        var spec = DatasetArgument();
        var outDir = new Option<string>("--out") { Description = "output folder (created if needed)", Required = true };
        var corruptions = new Option<string>("--corruptions")
        {
            Description = "all, or a comma-separated list of: " + string.Join(", ", Corruptions.All),
            DefaultValueFactory = _ => "all",
        };
        var seed = new Option<int>("--seed") { Description = "base seed (image i uses seed + i)", DefaultValueFactory = _ => 0 };
        var command = new Command("corrupt",
            "Write a corrupted copy in the CIFAR-10-C layout: DIR/<corruption>.npy (severities 1-5 stacked), " +
            "DIR/labels.npy and DIR/info.json; read it back with cifar-c:DIR?corruption=NAME&severity=S.")
            { spec, outDir, corruptions, seed };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var source = parse.GetValue(spec)!;
            var folder = parse.GetValue(outDir)!;
            var names = ParseCorruptions(parse.GetValue(corruptions)!);
            int baseSeed = parse.GetValue(seed);
            var dataset = DatasetSpecs.Open(source);
            try
            {
                CifarCWriter.Write(dataset, folder, names, baseSeed, new ProgressBar("corrupt"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvariscopeException($"{folder}: cannot write: {e.Message}", e);
            }
            new CifarCInfo
            {
                Source = source,
                ClassNames = dataset.ClassNames,
                Corruptions = names,
                Seed = baseSeed,
                Count = dataset.Count,
            }.Write(folder);
            output.WriteLine($"wrote {folder}: {names.Count} corruption(s) x 5 severities x {dataset.Count} images of {dataset.Name}");
            return 0;
        });
        return command;
    }

    /// <summary><c>all</c> or a comma-separated list of known corruption names (duplicates dropped, order kept).</summary>
    static IReadOnlyList<string> ParseCorruptions(string value)
    {
        if (value.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return Corruptions.All;
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => n.ToLowerInvariant()).Distinct().ToArray();
        if (names.Length == 0)
            throw new InvariscopeException($"--corruptions '{value}': expected all or a list like fog,gaussian_noise");
        foreach (var name in names)
            if (!Corruptions.All.Contains(name))
                throw new InvariscopeException($"--corruptions: unknown corruption '{name}'; valid: all, {string.Join(", ", Corruptions.All)}");
        return names;
    }
}
