using Invariscope.Data;
using Invariscope.Data.Corruptions;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data.CorruptionTests;

internal sealed class ListDataset(string name, Image8[] images, int[] labels) : IImageDataset
{
    public string Name => name;
    public IReadOnlyList<string> ClassNames => CifarCDataset.Cifar10ClassNames;
    public int Count => images.Length;
    public Image8 GetImage(int index) => images[index];
    public int GetLabel(int index) => labels[index];
}

public sealed class CifarCTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cifarc-corrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // 5 severities × 4 images of 8×8×3; every byte of image i at severity s is 40·s + i.
    private void WriteTinyCifarC(string name = "fog", long count = 20, long labelCount = 20)
    {
        var pixels = new byte[count * 8 * 8 * 3];
        for (int k = 0; k < count; k++) Array.Fill(pixels, (byte)(40 * (k / 4 + 1) + k % 4), k * 192, 192);
        NpyFile.WriteUInt8(Path.Combine(_dir, name + ".npy"), pixels, [count, 8, 8, 3]);
        NpyFile.WriteInt64(Path.Combine(_dir, "labels.npy"), Enumerable.Range(0, (int)labelCount).Select(k => (long)(k % 4 * 2)).ToArray());
    }

    [Fact]
    public void Each_severity_reads_its_own_block_and_labels()
    {
        WriteTinyCifarC();
        for (int s = 1; s <= 5; s++)
        {
            using var ds = new CifarCDataset(_dir, "fog", s);
            Assert.Equal(4, ds.Count);
            Assert.Equal("airplane", ds.ClassNames[0]);
            for (int i = 0; i < 4; i++)
            {
                var img = ds.GetImage(i);
                Assert.Equal((8, 8, 3), (img.Height, img.Width, img.Channels));
                Assert.All(img.Pixels, p => Assert.Equal(40 * s + i, p));
                Assert.Equal(i * 2, ds.GetLabel(i));
            }
        }
    }

    [Fact]
    public void Bad_folders_are_user_errors()
    {
        WriteTinyCifarC();
        Assert.Contains("fog", Assert.Throws<InvariscopeException>(() => new CifarCDataset(_dir, "snow", 1)).Message);
        Assert.Contains("1, 2, 3, 4, 5", Assert.Throws<InvariscopeException>(() => new CifarCDataset(_dir, "fog", 6)).Message);
        Assert.Contains("outside the 3 class names", Assert.Throws<InvariscopeException>(() => new CifarCDataset(_dir, "fog", 1, ["a", "b", "c"])).Message);
        WriteTinyCifarC("odd", count: 18, labelCount: 18);
        Assert.Contains("divisible by 5", Assert.Throws<InvariscopeException>(() => new CifarCDataset(_dir, "odd", 1)).Message);
        WriteTinyCifarC("fog", count: 20, labelCount: 15);
        Assert.Contains("15 labels", Assert.Throws<InvariscopeException>(() => new CifarCDataset(_dir, "fog", 1)).Message);
        NpyFile.WriteUInt8(Path.Combine(_dir, "flat.npy"), new byte[10], [10]);
        Assert.Contains("(N, H, W, 3)", Assert.Throws<InvariscopeException>(() => new CifarCDataset(_dir, "flat", 1)).Message);
    }

    [Fact]
    public void Writer_output_reads_back_as_apply_gives_and_as_the_wrapper_gives()
    {
        var images = new[] { TestImages.Natural(16, 3), TestImages.Natural(16, 3), TestImages.Uniform(16, 3, 90) };
        var clean = new ListDataset("tiny", images, [4, 0, 9]);
        var reports = new List<(int Done, int Total)>();
        string[] names = ["gaussian_noise", "contrast"];
        CifarCWriter.Write(clean, _dir, names, seed: 5, progress: new SyncProgress(reports.Add));

        Assert.Equal((30, 30), reports[^1]);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        Assert.Equal(Enumerable.Repeat(new long[] { 4, 0, 9 }, 5).SelectMany(x => x), NpyFile.ReadIntegers(Path.Combine(_dir, "labels.npy")));
        Assert.Equal([15L, 16, 16, 3], NpyFile.ReadHeader(Path.Combine(_dir, "contrast.npy")).Shape);
        foreach (var name in names)
            for (int s = 1; s <= 5; s++)
            {
                using var read = new CifarCDataset(_dir, name, s);
                var wrapped = new CorruptedDataset(clean, name, s, seed: 5);
                for (int i = 0; i < 3; i++)
                {
                    Assert.Equal(Corruptions.Apply(name, images[i], s, 5 + i).Pixels, read.GetImage(i).Pixels);
                    Assert.Equal(read.GetImage(i).Pixels, wrapped.GetImage(i).Pixels);
                    Assert.Equal(clean.GetLabel(i), read.GetLabel(i));
                }
            }
    }

    [Fact]
    public void Writer_rejects_mixed_sizes_naming_the_dataset()
    {
        var mixed = new ListDataset("mixed-set", [TestImages.Natural(16, 3), TestImages.Natural(32, 3)], [0, 1]);
        var ex = Assert.Throws<InvariscopeException>(() => CifarCWriter.Write(mixed, _dir, ["contrast"]));
        Assert.Contains("mixed-set", ex.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Wrapper_is_deterministic_and_gives_each_image_its_own_noise()
    {
        var same = TestImages.Natural(32, 3);
        var clean = new ListDataset("twins", [same, same], [1, 2]);
        var a = new CorruptedDataset(clean, "shot_noise", 3, seed: 11);
        var b = new CorruptedDataset(clean, "shot_noise", 3, seed: 11);
        Assert.Equal(a.GetImage(0).Pixels, b.GetImage(0).Pixels);
        Assert.NotEqual(a.GetImage(0).Pixels, a.GetImage(1).Pixels);
        Assert.Equal(2, a.GetLabel(1));
        Assert.Equal(2, a.Count);
        Assert.Throws<InvariscopeException>(() => new CorruptedDataset(clean, "rain", 3));
    }

    private sealed class SyncProgress(Action<(int, int)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }
}
