using Invariscope.Cli;
using Invariscope.Data;
using Invariscope.Tests.Data;
using SkiaSharp;

namespace Invariscope.Tests.Cli;

[Collection("DatasetSpecs")]
public class DataCommandTests
{
    static (int rc, string stdout, string stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = CliApp.Run(args, stdout, stderr);
        return (rc, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void InfoPrintsCountsPerClass()
    {
        var (rc, stdout, _) = Run("data", "info", "synthetic:count?n=50&size=16");
        Assert.Equal(0, rc);
        Assert.Contains("examples: 50", stdout);
        Assert.Contains("classes:  5", stdout);
        Assert.Contains("  4  5  10", stdout);
    }

    [FashionMnistFact]
    public void InfoOnFashionMnistTrain()
    {
        var (rc, stdout, _) = Run("data", "info", $"fashion-mnist:{FashionMnistFactAttribute.Folder}");
        Assert.Equal(0, rc);
        Assert.Contains("examples: 60000", stdout);
        Assert.Contains("classes:  10", stdout);
        Assert.Equal(10, stdout.Split('\n').Count(l => l.TrimEnd().EndsWith(" 6000")));
    }

    [Fact]
    public void BadPathIsOneLineAndNonZero()
    {
        var (rc, stdout, stderr) = Run("data", "info", "cifar10:/no/such/cifar");
        Assert.Equal(1, rc);
        Assert.Equal("", stdout);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Contains("/no/such/cifar", stderr);
    }

    [Fact]
    public void UnknownSchemeListsTheValidOnes()
    {
        var (rc, _, stderr) = Run("data", "preview", "imagenet:/x", "--out", "/tmp/never.png");
        Assert.Equal(1, rc);
        Assert.Contains("schemes: cifar10", stderr);
    }

    [Fact]
    public void PreviewWritesALabelledGrid()
    {
        using var dir = new TempDir();
        var path = dir.File("grid.png");
        var (rc, stdout, _) = Run("data", "preview", "synthetic:shapes?n=100", "--out", path, "--n", "10", "--scale", "2");
        Assert.Equal(0, rc);
        Assert.Contains("wrote", stdout);
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        // 10 samples -> 4 columns x 3 rows of 64 px images with a label band underneath
        Assert.True(bitmap.Width >= 4 * 64 && bitmap.Height >= 3 * (64 + 10), $"{bitmap.Width}x{bitmap.Height}");
        var white = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                if (bitmap.GetPixel(x, y) == SKColors.White) white++;
        Assert.True(white > 50 || stdout.Contains("warning"), "label text is drawn (or its absence is reported)");
    }

    [Fact]
    public void BenchReportsThroughput()
    {
        var (rc, stdout, _) = Run("data", "bench", "synthetic:shapes?n=256&size=16", "--size", "32", "--batch", "64");
        Assert.Equal(0, rc);
        Assert.Contains("256 images in 4 batches", stdout);
        Assert.Contains("images/s", stdout);
    }
}
