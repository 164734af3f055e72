using System.CommandLine;
using Invariscope.Bench;
using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Cli.Commands;

/// <summary>
/// <c>invariscope bench load</c>: our throughput with one competing CPU-bound process as a ratio to without it, in
/// interleaved pairs in one run: the figure that shows whether the threads and wait policy (Runtime/CpuThreads) are
/// good citizens on shared cores.
/// </summary>
public static class BenchLoadCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var workload = new Option<string>("--workload") { Description = "forward or train", DefaultValueFactory = _ => "forward" };
        workload.CompletionSources.Add("forward", "train");
        var (preset, batch) = BenchCommand.ModelOptions("vit_micro_patch4_16", 128, "pass or step");
        var iters = BenchCommand.Iters("pass or step", 5);
        var pairCount = new Option<int>("--pairs") { Description = "quiet/loaded measurement pairs, interleaved (medians reported)", DefaultValueFactory = _ => 3 };
        var command = new Command("load",
            "Throughput with one competing CPU-bound process (a busy loop this command starts and stops) as a ratio to without it, in one run. " +
            "Set OMP_WAIT_POLICY or GOMP_SPINCOUNT to compare wait policies.") { workload, preset, batch, iters, pairCount };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var output = parse.InvocationConfiguration.Output;
            var name = parse.GetValue(preset)!;
            var config = VitPresets.Get(name);
            int b = parse.GetValue(batch), n = parse.GetValue(iters), p = parse.GetValue(pairCount);
            if (b < 1 || n < 1 || p < 1) throw new UsageError("--batch-size, --iters and --pairs must be at least 1");
            output.WriteLine($"device {dev}, {CpuThreads.Describe()}, {Environment.ProcessorCount} cores");
            using var work = parse.GetValue(workload) switch
            {
                "forward" => BenchWorkloads.Forward(name, config, b, dev),
                "train" => BenchWorkloads.Train(name, config, b, dev),
                var other => throw new UsageError($"--workload {other}: expected forward or train"),
            };
            output.WriteLine(work.Title);
            var pairs = new Pairs();
            for (int i = 0; i < p; i++)
            {
                Settle(work);
                double q = work.UnitsPerRun / work.Seconds(n);
                int qThreads = TorchSharp.torch.get_num_threads();
                double l;
                int lThreads;
                using (var load = new CompetingLoad())
                {
                    Settle(work);
                    l = work.UnitsPerRun / work.Seconds(n);
                    lThreads = TorchSharp.torch.get_num_threads();
                }
                pairs.Add(q, l, l / q);
                output.WriteLine($"  pair {i + 1}: without {q:F1} ({Threads(qThreads)}), with one competing process {l:F1} {work.Unit} ({Threads(lThreads)}): ratio {l / q:F2}");
            }
            output.WriteLine($"  without: {pairs.First:F1} {work.Unit}; with one competing CPU-bound process: {pairs.Second:F1} {work.Unit}");
            output.WriteLine($"  {pairs.Ratio("loaded/quiet ratio")}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Runs the workload, untimed, for two of <see cref="CpuGovernor"/>'s intervals after the load changed: the time it
    /// takes to see the change, which a real competing job (minutes long) makes negligible.
    /// </summary>
    static void Settle(BenchWorkload work)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < 2 * CpuGovernor.Interval + TimeSpan.FromMilliseconds(100)) work.Seconds(1);
    }

    static string Threads(int n) => n == 1 ? "1 thread" : $"{n} threads";
}
