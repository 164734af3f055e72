using Invariscope.Data;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Tests.Data;

public class TransformTests
{
    public TransformTests() => TorchRuntime.Initialize();

    static float[] Values(Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void ToChwConvertsHwcBytesToUnitFloatsAndExpandsGray()
    {
        var rgb = new Image8(1, 2, 3, [0, 51, 255, 102, 153, 204]);
        Assert.Equal(new[] { 0f, 0.4f, 0.2f, 0.6f, 1f, 0.8f }, ImageTransform.ToChw(rgb), new FloatEq(1e-6f));
        var gray = new Image8(1, 2, 1, [0, 255]);
        Assert.Equal(new[] { 0f, 1f, 0f, 1f, 0f, 1f }, ImageTransform.ToChw(gray), new FloatEq(1e-6f));
    }

    sealed class FloatEq(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(float f) => 0;
    }

    [Theory]
    [InlineData("imagenet", 0.485f, 0.456f, 0.406f, 0.229f, 0.224f, 0.225f)]
    [InlineData("vit", 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f)]
    [InlineData("half", 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f)]
    [InlineData("cifar10", 0.4914f, 0.4822f, 0.4465f, 0.2470f, 0.2435f, 0.2616f)]
    [InlineData("none", 0f, 0f, 0f, 1f, 1f, 1f)]
    public void NormalisationPresetsAreExact(string name, float m0, float m1, float m2, float s0, float s1, float s2)
    {
        var n = Normalization.Parse(name);
        Assert.Equal([m0, m1, m2], n.Mean);
        Assert.Equal([s0, s1, s2], n.Std);
        var image = new Image8(1, 1, 3, [255, 128, 0]);
        using var x = new ImageTransform(new TransformSpec(1, Normalize: name)).Apply(image);
        var v = Values(x);
        Assert.Equal((1 - m0) / s0, v[0], 5);
        Assert.Equal((128 / 255f - m1) / s1, v[1], 5);
        Assert.Equal((0 - m2) / s2, v[2], 5);
        Assert.Throws<InvariscopeException>(() => Normalization.Parse("zca"));
    }

    [Fact]
    public void BatchShapeAndRangeAtAnySize()
    {
        var ds = new SyntheticDataset(SyntheticTask.Shapes, 4, size: 32);
        var images = Enumerable.Range(0, 4).Select(ds.GetImage).Append(new Image8(28, 28, 1, new byte[784])).ToArray();
        foreach (int size in new[] { 32, 24, 224 })
        {
            using var x = new ImageTransform(TransformSpec.Eval(size, "none")).Apply(images, new ulong[5]);
            Assert.Equal(new long[] { 5, 3, size, size }, x.shape);
            Assert.Equal(ScalarType.Float32, x.dtype);
            Assert.True(x.min().item<float>() >= 0 && x.max().item<float>() <= 1);
        }
        using var half = new ImageTransform(TransformSpec.Eval(224)).Apply(images, new ulong[5]);
        Assert.True(half.min().item<float>() >= -1 && half.max().item<float>() <= 1);
    }

    [Theory]
    [InlineData(28, 32)]
    [InlineData(32, 224)]
    [InlineData(7, 5)]
    [InlineData(64, 20)]
    [InlineData(30, 32)]
    public void ResizeMatchesTorchBilinearAndAntialiasedShrink(int from, int to)
    {
        var image = TestFiles.Pattern(from, from, 4);
        using var ours = new ImageTransform(TransformSpec.Eval(to, "none")).Apply(image);
        using var src = tensor(ImageTransform.ToChw(image), [1, 3, from, from]);
        using var theirs = nn.functional.interpolate(src, [to, to], mode: InterpolationMode.Bilinear,
            align_corners: false, antialias: to < from);
        Assert.True((ours - theirs[0]).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void CropAndFlipAreSeededAndShapePreserving()
    {
        var image = TestFiles.Pattern(8, 8, 1);
        var t = new ImageTransform(new TransformSpec(8, Pad: 2, Flip: true, Normalize: "none"));
        using var a = t.Apply(image, 42);
        using var b = t.Apply(image, 42);
        Assert.Equal(Values(a), Values(b));
        var distinct = Enumerable.Range(0, 30).Select(s => { using var x = t.Apply(image, (ulong)s); return string.Join(",", Values(x)); }).Distinct().Count();
        Assert.True(distinct > 10, $"{distinct} distinct augmentations of 30");
        Assert.Equal(new long[] { 3, 8, 8 }, a.shape);
    }

    [Fact]
    public void FlipOnlyMirrorsColumns()
    {
        var image = TestFiles.Pattern(4, 4, 2);
        var plain = ImageTransform.ToChw(image);
        var t = new ImageTransform(new TransformSpec(4, Flip: true, Normalize: "none"));
        var flipped = Enumerable.Range(0, 20).Select(s => { using var x = t.Apply(image, (ulong)s); return Values(x); })
            .First(v => !v.SequenceEqual(plain));
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                    Assert.Equal(plain[(c * 4 + y) * 4 + 3 - x], flipped[(c * 4 + y) * 4 + x]);
    }

    [Fact]
    public void PaddedCropFillsWithNormalisedZero()
    {
        var image = new Image8(4, 4, 3, Enumerable.Repeat((byte)255, 48).ToArray());
        var t = new ImageTransform(new TransformSpec(4, Pad: 3, Normalize: "vit"));
        var all = Enumerable.Range(0, 20).SelectMany(s => { using var x = t.Apply(image, (ulong)s); return Values(x); }).ToArray();
        Assert.Contains(-1f, all); // zero padding normalised by mean 0.5, std 0.5
        Assert.All(all, v => Assert.True(v == -1f || v == 1f));
    }
}
