using System.CommandLine;
using Invariscope.Models;
using Invariscope.Runtime;
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
        return command;
    }

    static Command Train()
    {
        var preset = new Option<string>("--preset") { Description = "architecture", DefaultValueFactory = _ => "vit_micro_patch4_16" };
        var batch = new Option<int>("--batch-size") { Description = "images per step", DefaultValueFactory = _ => 128 };
        var iters = new Option<int>("--iters") { Description = "timed steps (median reported)", DefaultValueFactory = _ => 5 };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd | adamw", DefaultValueFactory = _ => "adamw" };
        var command = new Command("train", "Training images/s (forward, backward, optimizer step) beside fp32 matmul GFLOP/s.") { preset, batch, iters, optimizer };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var output = parse.InvocationConfiguration.Output;
            var name = parse.GetValue(preset)!;
            var config = VitPresets.Get(name);
            output.WriteLine($"device {dev}, torch threads {get_num_threads()}");
            double peak = Throughput.MatmulGflops(dev, dev.type == TorchSharp.DeviceType.CUDA ? 4096 : 1024);
            output.WriteLine($"fp32 matmul: {peak:F1} GFLOP/s");
            using var model = new VisionTransformer(config, seed: 0);
            var named = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
            using Training.Optimizer opt = parse.GetValue(optimizer) == "sgd" ? new Training.Sgd(named) : new Training.AdamW(named);
            double ips = Throughput.TrainImagesPerSecond(model, dev, parse.GetValue(batch), parse.GetValue(iters), () =>
            {
                opt.Step(1e-4);
                opt.ZeroGrad();
            });
            double gflops = ips * 3 * Throughput.ForwardFlopsPerImage(config) / 1e9;
            output.WriteLine($"{name} train step at {config.ImgSize}px, batch {parse.GetValue(batch)}: {ips:F1} img/s = {gflops:F1} GFLOP/s ({gflops / peak:F2} of matmul; backward counted as 2x forward)");
            return 0;
        });
        return command;
    }

    static Command Forward()
    {
        var preset = new Option<string>("--preset") { Description = "architecture", DefaultValueFactory = _ => "vit_base_patch32_224" };
        var batch = new Option<int>("--batch-size") { Description = "images per pass", DefaultValueFactory = _ => 16 };
        var iters = new Option<int>("--iters") { Description = "timed passes (median reported)", DefaultValueFactory = _ => 5 };
        var command = new Command("forward", "Inference images/s of a ViT (random weights) beside fp32 matmul GFLOP/s.") { preset, batch, iters };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var output = parse.InvocationConfiguration.Output;
            var name = parse.GetValue(preset)!;
            var config = VitPresets.Get(name);
            output.WriteLine($"device {dev}, torch threads {get_num_threads()}");
            double peak = Throughput.MatmulGflops(dev, dev.type == TorchSharp.DeviceType.CUDA ? 4096 : 1024);
            output.WriteLine($"fp32 matmul: {peak:F1} GFLOP/s");
            using var model = new VisionTransformer(config, seed: 0);
            double ips = Throughput.ForwardImagesPerSecond(model, dev, parse.GetValue(batch), parse.GetValue(iters));
            double gflops = ips * Throughput.ForwardFlopsPerImage(config) / 1e9;
            output.WriteLine($"{name} forward at {config.ImgSize}px, batch {parse.GetValue(batch)}: {ips:F1} img/s = {gflops:F1} GFLOP/s ({gflops / peak:F2} of matmul)");
            return 0;
        });
        return command;
    }
}
