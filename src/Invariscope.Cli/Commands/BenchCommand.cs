using System.CommandLine;
using Invariscope.Analysis;
using Invariscope.Bench;
using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Cli.Commands;

/// <summary>
/// <c>invariscope bench</c>: throughput figures, each next to a reference measured in the same run (this machine's fp32
/// matmul rate, and with <c>--peer torch</c> the same workload in PyTorch, interleaved in pairs).
/// </summary>
public static class BenchCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create()
    {
        var command = new Command("bench", "Measure throughput against the fp32 matmul rate of this machine (and PyTorch with --peer torch), in the same run.");
        command.Subcommands.Add(Forward());
        command.Subcommands.Add(Train());
        command.Subcommands.Add(StirBench());
        command.Subcommands.Add(BenchLoadCommand.Create());
        return command;
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
        var iters = Iters("inversion", 1);
        var command = new Command("stir", "STIR inversion throughput (all layers in one stacked optimisation, random weights) beside fp32 matmul GFLOP/s.")
            { preset, images, layers, steps, maxRows, iters };
        var peer = new BenchPeer(command);
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var name = parse.GetValue(preset)!;
            var config = VitPresets.Get(name);
            int n = parse.GetValue(images);
            if (n < 2) throw new InvariscopeException($"--images must be at least 2, got {n}");
            var settings = StirSettings.Of(new AnalysisOptions { Steps = parse.GetValue(steps), MaxRows = parse.GetValue(maxRows) }).Validate();
            var layerList = LayerSelection.Parse(parse.GetValue(layers)).Resolve(config.Depth);
            return peer.Run(parse, dev, parse.GetValue(iters), () => BenchWorkloads.Stir(name, config, n, layerList, settings, dev));
        });
        return command;
    }

    /// <summary>The --preset and --batch-size options of a model benchmark.</summary>
    internal static (Option<string> preset, Option<int> batch) ModelOptions(string preset, int batch, string unit) => (
        new Option<string>("--preset") { Description = "architecture", DefaultValueFactory = _ => preset },
        new Option<int>("--batch-size") { Description = $"images per {unit}", DefaultValueFactory = _ => batch });

    internal static Option<int> Iters(string unit, int byDefault) =>
        new("--iters") { Description = $"timed repetitions of the {unit} per measurement (median reported)", DefaultValueFactory = _ => byDefault };

    static Command Train()
    {
        var (preset, batch) = ModelOptions("vit_micro_patch4_16", 128, "step");
        var iters = Iters("step", 5);
        var command = new Command("train", "Training images/s (forward, backward, AdamW step) beside fp32 matmul GFLOP/s.") { preset, batch, iters };
        var peer = new BenchPeer(command);
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var name = parse.GetValue(preset)!;
            var config = VitPresets.Get(name);
            return peer.Run(parse, dev, parse.GetValue(iters), () => BenchWorkloads.Train(name, config, Positive(parse.GetValue(batch)), dev));
        });
        return command;
    }

    static Command Forward()
    {
        var (preset, batch) = ModelOptions("vit_base_patch32_224", 16, "pass");
        var iters = Iters("pass", 5);
        var command = new Command("forward", "Inference images/s of a ViT (random weights) beside fp32 matmul GFLOP/s.") { preset, batch, iters };
        var peer = new BenchPeer(command);
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var name = parse.GetValue(preset)!;
            var config = VitPresets.Get(name);
            return peer.Run(parse, dev, parse.GetValue(iters), () => BenchWorkloads.Forward(name, config, Positive(parse.GetValue(batch)), dev));
        });
        return command;
    }

    static int Positive(int batch) =>
        batch >= 1 ? batch : throw new InvariscopeException($"--batch-size {batch}: must be at least 1") { Field = "batch_size" };
}
