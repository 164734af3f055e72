using Invariscope.Analysis;
using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using Invariscope.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

public class FeatureChangeTests
{
    static Tensor Randn(long seed, params long[] shape)
    {
        _ = TestData.Fixture("");
        using var g = new Generator((ulong)seed);
        return randn(shape, dtype: float64, generator: g);
    }

    static double MeanNorm(Tensor f) => f.reshape(f.shape[0], -1).norm(1).mean().item<double>();

    [Fact]
    public void IdenticalFeaturesHaveZeroDistanceAndDotEqualToSquaredNorm()
    {
        var f = Randn(1, 12, 7);
        var s = FeatureChange.Compute(f, f);
        Assert.Equal(0, s.Euclidean);
        Assert.Equal(0, s.Cosine, 12);
        Assert.Equal(f.square().sum(1).mean().item<double>(), s.Dot, 10);
        Assert.Equal(MeanNorm(f), s.Norm, 12);
        Assert.Equal(s.Norm, s.StartNorm);
        Assert.Equal(12, s.N);
    }

    [Fact]
    public void ScaledFeaturesHaveZeroCosineDistance()
    {
        var f = Randn(2, 9, 5);
        var s = FeatureChange.Compute(2 * f, f); // finetuned = 2 × start
        Assert.Equal(0, s.Cosine, 12);
        Assert.Equal(MeanNorm(f), s.Euclidean, 12);
        Assert.Equal(2 * MeanNorm(f), s.Norm, 12);
        Assert.Equal(MeanNorm(f), s.StartNorm, 12);
        Assert.Equal(2 * f.square().sum(1).mean().item<double>(), s.Dot, 10);
    }

    [Fact]
    public void OrthogonalFeaturesHaveCosineDistanceOneAndZeroDot()
    {
        var f = tensor(new double[] { 1, 0, 0, 0, 3, 0 }).reshape(2, 3);
        var g = tensor(new double[] { 0, 2, 0, 0, 0, -4 }).reshape(2, 3);
        var s = FeatureChange.Compute(f, g);
        Assert.Equal(1, s.Cosine, 15);
        Assert.Equal(0, s.Dot, 15);
        Assert.Equal((Math.Sqrt(5) + 5) / 2, s.Euclidean, 14);
        Assert.Equal(2, s.Norm, 15);
        Assert.Equal(3, s.StartNorm, 15);
    }

    [Fact]
    public void HandComputedExample()
    {
        // f1 = (3, 4), g1 = (0, 4): ‖f−g‖ = 3, cos = 16/(5·4) = 0.8, dot 16, ‖f‖ 5, ‖g‖ 4
        // f2 = (1, 1), g2 = (−1, −1): ‖f−g‖ = 2√2, cos = −1, dot −2, ‖f‖ √2, ‖g‖ √2
        var f = tensor(new float[] { 3, 4, 1, 1 }).reshape(2, 2);
        var g = tensor(new float[] { 0, 4, -1, -1 }).reshape(2, 2);
        var s = FeatureChange.Compute(f, g);
        Assert.Equal((3 + 2 * Math.Sqrt(2)) / 2, s.Euclidean, 12);
        Assert.Equal((0.2 + 2) / 2, s.Cosine, 12);
        Assert.Equal((16 - 2) / 2.0, s.Dot, 12);
        Assert.Equal((5 + Math.Sqrt(2)) / 2, s.Norm, 12);
        Assert.Equal((4 + Math.Sqrt(2)) / 2, s.StartNorm, 12);
    }

    [Fact]
    public void BlocksAreFlattenedAndBatchesAccumulate()
    {
        var f = Randn(3, 10, 4, 6);
        var g = Randn(4, 10, 4, 6);
        var whole = FeatureChange.Compute(f, g);
        var flat = FeatureChange.Compute(f.reshape(10, 24), g.reshape(10, 24));
        var acc = new FeatureChangeAccumulator();
        acc.Add(f[..3], g[..3]);
        acc.Add(f[3..], g[3..]);
        var parts = acc.Result();
        foreach (var s in new[] { flat, parts })
        {
            Assert.Equal(whole.Euclidean, s.Euclidean, 12);
            Assert.Equal(whole.Cosine, s.Cosine, 12);
            Assert.Equal(whole.Dot, s.Dot, 10);
            Assert.Equal(whole.Norm, s.Norm, 12);
            Assert.Equal(10, s.N);
        }
        Assert.Throws<InvariscopeException>(() => FeatureChange.Compute(f, g.reshape(10, 24)));
        Assert.Equal(1, FeatureChange.Compute(zeros(2, 3), ones(2, 3)).Cosine); // zero vector: cosine 0 by convention
    }

