using System.CommandLine;
using Invariscope.Analysis;
using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope bench</c>: throughput figures, each next to a reference measured in the same run.</summary>
public static class BenchCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create()
    {
        var command = new Command("bench", "Measure throughput against the fp32 matmul rate of this machine, in the same run.");
        command.Subcommands.Add(Forward());
        command.Subcommands.Add(Train());
        command.Subcommands.Add(StirBench());
        return command;
    }

    /// <summary>Prints the device and measures the fp32 matmul rate that every figure is compared with.</summary>
    static double Reference(TextWriter output, Device dev)
    {
        output.WriteLine($"device {dev}, torch threads {get_num_threads()}");
        double peak = Throughput.MatmulGflops(dev, dev.type == TorchSharp.DeviceType.CUDA ? 4096 : 1024);
        output.WriteLine($"fp32 matmul: {peak:F1} GFLOP/s");
        return peak;
    }

    static Command StirBench()
    {
        var preset = new Option<string>("--preset") { Description = "architecture", DefaultValueFactory = _ => "vit_micro_patch4_16" };
        var images = new Option<int>("--images") { Description = "images inverted", DefaultValueFactory = _ => 128 };
        var layers = new Option<string>("--layers")
        {
            Description = CommonOptions.LayersDescription("to invert"),
            DefaultValueFactory = _ => "all",
        };
        var steps = new Option<int>("--steps") { Description = "inversion steps (the analysis's default is 500)", DefaultValueFactory = _ => 50 };
        var maxRows = new Option<int>("--max-rows") { Description = "image×layer rows per chunk", DefaultValueFactory = _ => new AnalysisOptions().MaxRows };
        var command = new Command("stir", "STIR inversion throughput (all layers in one stacked optimisation, random weights) beside fp32 matmul GFLOP/s.")
            { preset, images, layers, steps, maxRows };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var output = parse.InvocationConfiguration.Output;
            var name = parse.GetValue(preset)!;
            var config = VitPresets.Get(name);
            int n = parse.GetValue(images), nSteps = parse.GetValue(steps);
            if (n < 2) throw new InvariscopeException($"--images must be at least 2, got {n}");
            var settings = StirSettings.Of(new AnalysisOptions { Steps = nSteps, MaxRows = parse.GetValue(maxRows) }).Validate();
            var layerList = LayerSelection.Parse(parse.GetValue(layers)).Resolve(config.Depth);
            double peak = Reference(output, dev);
            using var model = new VisionTransformer(config, seed: 0);
            using var g = new Generator(1);
            using var x = rand([n, config.InChans, config.ImgSize, config.ImgSize], generator: g);
            void Run(StirSettings s)
            {
                foreach (var inv in StirInversion.Invert(model, x, layerList, Normalization.Half, s, seed: 0, dev).Values) inv.Dispose();
            }
            Run(settings with { Steps = 1 }); // warm-up
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Run(settings);
            double seconds = clock.Elapsed.TotalSeconds;
            long rows = (long)n * layerList.Length;
            // Forward FLOPs of one step: every row runs the embedding and the blocks up to its own layer (pre_logits: all).
            double stepFlops = layerList.Sum(l => n * Throughput.ForwardFlopsPerImage(config with { Depth = l.LastBlock(config.Depth) + 1, NumClasses = 0 }));
            double rowSteps = (double)rows * nSteps / seconds;
            double gflops = 3 * stepFlops * nSteps / seconds / 1e9;
            output.WriteLine($"{name} STIR inversion, {n} images x {layerList.Length} layers ({string.Join(",", layerList)}) = {rows} rows, {nSteps} steps, max rows {settings.MaxRows}: {seconds:F2} s");
            output.WriteLine($"  {rowSteps:F0} row-steps/s = {gflops:F1} GFLOP/s ({gflops / peak:F2} of matmul; step = forward + backward counted as 3x forward of the rows computed)");
            return 0;
        });
        return command;
    }

    /// <summary>The --preset, --batch-size and --iters options of a model benchmark.</summary>
    static (Option<string> preset, Option<int> batch, Option<int> iters) ModelOptions(string preset, int batch, string unit) => (
        new Option<string>("--preset") { Description = "architecture", DefaultValueFactory = _ => preset },
        new Option<int>("--batch-size") { Description = $"images per {unit}", DefaultValueFactory = _ => batch },
        new Option<int>("--iters") { Description = $"timed repetitions of the {unit} (median reported)", DefaultValueFactory = _ => 5 });

    static Command Train()
    {
        var (preset, batch, iters) = ModelOptions("vit_micro_patch4_16", 128, "step");
        var optimizer = new Option<string>("--optimizer") { Description = "sgd | adamw", DefaultValueFactory = _ => "adamw" };
        var command = new Command("train", "Training images/s (forward, backward, optimizer step) beside fp32 matmul GFLOP/s.") { preset, batch, iters, optimizer };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var output = parse.InvocationConfiguration.Output;
            var name = parse.GetValue(preset)!;
            var config = VitPresets.Get(name);
            double peak = Reference(output, dev);
            using var model = new VisionTransformer(config, seed: 0);
            double ips = Throughput.TrainImagesPerSecond(model, dev, parse.GetValue(batch), parse.GetValue(iters), parse.GetValue(optimizer)!);
            double gflops = ips * 3 * Throughput.ForwardFlopsPerImage(config) / 1e9;
            output.WriteLine($"{name} train step at {config.ImgSize}px, batch {parse.GetValue(batch)}: {ips:F1} img/s = {gflops:F1} GFLOP/s ({gflops / peak:F2} of matmul; backward counted as 2x forward)");
            return 0;
        });
        return command;
    }

    static Command Forward()
    {
        var (preset, batch, iters) = ModelOptions("vit_base_patch32_224", 16, "pass");
        var command = new Command("forward", "Inference images/s of a ViT (random weights) beside fp32 matmul GFLOP/s.") { preset, batch, iters };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var output = parse.InvocationConfiguration.Output;
            var name = parse.GetValue(preset)!;
            var config = VitPresets.Get(name);
            double peak = Reference(output, dev);
            using var model = new VisionTransformer(config, seed: 0);
            double ips = Throughput.ForwardImagesPerSecond(model, dev, parse.GetValue(batch), parse.GetValue(iters));
            double gflops = ips * Throughput.ForwardFlopsPerImage(config) / 1e9;
            output.WriteLine($"{name} forward at {config.ImgSize}px, batch {parse.GetValue(batch)}: {ips:F1} img/s = {gflops:F1} GFLOP/s ({gflops / peak:F2} of matmul)");
            return 0;
        });
        return command;
    }
}
