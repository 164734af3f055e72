using System.Diagnostics;
using Invariscope.Data;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data;

public class SyntheticDatasetTests
{
    [Fact]
    public void SameSeedGivesSameBytesAndDifferentSeedDiffers()
    {
        var a = new SyntheticDataset(SyntheticTask.Shapes, 50, seed: 1);
        var b = new SyntheticDataset(SyntheticTask.Shapes, 50, seed: 1);
        var c = new SyntheticDataset(SyntheticTask.Shapes, 50, seed: 2);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(a.GetImage(i).Pixels, b.GetImage(i).Pixels);
            Assert.Equal(a.GetLabel(i), b.GetLabel(i));
            Assert.NotEqual(a.GetImage(i).Pixels, c.GetImage(i).Pixels);
        }
        // random access: reading out of order gives the same image
        Assert.Equal(new SyntheticDataset(SyntheticTask.Shapes, 50, seed: 1).GetImage(37).Pixels, a.GetImage(37).Pixels);
    }

    [Fact]
    public void TasksAndShiftDiffer()
    {
        var shapes = new SyntheticDataset(SyntheticTask.Shapes, 20);
        var texture = new SyntheticDataset(SyntheticTask.Texture, 20);
        var count = new SyntheticDataset(SyntheticTask.Count, 20);
        var ood = new SyntheticDataset(SyntheticTask.Shapes, 20, ood: true);
        Assert.Equal(6, shapes.ClassNames.Count);
        Assert.Equal(5, texture.ClassNames.Count);
        Assert.Equal(["1", "2", "3", "4", "5"], count.ClassNames);
        for (int i = 0; i < 20; i++)
        {
            Assert.NotEqual(shapes.GetImage(i).Pixels, texture.GetImage(i).Pixels);
            Assert.NotEqual(shapes.GetImage(i).Pixels, count.GetImage(i).Pixels);
            Assert.NotEqual(shapes.GetImage(i).Pixels, ood.GetImage(i).Pixels);
            Assert.Equal(shapes.GetLabel(i), ood.GetLabel(i)); // same scenes, shifted look
        }
        double Roughness(SyntheticDataset d) => Enumerable.Range(0, 20).Average(i =>
        {
            var p = d.GetImage(i).Pixels;
            return Enumerable.Range(0, p.Length - 3).Average(k => Math.Abs(p[k + 3] - p[k]));
        });
        double Saturation(SyntheticDataset d) => Enumerable.Range(0, 20).Average(i =>
        {
            var p = d.GetImage(i).Pixels;
            return Enumerable.Range(0, p.Length / 3).Average(k => p.AsSpan(3 * k, 3).ToArray().Max() - p.AsSpan(3 * k, 3).ToArray().Min());
        });
        Assert.True(Roughness(ood) > 1.2 * Roughness(shapes), "the OOD rendering is noisier");
        Assert.True(Saturation(ood) < Saturation(shapes), "the OOD rendering is greyer");
    }

    [Theory]
    [InlineData(SyntheticTask.Shapes)]
    [InlineData(SyntheticTask.Texture)]
    [InlineData(SyntheticTask.Count)]
    public void ClassesAreExactlyBalanced(SyntheticTask task)
    {
        var ds = new SyntheticDataset(task, 600);
        var counts = ds.ClassCounts();
        Assert.All(counts, c => Assert.Equal(600 / ds.ClassNames.Count, c));
    }

    [Fact]
    public void ClassesAreNotSeparableByMeanColour()
    {
        // nearest-class-mean on the per-image mean RGB should stay far from perfect
        var ds = new SyntheticDataset(SyntheticTask.Shapes, 1200);
        var feats = Enumerable.Range(0, ds.Count).Select(i =>
        {
            var p = ds.GetImage(i).Pixels;
            return Enumerable.Range(0, 3).Select(c => p.Where((_, k) => k % 3 == c).Average(b => (double)b)).ToArray();
        }).ToArray();
        int k = ds.ClassNames.Count;
        var means = Enumerable.Range(0, k).Select(c => Enumerable.Range(0, 3).Select(ch =>
            Enumerable.Range(0, 600).Where(i => ds.GetLabel(i) == c).Average(i => feats[i][ch])).ToArray()).ToArray();
        int correct = Enumerable.Range(600, 600).Count(i =>
            Enumerable.Range(0, k).MinBy(c => means[c].Zip(feats[i]).Sum(z => (z.First - z.Second) * (z.First - z.Second))) == ds.GetLabel(i));
        Assert.True(correct / 600.0 < 0.4, $"mean colour classifies {correct}/600 correctly");
    }

    [Fact]
    public void AnySizeRendersAndRenderingIsFast()
    {
        Assert.Equal(64 * 64 * 3, new SyntheticDataset(SyntheticTask.Count, 3, size: 64).GetImage(2).Pixels.Length);
        var ds = new SyntheticDataset(SyntheticTask.Shapes, 4000);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < ds.Count; i++) ds.GetImage(i);
        double perSecond = ds.Count / clock.Elapsed.TotalSeconds;
        Assert.True(perSecond > 2000, $"{perSecond:F0} images/s"); // loose: shared CI machines; ~20k+/s when idle
    }

    [Fact]
    public void UnknownTaskAndBadSizeAreClearErrors()
    {
        Assert.Contains("valid tasks: shapes, texture, count",
            Assert.Throws<InvariscopeException>(() => SyntheticDataset.ParseTask("colours")).Message);
        Assert.Throws<InvariscopeException>(() => new SyntheticDataset(SyntheticTask.Shapes, 10, size: 2));
    }
}
