using Invariscope.Data;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data;

public class ImageFolderDatasetTests
{
    static void WriteTree(TempDir dir)
    {
        var cats = dir.Sub("cat");
        var dogs = dir.Sub("dog");
        File.WriteAllBytes(Path.Combine(dogs, "b.png"), ImageCodec.EncodePng(TestFiles.Pattern(5, 7, 1)));
        File.WriteAllBytes(Path.Combine(dogs, "a.PNG"), ImageCodec.EncodePng(TestFiles.Pattern(6, 4, 2)));
        File.WriteAllBytes(Path.Combine(cats, "x.jpg"), ImageCodec.EncodeJpeg(TestFiles.Pattern(8, 8, 3), 100));
        File.WriteAllText(Path.Combine(cats, "notes.txt"), "ignored: not an image extension");
    }

    [Fact]
    public void ClassesAreSortedFoldersAndPngPixelsAreExact()
    {
        using var dir = new TempDir();
        WriteTree(dir);
        var ds = new ImageFolderDataset(dir.Path);
        Assert.Equal(["cat", "dog"], ds.ClassNames);
        Assert.Equal(3, ds.Count);
        Assert.Equal([0, 1, 1], Enumerable.Range(0, 3).Select(ds.GetLabel));
        Assert.EndsWith("a.PNG", ds.PathOf(1));
        Assert.Equal(TestFiles.Pattern(6, 4, 2), ds.GetImage(1), new ImageComparer());
        Assert.Equal(TestFiles.Pattern(5, 7, 1).Pixels, ds.GetImage(2).Pixels);
        var jpeg = ds.GetImage(0);
        Assert.Equal((8, 8, 3), (jpeg.Height, jpeg.Width, jpeg.Channels));
        var expected = TestFiles.Pattern(8, 8, 3).Pixels;
        Assert.True(expected.Zip(jpeg.Pixels).Average(p => Math.Abs(p.First - p.Second)) < 40, "JPEG decodes close to the original");
    }

    sealed class ImageComparer : IEqualityComparer<Image8>
    {
        public bool Equals(Image8? a, Image8? b) =>
            a is not null && b is not null && (a.Height, a.Width, a.Channels) == (b.Height, b.Width, b.Channels) && a.Pixels.SequenceEqual(b.Pixels);
        public int GetHashCode(Image8 obj) => obj.Height;
    }

    [Fact]
    public void GrayPngDecodesToRgb()
    {
        using var dir = new TempDir();
        var gray = new Image8(2, 2, 1, [0, 80, 160, 255]);
        File.WriteAllBytes(Path.Combine(dir.Sub("a"), "g.png"), ImageCodec.EncodePng(gray));
        var image = new ImageFolderDataset(dir.Path).GetImage(0);
        Assert.Equal(new byte[] { 0, 0, 0, 80, 80, 80, 160, 160, 160, 255, 255, 255 }, image.Pixels);
    }

    [Fact]
    public void MissingRootIsAnErrorNamingIt()
    {
        var e = Assert.Throws<InvariscopeException>(() => new ImageFolderDataset("/no/such/images"));
        Assert.Contains("/no/such/images", e.Message);
    }

    [Fact]
    public void NoClassFoldersIsAnErrorNamingTheRoot()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InvariscopeException>(() => new ImageFolderDataset(dir.Path));
        Assert.Contains(dir.Path, e.Message);
    }

    [Fact]
    public void EmptyClassFolderIsAnErrorNamingIt()
    {
        using var dir = new TempDir();
        WriteTree(dir);
        var empty = dir.Sub("emu");
        var e = Assert.Throws<InvariscopeException>(() => new ImageFolderDataset(dir.Path));
        Assert.Contains(empty, e.Message);
    }

    [Fact]
    public void BadFileIsAnErrorNamingItUnlessSkipped()
    {
        using var dir = new TempDir();
        WriteTree(dir);
        var bad = Path.Combine(dir.Path, "dog", "c.png");
        File.WriteAllText(bad, "this is not a png");
        var e = Assert.Throws<InvariscopeException>(() => new ImageFolderDataset(dir.Path));
        Assert.Contains(bad, e.Message);

        var ds = new ImageFolderDataset(dir.Path, skipBad: true);
        Assert.Equal(3, ds.Count);
        Assert.Single(ds.Warnings);
        Assert.Contains(bad, ds.Warnings[0]);
    }

    [Fact]
    public void TruncatedImageFailsOnReadWithItsPath()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Sub("a"), "t.png");
        var png = ImageCodec.EncodePng(TestFiles.Pattern(16, 16, 5));
        File.WriteAllBytes(path, png[..(png.Length / 2)]);
        var ds = new ImageFolderDataset(dir.Path);
        var e = Assert.Throws<InvariscopeException>(() => ds.GetImage(0));
        Assert.Contains(path, e.Message);
    }
}
