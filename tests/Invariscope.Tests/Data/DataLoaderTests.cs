using Invariscope.Data;
using TorchSharp;

namespace Invariscope.Tests.Data;

public class DataLoaderTests
{
    static readonly SyntheticDataset Data = new(SyntheticTask.Shapes, 203, size: 16);
    static readonly TransformSpec Aug = new(16, Pad: 2, Flip: true, Normalize: "vit");

    static List<(int[] idx, float[] x, long[] y)> Collect(DataLoader loader, int epoch)
    {
        var list = new List<(int[], float[], long[])>();
        foreach (var b in loader.Epoch(epoch))
            using (b)
                list.Add((b.Indices.ToArray(), b.Images.data<float>().ToArray(), b.Labels.data<long>().ToArray()));
        return list;
    }

    [Fact]
    public void EveryIndexOnceAndShapesAndLabels()
    {
        using var loader = new DataLoader(Data, Aug, new LoaderOptions(BatchSize: 32, Workers: 2));
        var batches = Collect(loader, 0);
        Assert.Equal(7, batches.Count);
        Assert.Equal(7, loader.BatchesPerEpoch);
        Assert.Equal(Enumerable.Range(0, 203), batches.SelectMany(b => b.idx).Order());
        Assert.Equal(11, batches[^1].idx.Length);
        foreach (var (idx, x, y) in batches)
        {
            Assert.Equal(idx.Length * 3 * 16 * 16, x.Length);
            Assert.Equal(idx.Select(i => (long)Data.GetLabel(i)), y);
        }
        foreach (var b in loader.Epoch(0))
            using (b)
            {
                Assert.Equal(new long[] { 32, 3, 16, 16 }, b.Images.shape);
                Assert.Equal(torch.ScalarType.Int64, b.Labels.dtype);
                break;
            }
    }

    [Fact]
    public void DropLastDropsThePartialBatch()
    {
        using var loader = new DataLoader(Data, Aug, new LoaderOptions(BatchSize: 32, DropLast: true, Workers: 1));
        var batches = Collect(loader, 0);
        Assert.Equal(6, batches.Count);
        Assert.All(batches, b => Assert.Equal(32, b.idx.Length));
    }

    [Fact]
    public void SameSeedSameOrderAndEpochsDiffer()
    {
        using var a = new DataLoader(Data, Aug, new LoaderOptions(BatchSize: 50, Seed: 7, Workers: 0));
        using var b = new DataLoader(Data, Aug, new LoaderOptions(BatchSize: 50, Seed: 7, Workers: 0));
        using var c = new DataLoader(Data, Aug, new LoaderOptions(BatchSize: 50, Seed: 8, Workers: 0));
        Assert.Equal(a.EpochOrder(3), b.EpochOrder(3));
        Assert.NotEqual(a.EpochOrder(3), a.EpochOrder(4));
        Assert.NotEqual(a.EpochOrder(3), c.EpochOrder(3));
        using var unshuffled = new DataLoader(Data, Aug, new LoaderOptions(Shuffle: false));
        Assert.Equal(Enumerable.Range(0, 203), unshuffled.EpochOrder(5));
    }

    [Fact]
    public void PrefetchGivesTheSameBatchesAsASynchronousPass()
    {
        using var sync = new DataLoader(Data, Aug, new LoaderOptions(BatchSize: 16, Seed: 2, Workers: 0));
        using var threaded = new DataLoader(Data, Aug, new LoaderOptions(BatchSize: 16, Seed: 2, Workers: 3, Prefetch: 2));
        var expected = Collect(sync, 1);
        var actual = Collect(threaded, 1);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].idx, actual[i].idx);
            Assert.Equal(expected[i].x, actual[i].x);
            Assert.Equal(expected[i].y, actual[i].y);
        }
        Assert.NotEqual(expected[0].x, Collect(sync, 2)[0].x);
    }

    [Fact]
    public void BreakingEarlyAndDisposingStopTheWorkers()
    {
        var loader = new DataLoader(Data, Aug, new LoaderOptions(BatchSize: 8, Workers: 2, Prefetch: 3));
        int seen = 0;
        foreach (var b in loader.Epoch(0))
            using (b)
                if (++seen == 2) break;
        var e = loader.Epoch(1).GetEnumerator();
        Assert.True(e.MoveNext());
        e.Current.Dispose();
        loader.Dispose(); // stops the epoch still running
        Assert.Throws<ObjectDisposedException>(() => e.MoveNext());
        e.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(2).GetEnumerator().MoveNext());
    }

    [Fact]
    public void WorkerErrorsReachTheConsumer()
    {
        var broken = new BrokenDataset();
        using var loader = new DataLoader(broken, Aug, new LoaderOptions(BatchSize: 4, Workers: 2));
        var e = Assert.Throws<Invariscope.Runtime.InvariscopeException>(() => Collect(loader, 0));
        Assert.Contains("broken.png", e.Message);
    }

    sealed class BrokenDataset : IImageDataset
    {
        public string Name => "broken";
        public IReadOnlyList<string> ClassNames => ["a"];
        public int Count => 20;
        public int GetLabel(int index) => 0;
        public Image8 GetImage(int index) => index == 13
            ? throw new Invariscope.Runtime.InvariscopeException("broken.png: corrupt")
            : new Image8(16, 16, 3, new byte[768]);
    }
}
