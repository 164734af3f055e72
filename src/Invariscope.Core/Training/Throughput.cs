using System.Diagnostics;
using Invariscope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Training;

/// <summary>
/// Speed measurements that come with a same-run reference: a bare time means little on a noisy machine,
/// so every model figure is reported next to the fp32 matmul rate measured just before it.
/// </summary>
public static class Throughput
{
    /// <summary>fp32 n×n matmul rate in GFLOP/s on <paramref name="device"/> (best of <paramref name="iters"/>).</summary>
    public static double MatmulGflops(Device device, int n = 1024, int iters = 10)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device);
        var b = randn(n, n, device: device);
        matmul(a, b).Dispose(); // warm-up
        Sync(device);
        double best = double.MaxValue;
        for (int i = 0; i < iters; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = matmul(a, b);
            Sync(device);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>Forward FLOPs per image of a ViT (matmuls only; norms and softmax are negligible).</summary>
    public static double ForwardFlopsPerImage(VitConfig c)
    {
        double t = c.NumTokens, d = c.EmbedDim, patches = c.GridSize * c.GridSize;
        double embed = 2 * patches * d * c.InChans * c.PatchSize * c.PatchSize;
        double block = 2 * t * d * (3 * d + d + 2 * c.MlpHidden) + 4 * t * t * d;
        return embed + c.Depth * block + 2 * d * c.NumClasses;
    }

    /// <summary>
    /// Training throughput in images/s: cross-entropy forward + backward + a step of our <paramref name="optimizer"/>
    /// (<c>sgd</c> or <c>adamw</c>) on a fixed random batch (median of <paramref name="iters"/> timed steps after
    /// two warm-ups).
    /// </summary>
    public static double TrainImagesPerSecond(VisionTransformer model, Device device, int batch, int iters, string optimizer = "adamw")
    {
        model.to(device);
        var named = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        using Optimizer opt = optimizer == "sgd" ? new Sgd(named) : new AdamW(named);
        return TrainImagesPerSecond(model, device, batch, iters, () =>
        {
            opt.Step(1e-4);
            opt.ZeroGrad();
        });
    }

    static double TrainImagesPerSecond(VisionTransformer model, Device device, int batch, int iters, Action step)
    {
        model.train();
        model.to(device);
        using var x = randn(batch, model.Config.InChans, model.Config.ImgSize, model.Config.ImgSize, device: device);
        using var y = randint(0, Math.Max(1, model.Config.NumClasses), [batch], device: device);
        var times = new List<double>();
        for (int i = 0; i < iters + 2; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                var loss = nn.functional.cross_entropy(model.call(x), y);
                loss.backward();
                step();
            }
            Sync(device);
            if (i >= 2) times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        return batch / times[times.Count / 2];
    }

    static void Sync(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize();
    }
}
