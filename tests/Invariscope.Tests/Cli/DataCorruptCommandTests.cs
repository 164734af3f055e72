using System.Text.Json;
using Invariscope.Data;
using Invariscope.Data.Corruptions;
using Invariscope.Tests.Data;

namespace Invariscope.Tests.Cli;

[Collection("DatasetSpecs")]
public class DataCorruptCommandTests
{
    [Fact]
    public void WritesTheCifarCLayoutAndInfoJson()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Path, "c");
        const string spec = "synthetic:shapes?size=16&n=6";
        var (code, stdout, stderr) = TestData.Cli("data", "corrupt", spec, "--out", outDir,
            "--corruptions", "fog, gaussian_noise", "--seed", "3");
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote", stdout);
        Assert.Equal(["fog.npy", "gaussian_noise.npy", "info.json", "labels.npy"],
            Directory.GetFiles(outDir).Select(Path.GetFileName).Order());
        Assert.Equal([30L, 16, 16, 3], NpyFile.ReadHeader(Path.Combine(outDir, "fog.npy")).Shape);

        var source = DatasetSpecs.Open(spec);
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "info.json")));
        var root = info.RootElement;
        Assert.Equal(spec, root.GetProperty("source").GetString());
        Assert.Equal(source.ClassNames, root.GetProperty("class_names").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(["fog", "gaussian_noise"], root.GetProperty("corruptions").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(3, root.GetProperty("seed").GetInt32());
        Assert.Equal(6, root.GetProperty("count").GetInt32());

        // the bytes are Corruptions.Apply(name, image_i, severity, seed + i), as documented
        using var fog2 = new CifarCDataset(outDir, "fog", 2, source.ClassNames);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(Corruptions.Apply("fog", source.GetImage(i), 2, 3 + i).Pixels, fog2.GetImage(i).Pixels);
            Assert.Equal(source.GetLabel(i), fog2.GetLabel(i));
        }
    }

    [Fact]
    public void UnknownCorruptionIsOneLineNamingIt()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Path, "c");
        var (code, _, stderr) = TestData.Cli("data", "corrupt", "synthetic:shapes?size=8&n=2", "--out", outDir,
            "--corruptions", "fog,sunburn");
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("sunburn", stderr);
        Assert.Contains("gaussian_noise", stderr); // lists the valid ones
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void ImagesOfDifferentSizesAreOneLine()
    {
        using var dir = new TempDir();
        var images = dir.Sub("images");
        File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(images, "a")).FullName, "x.png"),
            ImageCodec.EncodePng(TestFiles.Pattern(8, 8, 1)));
        File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(images, "b")).FullName, "y.png"),
            ImageCodec.EncodePng(TestFiles.Pattern(6, 9, 2)));
        var outDir = Path.Combine(dir.Path, "c");
        var (code, _, stderr) = TestData.Cli("data", "corrupt", $"folder:{images}", "--out", outDir, "--corruptions", "fog");
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'), l => l.StartsWith("invariscope:"));
        Assert.Contains("6x9x3", stderr);
        Assert.Empty(Directory.Exists(outDir) ? Directory.GetFiles(outDir) : []);
    }

    [Fact]
    public void UnwritableFolderIsOneLineNamingIt()
    {
        using var dir = new TempDir();
        var blocker = TestFiles.Write(dir.File("a-file"), [1, 2, 3]);
        var outDir = Path.Combine(blocker, "c");
        var (code, stdout, stderr) = TestData.Cli("data", "corrupt", "synthetic:shapes?size=8&n=2", "--out", outDir,
            "--corruptions", "fog");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(outDir, stderr);
    }
}
