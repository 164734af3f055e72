using Invariscope.Bench;

namespace Invariscope.Tests.Bench;

/// <summary>
/// Skips, saying why, where /usr/bin/python3 has no torch (scripts/peer/install.sh installs it), except where
/// <c>INVARISCOPE_REQUIRE_PEER=1</c> (.ci/run, after installing it): there it must run.
/// </summary>
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("INVARISCOPE_REQUIRE_PEER") != "1" && TorchPeer.Unavailable() is { } why) Skip = why;
    }
}

public class BenchPeerTests
{
    static (int code, string output) Bench(params string[] args) =>
        TestData.ChildCli(new Dictionary<string, string?>(), ["bench", .. args, "--peer", "torch", "--pairs", "1", "--iters", "1", "--device", "cpu", "--threads", "1"]);

    static void AssertPeerRan(int code, string output, string unit)
    {
        Assert.True(code == 0, output);
        Assert.Matches(@"parity: \d+ parameters both sides; largest \|ours - PyTorch\| on shared weights", output);
        Assert.Matches(@"peer: PyTorch 1\.\d+.*, 1 threads, float32 both sides; BLAS kernel \w+", output);
        Assert.Matches($@"ours: +[\d.]+ {unit}", output);
        Assert.Matches($@"PyTorch: +[\d.]+ {unit}", output);
        Assert.Matches(@"ratio ours/PyTorch: [\d.]+ \(median of 1 interleaved pairs", output);
    }

    [PeerFact]
    public void ForwardRunsInBothOnSharedWeights()
    {
        var (code, output) = Bench("forward", "--preset", "mu/4@16", "--batch-size", "4");
        AssertPeerRan(code, output, "img/s");
        Assert.Contains("(logits;", output);
    }

    [PeerFact]
    public void TrainStepRunsInBothAndAgreesAfterOneAdamWStep()
    {
        var (code, output) = Bench("train", "--preset", "vit_micro_patch4_16", "--batch-size", "4");
        AssertPeerRan(code, output, "img/s");
    }

    [PeerFact]
    public void StirRunsInBothAndAgreesAfterTwoSteps()
    {
        // 3 images x 3 layers in chunks of 4 rows: groups split across chunks, as the analysis's may be
        var (code, output) = Bench("stir", "--preset", "vit_micro_patch4_16", "--images", "3", "--layers", "0,final_norm,pre_logits", "--steps", "2", "--max-rows", "4");
        AssertPeerRan(code, output, "row-steps/s");
    }

    [Fact]
    public void ThePeerRunsOnTheCpuOnly()
    {
        var (code, _, stderr) = TestData.Cli("bench", "forward", "--preset", "mu/4@16", "--peer", "cuda");
        Assert.Equal(2, code);
        Assert.Contains("--peer cuda: expected none or torch", stderr);
    }

    [Fact]
    public void AMissingPythonIsAOneLineError()
    {
        var (code, output) = TestData.ChildCli(new Dictionary<string, string?>(),
            ["bench", "forward", "--preset", "mu/4@16", "--batch-size", "2", "--iters", "1", "--pairs", "1", "--peer", "torch", "--peer-python", "/nonexistent/python3", "--device", "cpu"]);
        Assert.Equal(1, code);
        Assert.Contains("--peer torch: /nonexistent/python3 not found", output);
    }
}
