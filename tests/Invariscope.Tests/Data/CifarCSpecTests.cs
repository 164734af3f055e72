using Invariscope.Data;
using Invariscope.Data.Corruptions;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data;

[Collection("DatasetSpecs")]
public class CifarCSpecTests
{
    /// <summary>Writes a CIFAR-C folder of <paramref name="n"/> 4×4 images with labels i % classes, no info.json.</summary>
    static void WriteFolder(string dir, int n, int classes, string corruption = "fog")
    {
        NpyFile.WriteUInt8(Path.Combine(dir, corruption + ".npy"), new byte[5 * n * 4 * 4 * 3], [5L * n, 4, 4, 3]);
        NpyFile.WriteInt64(Path.Combine(dir, "labels.npy"), Enumerable.Range(0, 5 * n).Select(k => (long)(k % n % classes)).ToArray());
    }

    [Fact]
    public void CorruptThenInfoPrintsCountAndClassNames()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Path, "shapes-c");
        var (code, _, stderr) = TestData.Cli("data", "corrupt", "synthetic:shapes?size=16&n=10", "--out", outDir,
            "--corruptions", "gaussian_noise,fog");
        Assert.True(code == 0, stderr);

        (code, var stdout, stderr) = TestData.Cli("data", "info", $"cifar-c:{outDir}?corruption=gaussian_noise&severity=2");
        Assert.True(code == 0, stderr);
        Assert.Contains("examples: 10", stdout);
        Assert.Contains("image:    16x16x3", stdout);
        var source = DatasetSpecs.Open("synthetic:shapes?size=16&n=10");
        Assert.Contains($"classes:  {source.ClassNames.Count}", stdout);
        var counts = source.ClassCounts();
        for (int c = 0; c < source.ClassNames.Count; c++)
            Assert.Matches($@"\n\s*{c}\s+{source.ClassNames[c]}\s+{counts[c]}\r?\n", stdout);
    }

    [Fact]
    public void ClassNamesDefaultToCifar10ForTenClassesElseNumbered()
    {
        using var dir = new TempDir();
        string ten = dir.Sub("ten"), three = dir.Sub("three");
        WriteFolder(ten, 20, 10);
        WriteFolder(three, 6, 3);
        var cifar = DatasetSpecs.Open($"cifar-c:{ten}?corruption=fog&severity=1");
        Assert.Equal(CifarCDataset.Cifar10ClassNames, cifar.ClassNames);
        Assert.Equal(20, cifar.Count);
        var numbered = DatasetSpecs.Open($"cifar-c:{three}?corruption=fog&severity=5");
        Assert.Equal(["0", "1", "2"], numbered.ClassNames);
        Assert.Equal(2, numbered.GetLabel(5));
    }

    [Fact]
    public void ClassesFileOverridesTheDefaults()
    {
        using var dir = new TempDir();
        string folder = dir.Sub("c");
        WriteFolder(folder, 6, 3);
        var names = TestFiles.Write(dir.File("names.txt"), "cat\ndog\n\nbird\n"u8.ToArray());
        var ds = DatasetSpecs.Open($"cifar-c:{folder}?corruption=fog&severity=3&classes_file={names}");
        Assert.Equal(["cat", "dog", "bird"], ds.ClassNames);
    }

    public static TheoryData<string, string> BadSpecs() => new()
    {
        { "?corruption=snow&severity=1", "snow.npy" },
        { "?corruption=fog&severity=6", "severity=6" },
        { "?corruption=fog&severity=0", "severity=0" },
        { "?corruption=fog&severity=two", "severity=two" },
        { "?corruption=fog", "severity" },
        { "?severity=2", "corruption" },
        { "?corruption=fog&severity=1&classes_file=/no/names.txt", "/no/names.txt" },
        { "?corruption=fog&severity=1&colour=red", "colour" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void BadSpecsAreClearErrors(string query, string mentioned)
    {
        using var dir = new TempDir();
        WriteFolder(dir.Path, 4, 2);
        var e = Assert.Throws<InvariscopeException>(() => DatasetSpecs.Open($"cifar-c:{dir.Path}{query}"));
        Assert.Contains(mentioned, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingCorruptionFileListsThePresentOnes()
    {
        using var dir = new TempDir();
        WriteFolder(dir.Path, 4, 2, "fog");
        var (code, _, stderr) = TestData.Cli("data", "info", $"cifar-c:{dir.Path}?corruption=frost&severity=2");
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("frost.npy", stderr);
        Assert.Contains("fog", stderr);
    }

    [Fact]
    public void DataHelpListsTheScheme()
    {
        var (_, stdout, _) = TestData.Cli("data", "--help");
        Assert.Contains("cifar-c:DIR?corruption=NAME&severity=1..5", stdout);
    }
}
