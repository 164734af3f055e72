using Invariscope.Models;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Training;

/// <summary>The flat update (one buffer for all parameters and one per state slot) against the tensor-by-tensor one.</summary>
public class FlatOptimizerTests
{
    static (VisionTransformer model, List<(string, Tensor)> ps) Model()
    {
        var model = new VisionTransformer(VitPresets.Get("vit_micro_patch4_16"), seed: 3);
        return (model, model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList());
    }

    static void Steps(VisionTransformer model, Invariscope.Training.Optimizer opt, int n, int from = 0)
    {
        for (int i = from; i < from + n; i++)
        {
            using var scope = NewDisposeScope();
            using var g = new Generator((ulong)(10 + i));
            var x = randn([8, 3, 16, 16], generator: g);
            var y = randint(0, 10, [8], generator: g);
            opt.ZeroGrad();
            nn.functional.cross_entropy(model.call(x), y).backward();
            opt.Step(1e-3);
        }
    }

    static void AssertSame(VisionTransformer a, VisionTransformer b, Invariscope.Training.Optimizer oa, Invariscope.Training.Optimizer ob)
    {
        var pb = b.state_dict();
        foreach (var (name, t) in a.state_dict()) Assert.True(TestData.MaxAbsDiff(t, pb[name]) == 0, name);
        var sa = oa.StateDict();
        var sb = ob.StateDict();
        Assert.Equal(sa.Keys.Order(), sb.Keys.Order());
        foreach (var (key, t) in sa) Assert.True(TestData.MaxAbsDiff(t, sb[key]) == 0, key);
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("sgd")]
    public void TheFlatStepGivesTheSameNumbersBitForBit(string kind)
    {
        Invariscope.Training.Optimizer Make(List<(string, Tensor)> ps, bool flat) => kind == "sgd"
            ? new Sgd(ps, momentum: 0.9, weightDecay: 0.01) { AllowFlat = flat }
            : new AdamW(ps, weightDecay: 0.05) { AllowFlat = flat };
        var (a, pa) = Model();
        var (b, pb) = Model();
        using var flat = Make(pa, true);
        using var each = Make(pb, false);
        Steps(a, flat, 3);
        Steps(b, each, 3);
        AssertSame(a, b, flat, each);
        // the parameters are now slices of one buffer, and the model still reads them: same logits
        using var x = randn(4, 3, 16, 16);
        using (no_grad()) Assert.True(TestData.MaxAbsDiff(a.call(x), b.call(x)) == 0);
    }

    [Fact]
    public void AFlatOptimizerResumesFromAStateDictAndFromATensorByTensorStep()
    {
        var (a, pa) = Model();
        var (b, pb) = Model();
        using var first = new AdamW(pa) { AllowFlat = false };
        using var reference = new AdamW(pb) { AllowFlat = false };
        Steps(a, first, 2);
        Steps(b, reference, 2);
        using var resumed = new AdamW(pa); // flat, starting from the per-tensor state of `first`
        resumed.LoadStateDict(first.StateDict(), "test");
        Steps(a, resumed, 3, from: 2);
        Steps(b, reference, 3, from: 2);
        AssertSame(a, b, resumed, reference);
    }

    [Fact]
    public void AStepWhereSomeParameterHasNoGradientUpdatesOnlyThoseThatHave()
    {
        var (a, pa) = Model();
        var (b, pb) = Model();
        using var flat = new AdamW(pa);
        using var each = new AdamW(pb) { AllowFlat = false };
        Steps(a, flat, 1);
        Steps(b, each, 1);
        foreach (var (model, opt) in new[] { (a, (Invariscope.Training.Optimizer)flat), (b, each) })
        {
            using var scope = NewDisposeScope();
            using var g = new Generator(7);
            opt.ZeroGrad();
            model.Block(0, model.Embed(randn([2, 3, 16, 16], generator: g))).sum().backward(); // no gradient reaches later blocks or the head
            opt.Step(1e-3);
        }
        AssertSame(a, b, flat, each);
    }
}