    [Fact]
    public void ACheckpointAgainstItselfHasExactlyZeroChange()
    {
        using var dir = new TestData.TempDir();
        var path = EvalModels.SaveVit(dir.File("a.safetensors"), seed: 7);
        using var a = VitCheckpoint.Load(path);
        using var b = VitCheckpoint.Load(path);
        var data = DatasetSpecs.Open("synthetic:shapes?size=16&n=12");
        var rows = FeatureChangeRun.Compare(a, b, data, TransformSpec.Eval(16), LayerSelection.Parse("0,-2,final_norm,pre_logits").Resolve(4), 5, CPU);
        Assert.Equal(["block0", "block3", "final_norm", "pre_logits"], rows.Select(r => r.Layer));
        foreach (var (_, s) in rows)
        {
            Assert.Equal(0, s.Euclidean);
            Assert.Equal(0, s.Cosine, 12);
            Assert.True(s.Norm > 0);
            Assert.True(s.Dot >= s.Norm * s.Norm - 1e-6); // mean ‖f‖² ≥ (mean ‖f‖)²
            Assert.Equal(12, s.N);
        }
    }

    [Fact]
    public void DifferentHeadsAreAllowedButDifferentBackbonesAreNot()
    {
        using var dir = new TestData.TempDir();
        using var a = VitCheckpoint.Load(EvalModels.SaveVit(dir.File("a.safetensors"), classes: 6, seed: 1));
        using var b = VitCheckpoint.Load(EvalModels.SaveVit(dir.File("b.safetensors"), classes: 3, seed: 2));
        using var c = VitCheckpoint.Load(EvalModels.SaveVit(dir.File("c.safetensors"), seed: 2, edit: cfg => cfg with { Depth = 2 }));
        var data = DatasetSpecs.Open("synthetic:shapes?size=16&n=6");
        var rows = FeatureChangeRun.Compare(a, b, data, TransformSpec.Eval(16), [LayerId.PreLogits], 8, CPU);
        Assert.True(rows.Single().Stats.Euclidean > 0);
        var e = Assert.Throws<InvariscopeException>(() => FeatureChangeRun.CheckSameArchitecture(a.Config, "A.safetensors", c.Config, "C.safetensors"));
        Assert.Contains("A.safetensors", e.Message);
        Assert.Contains("C.safetensors", e.Message);
        Assert.Contains("depth", e.Message);
    }

    [Fact]
    public void BlocksAreComparedFlattenedLikeTheRawTokens()
    {
        // The extractor hands blocks over as (N, T, D); the statistics flatten them to (N, T·D), as the features-change
        // definition asks, so comparing the raw tokens by hand gives the same numbers.
        using var dir = new TestData.TempDir();
        using var a = VitCheckpoint.Load(EvalModels.SaveVit(dir.File("a.safetensors"), seed: 1));
        using var b = VitCheckpoint.Load(EvalModels.SaveVit(dir.File("b.safetensors"), seed: 2));
        var data = DatasetSpecs.Open("synthetic:shapes?size=16&n=6");
        var rows = FeatureChangeRun.Compare(a, b, data, TransformSpec.Eval(16), [LayerId.OfBlock(2)], 6, CPU);
        var (images, labels) = DatasetTensors.Stack(data, TransformSpec.Eval(16));
        using var _i = images;
        labels.Dispose();
        using var _ = no_grad();
        using var fa = a.ForwardIntermediates(images, [LayerId.OfBlock(2)]);
        using var fb = b.ForwardIntermediates(images, [LayerId.OfBlock(2)]);
        var want = FeatureChange.Compute(fa.Block(2), fb.Block(2));
        Assert.Equal("block2", rows.Single().Layer);
        Assert.Equal(want.Euclidean, rows.Single().Stats.Euclidean, 10);
        Assert.Equal(want.Cosine, rows.Single().Stats.Cosine, 10);
    }
}
