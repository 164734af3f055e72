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

/// <summary>PNGs whose signature is right but whose contents are not: a huge declared size, a broken CRC.</summary>
public class BadPngTests
{
    static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>A valid 16×16 PNG whose IHDR then claims <paramref name="w"/>×<paramref name="h"/>, with a correct CRC.</summary>
    internal static byte[] ClaimingSize(int w, int h)
    {
        var png = ImageCodec.EncodePng(TestFiles.Pattern(16, 16, 4));
        // signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), ...; the CRC covers type + 13 data bytes
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), w);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), h);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    /// <summary>A valid PNG with one byte of its IDAT data flipped, so that chunk's CRC no longer matches.</summary>
    internal static byte[] WithBadCrc()
    {
        var png = ImageCodec.EncodePng(TestFiles.Pattern(16, 16, 4));
        int idat = png.AsSpan().IndexOf("IDAT"u8);
        png[idat + 6] ^= 0xFF;
        return png;
    }

    [Fact]
    public void AHugeDeclaredSizeIsOneLineBeforeAnyAllocation()
    {
        var e = Assert.Throws<InvariscopeException>(() => ImageCodec.DecodeRgb(ClaimingSize(100000, 100000), "huge.png"));
        Assert.Contains("huge.png", e.Message);
        Assert.Contains("100000×100000", e.Message);
        Assert.Equal(16, ImageCodec.DecodeRgb(ClaimingSize(16, 16), "same.png").Width); // the CRC rewrite itself is sound
    }

    [Fact]
    public void SkipBadLeavesOutEveryUndecodableFileAndReportsIt()
    {
        using var dir = new TempDir();
        var cls = dir.Sub("a");
        File.WriteAllBytes(Path.Combine(cls, "good.png"), ImageCodec.EncodePng(TestFiles.Pattern(16, 16, 1)));
        var huge = Path.Combine(cls, "huge.png");
        var crc = Path.Combine(cls, "crc.png");
        File.WriteAllBytes(huge, ClaimingSize(100000, 100000));
        File.WriteAllBytes(crc, WithBadCrc());

        var ds = new ImageFolderDataset(dir.Path, skipBad: true);
        Assert.Equal(1, ds.Count);
        Assert.EndsWith("good.png", ds.PathOf(0));
        Assert.Equal(2, ds.Warnings.Count);
        Assert.Contains(ds.Warnings, w => w.Contains(huge));
        Assert.Contains(ds.Warnings, w => w.Contains(crc));

        var strict = new ImageFolderDataset(dir.Path); // without skip_bad each fails, naming itself, when read
        foreach (var i in Enumerable.Range(0, strict.Count).Where(i => !strict.PathOf(i).EndsWith("good.png")))
            Assert.Contains(strict.PathOf(i), Assert.Throws<InvariscopeException>(() => strict.GetImage(i)).Message);
    }
}
