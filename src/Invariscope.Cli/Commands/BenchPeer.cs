using System.CommandLine;
using Invariscope.Bench;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Cli.Commands;

/// <summary>
/// The <c>--peer</c>, <c>--pairs</c>, <c>--peer-python</c> and <c>--peer-coretype</c> options of a model benchmark, and
/// the run they drive: our rate (and with <c>--peer torch</c> PyTorch's, after a parity check on shared weights), each
/// beside its own process's fp32 matmul rate, timed in interleaved pairs.
/// </summary>
sealed class BenchPeer
{
    /// <summary>Largest |ours − PyTorch| allowed on the parity outputs, relative to max(1, max |ours|).</summary>
    public const double Tolerance = 1e-5;

    readonly Option<string> _peer = new("--peer") { Description = "none, or torch: run the same workload in PyTorch in the same run and print both rates and the ratio", DefaultValueFactory = _ => "none" };
    readonly Option<int> _pairs = new("--pairs") { Description = "measurements of each side, interleaved in pairs (medians reported)", DefaultValueFactory = _ => 3 };
    readonly Option<string> _python = new("--peer-python") { Description = "the Python whose torch is the peer", DefaultValueFactory = _ => TorchPeer.DefaultPython };
    readonly Option<string> _coreType = new("--peer-coretype")
    {
        Description = "OpenBLAS kernel for the peer (OPENBLAS_CORETYPE, set for its process only): auto (from the CPU's flags), none (OpenBLAS's own choice), or a name such as SkylakeX",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public BenchPeer(Command command)
    {
        _peer.CompletionSources.Add("none", "torch");
        foreach (var o in new Option[] { _peer, _pairs, _python, _coreType }) command.Options.Add(o);
    }

    /// <summary>Builds the workload, measures and prints; returns the exit code.</summary>
    public int Run(ParseResult parse, Device dev, int iters, Func<BenchWorkload> build)
    {
        var output = parse.InvocationConfiguration.Output;
        string peerName = parse.GetValue(_peer)!;
        int pairs = parse.GetValue(_pairs);
        if (peerName is not ("none" or "torch")) throw new UsageError($"--peer {peerName}: expected none or torch");
        if (pairs < 1) throw new UsageError($"--pairs {pairs}: must be at least 1");
        if (iters < 1) throw new UsageError($"--iters {iters}: must be at least 1");
        if (peerName == "torch" && dev.type != TorchSharp.DeviceType.CPU)
            throw new InvariscopeException($"--peer torch runs on the CPU; use --device cpu (got {dev})");
        output.WriteLine($"device {dev}, {CpuThreads.Describe()}");
        double peak = Throughput.MatmulGflops(dev, dev.type == TorchSharp.DeviceType.CUDA ? 4096 : 1024);
        output.WriteLine($"fp32 matmul: {peak:F1} GFLOP/s");
        using var work = build();
        if (peerName == "none")
        {
            var ours = new List<double>();
            for (int i = 0; i < pairs; i++) ours.Add(work.Seconds(iters));
            output.WriteLine($"{work.Title}: {Rate(work, Pairs.Median(ours), peak)}");
            return 0;
        }
        output.WriteLine(work.Title);
        using var peer = StartPeer(parse, work, iters, output);
        Parity(work, peer, output);
        var times = new Pairs();
        for (int i = 0; i < pairs; i++)
        {
            // alternate which side goes first, so that a drift in the machine's load falls on both alike
            double a, b;
            if (i % 2 == 0) { a = work.Seconds(iters); b = peer.Time(); }
            else { b = peer.Time(); a = work.Seconds(iters); }
            times.Add(a, b, b / a);
            output.WriteLine($"  pair {i + 1}: ours {work.UnitsPerRun / a:F1}, PyTorch {work.UnitsPerRun / b:F1} {work.Unit}: ratio {b / a:F2}");
        }
        output.WriteLine($"  ours:    {Rate(work, times.First, peak)}");
        output.WriteLine($"  PyTorch: {Rate(work, times.Second, peer.Info.MatmulGflops)}");
        output.WriteLine($"  {times.Ratio("ratio ours/PyTorch")}");
        return 0;
    }

    TorchPeer StartPeer(ParseResult parse, BenchWorkload work, int iters, TextWriter output)
    {
        var python = parse.GetValue(_python)!;
        if (TorchPeer.Unavailable(python) is { } why) throw new InvariscopeException($"--peer torch: {why}");
        int threads = get_num_threads();
        var env = new Dictionary<string, string>
        {
            ["OMP_NUM_THREADS"] = $"{threads}", ["OPENBLAS_NUM_THREADS"] = $"{threads}", ["MKL_NUM_THREADS"] = $"{threads}",
        };
        var coreType = parse.GetValue(_coreType)!;
        string? kernel = coreType switch
        {
            "auto" => OpenBlasCoreType.For(OpenBlasCoreType.CpuFlags()),
            "none" => null,
            _ => coreType,
        };
        if (kernel is not null) env[OpenBlasCoreType.Variable] = kernel;
        var spec = work.PeerSpec.DeepClone().AsObject();
        spec["threads"] = threads;
        spec["iters"] = iters;
        var peer = new TorchPeer(spec, work.PeerTensors, env, python);
        var set = kernel is null ? "OpenBLAS's own choice" : $"{OpenBlasCoreType.Variable}={kernel}, {(coreType == "auto" ? "from the CPU's flags" : "--peer-coretype")}";
        output.WriteLine($"peer: PyTorch {peer.Info.TorchVersion}, {peer.Info.Threads} threads, float32 both sides; " +
                         $"BLAS kernel {peer.Info.CoreName ?? "(not OpenBLAS)"} ({set}); its fp32 matmul: {peer.Info.MatmulGflops:F1} GFLOP/s");
        return peer;
    }

    /// <summary>Same parameter count and the same outputs on the shared weights, or an error naming what differs.</summary>
    static void Parity(BenchWorkload work, TorchPeer peer, TextWriter output)
    {
        if (peer.Info.Parameters != work.Parameters)
            throw new InvariscopeException($"--peer torch: the peer's model has {peer.Info.Parameters} parameters, ours {work.Parameters}");
        var worst = ("", 0.0);
        foreach (var (name, ours) in work.Check)
        {
            if (!peer.Check.TryGetValue(name, out var theirs))
                throw new InvariscopeException($"--peer torch: the peer wrote no '{name}' output");
            if (!ours.shape.SequenceEqual(theirs.shape))
                throw new InvariscopeException($"--peer torch: '{name}' is [{string.Join(",", ours.shape)}] here, [{string.Join(",", theirs.shape)}] in PyTorch");
            using var scope = NewDisposeScope();
            double scale = Math.Max(1, ours.abs().max().item<float>());
            double diff = (ours.to(float64) - theirs.to(float64)).abs().max().item<double>() / scale;
            if (diff > worst.Item2 || worst.Item1 == "") worst = (name, diff);
        }
        string line = $"parity: {work.Parameters} parameters both sides; largest |ours - PyTorch| on shared weights {worst.Item2:E1} ({worst.Item1}; tolerance {Tolerance:E0})";
        if (worst.Item2 > Tolerance) throw new InvariscopeException($"--peer torch: outputs differ: {line}");
        output.WriteLine(line);
    }

    static string Rate(BenchWorkload work, double seconds, double peak)
    {
        double gflops = work.FlopsPerRun / seconds / 1e9;
        return $"{work.UnitsPerRun / seconds:F1} {work.Unit} = {gflops:F1} GFLOP/s ({gflops / peak:F2} of the same process's matmul)";
    }
}
