using Invariscope.Data;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data;

public class IdxDatasetTests
{
    [Theory]
    [InlineData(".gz")]
    [InlineData("")]
    public void ReadsExactPixelsAndLabels(string ext)
    {
        using var dir = new TempDir();
        TestFiles.Write(dir.File("train-images-idx3-ubyte" + ext), TestFiles.IdxImages(5, 4, 3));
        TestFiles.Write(dir.File("train-labels-idx1-ubyte" + ext), TestFiles.IdxLabels(5));
        var ds = IdxDataset.OpenFolder("mnist", dir.Path, train: true, IdxDataset.MnistClasses);
        Assert.Equal(5, ds.Count);
        Assert.Equal("7", ds.ClassNames[7]);
        var expected = TestFiles.IdxImages(5, 4, 3)[16..];
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(i, ds.GetLabel(i));
            var image = ds.GetImage(i);
            Assert.Equal((4, 3, 1), (image.Height, image.Width, image.Channels));
            Assert.Equal(expected[(i * 12)..((i + 1) * 12)], image.Pixels);
        }
    }

    [Fact]
    public void FashionMnistHasItsClassNames()
    {
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            IdxDataset.FashionMnistClasses);
    }

    static InvariscopeException OpenBad(TempDir dir, byte[] images, byte[] labels, string ext = "")
    {
        TestFiles.Write(dir.File("t10k-images-idx3-ubyte" + ext), images);
        TestFiles.Write(dir.File("t10k-labels-idx1-ubyte" + ext), labels);
        return Assert.Throws<InvariscopeException>(() => IdxDataset.OpenFolder("mnist", dir.Path, false, IdxDataset.MnistClasses));
    }

    [Fact]
    public void WrongImageMagicIsAnErrorNamingTheFile()
    {
        using var dir = new TempDir();
        var e = OpenBad(dir, TestFiles.IdxImages(3, 2, 2, magic: 0x801), TestFiles.IdxLabels(3));
        Assert.Contains(dir.File("t10k-images-idx3-ubyte"), e.Message);
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void WrongLabelMagicIsAnErrorNamingTheFile()
    {
        using var dir = new TempDir();
        var e = OpenBad(dir, TestFiles.IdxImages(3, 2, 2), TestFiles.IdxLabels(3, magic: 0x803), ".gz");
        Assert.Contains(dir.File("t10k-labels-idx1-ubyte.gz"), e.Message);
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void CountMismatchIsAnErrorNamingTheFiles()
    {
        using var dir = new TempDir();
        var e = OpenBad(dir, TestFiles.IdxImages(3, 2, 2), TestFiles.IdxLabels(4));
        Assert.Contains(dir.File("t10k-labels-idx1-ubyte"), e.Message);
        Assert.Contains(dir.File("t10k-images-idx3-ubyte"), e.Message);
    }

    [Theory]
    [InlineData(".gz")]
    [InlineData("")]
    public void TruncatedImagesAreAnErrorNamingTheFile(string ext)
    {
        using var dir = new TempDir();
        var e = OpenBad(dir, TestFiles.IdxImages(3, 2, 2)[..^1], TestFiles.IdxLabels(3), ext);
        Assert.Contains(dir.File("t10k-images-idx3-ubyte" + ext), e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void CorruptGzipIsAnErrorNamingTheFile()
    {
        using var dir = new TempDir();
        TestFiles.Write(dir.File("t10k-images-idx3-ubyte.gz"), TestFiles.IdxImages(3, 2, 2));
        var path = dir.File("t10k-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        TestFiles.Write(dir.File("t10k-labels-idx1-ubyte.gz"), TestFiles.IdxLabels(3));
        var e = Assert.Throws<InvariscopeException>(() => IdxDataset.OpenFolder("mnist", dir.Path, false, IdxDataset.MnistClasses));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void MissingFileIsAnErrorNamingIt()
    {
        using var dir = new TempDir();
        TestFiles.Write(dir.File("train-images-idx3-ubyte.gz"), TestFiles.IdxImages(3, 2, 2));
        var e = Assert.Throws<InvariscopeException>(() => IdxDataset.OpenFolder("mnist", dir.Path, true, IdxDataset.MnistClasses));
        Assert.Contains("train-labels-idx1-ubyte", e.Message);
    }

    [Fact]
    public void LabelOutOfRangeIsAnErrorNamingTheFile()
    {
        using var dir = new TempDir();
        var labels = TestFiles.IdxLabels(3);
        labels[^1] = 10;
        var e = OpenBad(dir, TestFiles.IdxImages(3, 2, 2), labels);
        Assert.Contains(dir.File("t10k-labels-idx1-ubyte"), e.Message);
        Assert.Contains("out of range", e.Message);
    }
}
