using System.Diagnostics;
using Invariscope.Layout;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Training;

[CollectionDefinition("serial", DisableParallelization = true)]
public class SerialCollection;

/// <summary>Native memory must not grow over a long run. Runs alone so other tests do not move the numbers.</summary>
[Collection("serial")]
public class MemoryTests
{
    [Fact]
    public void ResidentMemoryStaysFlatAcrossEpochs()
    {
        using var dir = new TestData.TempDir();
        var config = new TrainConfig { Data = "synthetic:shapes?size=16&n=256&seed=1", Epochs = 12, BatchSize = 32, ValFraction = 0.25, Device = "cpu" };
        var samples = new Dictionary<int, long>();
        var trainer = new Trainer(config, new RunLayout(dir.Path), CPU, onStep: p =>
        {
            if (p.Batch != p.Batches || samples.ContainsKey(p.Epoch)) return;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            samples[p.Epoch] = Process.GetCurrentProcess().WorkingSet64;
        });
        trainer.Run();
        long grown = samples[12] - samples[4];
        Assert.True(grown < 32L << 20, $"resident memory grew by {grown >> 20} MiB between epochs 4 and 12");
    }
}
