using System.Diagnostics;
using System.Text.Json.Nodes;
using Invariscope.Analysis;
using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using Invariscope.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Bench;

/// <summary>
/// One benchmark workload on our side (a ViT forward, a train step, a STIR inversion), with what its PyTorch peer
/// needs to run the same thing (<see cref="PeerSpec"/>, <see cref="PeerTensors"/>: the weights by state_dict name and
/// the inputs) and our outputs on those weights to compare with the peer's (<see cref="Check"/>). Built by
/// <see cref="BenchWorkloads"/>; disposing frees the model, inputs and state.
/// </summary>
public sealed class BenchWorkload : IDisposable
{
    readonly List<IDisposable> _owned;
    readonly Action _once;

    internal BenchWorkload(string title, string unit, double unitsPerRun, double flopsPerRun, long parameters, Action once,
        JsonObject peerSpec, Dictionary<string, Tensor> peerTensors, Dictionary<string, Tensor> check, List<IDisposable> owned)
    {
        (Title, Unit, UnitsPerRun, FlopsPerRun, Parameters, _once) = (title, unit, unitsPerRun, flopsPerRun, parameters, once);
        (PeerSpec, PeerTensors, Check, _owned) = (peerSpec, peerTensors, check, owned);
    }

    /// <summary>What runs, e.g. "vit_micro_patch4_16 forward at 16px, batch 128".</summary>
    public string Title { get; }
    /// <summary>The rate's unit: <c>img/s</c> or <c>row-steps/s</c>.</summary>
    public string Unit { get; }
    /// <summary>Units (images, row-steps) one repetition does.</summary>
    public double UnitsPerRun { get; }
    /// <summary>Matmul FLOPs of one repetition (backward counted as 2x forward).</summary>
    public double FlopsPerRun { get; }
    /// <summary>Our model's parameter count.</summary>
    public long Parameters { get; }
    /// <summary>The workload, sizes and settings for <c>scripts/peer/torch_peer.py</c> (threads are added by the caller).</summary>
    public JsonObject PeerSpec { get; }
    /// <summary><c>model.NAME</c> weights (as before <see cref="Check"/> was computed) and <c>input.*</c>, on the CPU.</summary>
    public IReadOnlyDictionary<string, Tensor> PeerTensors { get; }
    /// <summary>Our parity outputs, by the names the peer writes its own under (CPU).</summary>
    public IReadOnlyDictionary<string, Tensor> Check { get; }

    /// <summary>Median seconds of one repetition over <paramref name="iters"/> timed ones (after the warm-up at build).</summary>
    public double Seconds(int iters)
    {
        var times = new List<double>();
        for (int i = 0; i < iters; i++)
        {
            CpuGovernor.Tick();
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope()) _once();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return Pairs.Median(times);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in PeerTensors.Values.Concat(Check.Values)) t.Dispose();
        foreach (var d in _owned) d.Dispose();
    }
}

/// <summary>The workloads of <c>invariscope bench</c>: random weights from seed 0, fixed random inputs from seed 1.</summary>
public static class BenchWorkloads
{
    /// <summary>AdamW's learning rate in the train step (both sides).</summary>
    public const double Lr = 1e-4;
    /// <summary>STIR steps of the parity check (the timed runs take the bench's --steps).</summary>
    public const int StirCheckSteps = 2;

    /// <summary>Inference (eval mode, no grad) of <paramref name="config"/> at <paramref name="batch"/>.</summary>
    public static BenchWorkload Forward(string name, VitConfig config, int batch, Device device)
    {
        var model = new VisionTransformer(config, seed: 0);
        model.eval();
        var tensors = Weights(model);
        model.to(device);
        using var g = new Generator(1);
        var x = randn([batch, config.InChans, config.ImgSize, config.ImgSize], generator: g);
        tensors["input.x"] = x.clone();
        var xd = x.to(device);
        void Once() { using (no_grad()) model.call(xd); }
        Dictionary<string, Tensor> check;
        using (no_grad()) check = new() { ["logits"] = model.call(xd).cpu().DetachFromDisposeScope() };
        Once();
        return new BenchWorkload($"{name} forward at {config.ImgSize}px, batch {batch}", "img/s", batch,
            batch * Throughput.ForwardFlopsPerImage(config), Count(model), Once, Spec("forward", config), tensors, check, [model, x, xd]);
    }

