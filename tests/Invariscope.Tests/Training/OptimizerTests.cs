using Invariscope.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Tests.Training;

/// <summary>Our optimisers against TorchSharp's torch.optim on the same problem, step by step.</summary>
public class OptimizerTests
{
    static (Tensor w, Tensor x, Tensor y) Problem()
    {
        _ = TestData.Fixture("");
        using var g = new Generator(5);
        var w = randn(8, 4, generator: g);
        var x = randn(16, 8, generator: g);
        var y = randn(16, 4, generator: g);
        return (w, x, y);
    }

    static void Compare(Func<IEnumerable<(string, Tensor)>, Invariscope.Training.Optimizer> ours,
        Func<IEnumerable<TorchSharp.Modules.Parameter>, torch.optim.Optimizer> theirs, double lr)
    {
        var (w0, x, y) = Problem();
        var a = w0.clone().requires_grad_(true);
        var b = new TorchSharp.Modules.Parameter(w0.clone());
        using var opt1 = ours([("w", a)]);
        var opt2 = theirs([b]);
        for (int step = 0; step < 6; step++)
        {
            opt1.ZeroGrad();
            matmul(x, a).sub(y).pow(2).mean().backward();
            opt1.Step(lr);
            opt2.zero_grad();
            matmul(x, b).sub(y).pow(2).mean().backward();
            opt2.step();
            // Same shapes on both sides, 6 steps of a convex problem: measured 0 (also MKL_CBWR=COMPATIBLE, OMP_NUM_THREADS=2).
            Assert.True(TestData.MaxAbsDiff(a.detach(), b.detach()) < 1e-6, $"step {step}");
        }
    }

    [Fact]
    public void SgdWithMomentumAndWeightDecayMatchesTorch() =>
        Compare(p => new Sgd(p, momentum: 0.9, weightDecay: 0.01),
            p => optim.SGD(p, 0.05, momentum: 0.9, weight_decay: 0.01), 0.05);

    [Fact]
    public void AdamWMatchesTorch() =>
        Compare(p => new AdamW(p, weightDecay: 0.05), p => optim.AdamW(p, 0.01, weight_decay: 0.05), 0.01);

    [Fact]
    public void StateRoundTripContinuesIdentically()
    {
        var (w0, x, y) = Problem();
        var a = w0.clone().requires_grad_(true);
        var b = w0.clone().requires_grad_(true);
        using var opt1 = new AdamW([("w", a)]);
        void Step(Invariscope.Training.Optimizer o, Tensor p)
        {
            o.ZeroGrad();
            matmul(x, p).sub(y).pow(2).mean().backward();
            o.Step(0.01);
        }
        for (int i = 0; i < 3; i++) Step(opt1, a);
        using (no_grad()) b.copy_(a);
        using var opt2 = new AdamW([("w", b)]);
        opt2.LoadStateDict(opt1.StateDict(), "test");
        Assert.Equal(3, opt2.Steps);
        for (int i = 0; i < 3; i++) { Step(opt1, a); Step(opt2, b); }
        Assert.Equal(0.0, TestData.MaxAbsDiff(a.detach(), b.detach()));
    }

    [Fact]
    public void CosineScheduleWarmsUpThenDecays()
    {
        var s = new LrSchedule("cosine", 1.0, 10, 110);
        Assert.Equal(0.1, s.GetLr(0), 12);
        Assert.Equal(1.0, s.GetLr(9), 12);
        Assert.Equal(1.0, s.GetLr(10), 12);
        Assert.Equal(0.5, s.GetLr(60), 12);
        Assert.Equal(0.0, s.GetLr(110), 12);
        Assert.Equal(1.0, new LrSchedule("constant", 1.0, 0, 100).GetLr(77));
    }
}