    /// <summary>A train step: cross-entropy forward, backward and our AdamW (weight decay 0.01) at <see cref="Lr"/>.</summary>
    public static BenchWorkload Train(string name, VitConfig config, int batch, Device device)
    {
        var model = new VisionTransformer(config, seed: 0);
        var tensors = Weights(model);
        model.to(device);
        model.train();
        using var g = new Generator(1);
        var x = randn([batch, config.InChans, config.ImgSize, config.ImgSize], generator: g);
        var y = randint(0, Math.Max(1, config.NumClasses), [batch], generator: g);
        tensors["input.x"] = x.clone();
        tensors["input.y"] = y.clone();
        var (xd, yd) = (x.to(device), y.to(device));
        var opt = new AdamW(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList(), weightDecay: 0.01);
        Tensor Once()
        {
            var loss = nn.functional.cross_entropy(model.call(xd), yd);
            loss.backward();
            opt.Step(Lr);
            opt.ZeroGrad();
            return loss;
        }
        var check = new Dictionary<string, Tensor>();
        using (NewDisposeScope())
        {
            check["loss"] = Once().detach().reshape(1).cpu().DetachFromDisposeScope();
            using (no_grad()) check["logits_after_step"] = model.call(xd).cpu().DetachFromDisposeScope();
        }
        var spec = Spec("train", config);
        spec["lr"] = Lr;
        spec["weight_decay"] = 0.01;
        return new BenchWorkload($"{name} train step (AdamW) at {config.ImgSize}px, batch {batch}", "img/s", batch,
            3 * batch * Throughput.ForwardFlopsPerImage(config), Count(model), () => Once(), spec, tensors, check, [model, opt, x, y, xd, yd]);
    }

    /// <summary>
    /// A STIR inversion of <paramref name="n"/> random images at <paramref name="layers"/> (all layers in one stacked
    /// optimisation, <see cref="Normalization.Half"/>), <paramref name="settings"/>' steps per repetition.
    /// </summary>
    public static BenchWorkload Stir(string name, VitConfig config, int n, IReadOnlyList<LayerId> layers, StirSettings settings, Device device)
    {
        var model = new VisionTransformer(config, seed: 0);
        var tensors = Weights(model);
        var take = LayerId.Sorted(layers, config.Depth, "layers");
        using var g = new Generator(1);
        var x = rand([n, config.InChans, config.ImgSize, config.ImgSize], generator: g);
        tensors["input.images"] = x.clone();
        tensors["input.noise"] = StirInversion.StartNoise(0, x.shape);
        Dictionary<LayerId, Inversion> Run(StirSettings s) => StirInversion.Invert(model, x, take, Normalization.Half, s, seed: 0, device);
        var check = new Dictionary<string, Tensor>();
        foreach (var (layer, inv) in Run(settings with { Steps = StirCheckSteps }))
        {
            check[$"loss.{layer.Name}"] = tensor(inv.RelativeError.Select(e => (float)e).ToArray());
            check[$"images.{layer.Name}"] = inv.Images;
        }
        void Once() { foreach (var inv in Run(settings).Values) inv.Dispose(); }
        Once();
        long rows = (long)n * take.Length;
        // Forward FLOPs of one step: every row runs the embedding and the blocks up to its own layer (pre_logits: all).
        double stepFlops = take.Sum(l => n * Throughput.ForwardFlopsPerImage(config with { Depth = l.LastBlock(config.Depth) + 1, NumClasses = 0 }));
        var spec = Spec("stir", config);
        spec["layers"] = new JsonArray(take.Select(l => (JsonNode)l.Name).ToArray());
        spec["check_steps"] = StirCheckSteps;
        spec["stir"] = new JsonObject
        {
            ["steps"] = settings.Steps, ["step_size"] = settings.StepSize, ["max_rows"] = settings.MaxRows,
            ["representation"] = settings.Representation,
            ["mean"] = new JsonArray(Normalization.Half.Mean.Select(v => (JsonNode)v).ToArray()),
            ["std"] = new JsonArray(Normalization.Half.Std.Select(v => (JsonNode)v).ToArray()),
        };
        return new BenchWorkload(
            $"{name} STIR inversion, {n} images x {take.Length} layers ({string.Join(",", take)}) = {rows} rows, {settings.Steps} steps, max rows {settings.MaxRows}",
            "row-steps/s", (double)rows * settings.Steps, 3 * stepFlops * settings.Steps, Count(model), Once, spec, tensors, check, [model, x]);
    }

    static JsonObject Spec(string workload, VitConfig config) =>
        new() { ["workload"] = workload, ["config"] = Json.ToNode(config) };

    static Dictionary<string, Tensor> Weights(VisionTransformer model) =>
        model.state_dict().ToDictionary(kv => "model." + kv.Key, kv => kv.Value.detach().cpu().clone());

    static long Count(VisionTransformer model) => model.parameters().Sum(p => p.numel());
}
