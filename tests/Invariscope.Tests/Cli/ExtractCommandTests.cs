using Invariscope.Data;
using Invariscope.Formats;
using static TorchSharp.torch;

namespace Invariscope.Tests.Cli;

public class ExtractCommandTests
{
    [Fact]
    public void ReproducesTheTimmFixture()
    {
        using var dir = new TestData.TempDir();
        var output = dir.File("reps.safetensors");
        var (code, stdout, stderr) = TestData.Cli("extract",
            "--weights", TestData.Fixture("timm_vit_tiny32.safetensors"),
            "--config", TestData.Fixture("timm_vit_tiny32_config.json"),
            "--input", TestData.Fixture("timm_vit_tiny32_expected.safetensors") + ":input",
            "--batch-size", "4", "--device", "cpu", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote", stdout);
        var expected = TestData.Load("timm_vit_tiny32_expected.safetensors");
        var actual = LoadAll(output);
        Assert.Equal(["block0", "block1", "block2", "block3", "final_norm", "logits", "pre_logits"], actual.Keys.Order());
        foreach (var (name, t) in actual)
            Assert.True(TestData.MaxAbsDiff(t, expected[name]) <= 1e-4, name);
    }

    [Fact]
    public void ReproducesTheHuggingFaceFixture()
    {
        using var dir = new TestData.TempDir();
        var output = dir.File("reps.safetensors");
        var (code, _, stderr) = TestData.Cli("extract",
            "--weights", TestData.Fixture("hf_vit_tiny32.safetensors"),
            "--config", TestData.Fixture("hf_vit_tiny32_config.json"),
            "--input", TestData.Fixture("hf_vit_tiny32_expected.safetensors") + ":input",
            "--out", output);
        Assert.True(code == 0, stderr);
        var expected = TestData.Load("hf_vit_tiny32_expected.safetensors");
        var actual = LoadAll(output);
        for (int i = 0; i < 4; i++)
            Assert.True(TestData.MaxAbsDiff(actual[$"block{i}"], expected[$"hidden{i + 1}"]) <= 1e-4, $"block{i}");
        Assert.True(TestData.MaxAbsDiff(actual["logits"], expected["logits"]) <= 1e-4);
    }

    [Theory]
    [InlineData("0,-2", "block0,block3")]                             // -2 is the last block; stops after it: no logits
    [InlineData("0,-1", "block0,logits,pre_logits")]                  // -1 is pre_logits, and the logits come with it
    [InlineData("3", "block3")]                                       // index 3, not "the last 3"
    [InlineData("last:2", "block3,logits,pre_logits")]
    [InlineData("all", "block0,block1,block2,block3,logits,pre_logits")]
    [InlineData("final_norm", "final_norm,logits")]
    public void LayerSelectionWithPresetWritesExactlyThoseLayers(string layers, string expected)
    {
        using var dir = new TestData.TempDir();
        var output = dir.File("reps.safetensors");
        var (code, _, stderr) = TestData.Cli("extract",
            "--weights", TestData.Fixture("timm_vit_tiny32.safetensors"), "--preset", "vit_test_patch4_32",
            "--input", TestData.Fixture("timm_vit_tiny32_expected.safetensors") + ":input",
            "--layers", layers, "--out", output);
        Assert.True(code == 0, stderr);
        var actual = LoadAll(output);
        Assert.Equal(expected, string.Join(",", actual.Keys.Order(StringComparer.Ordinal)));
        var fixture = TestData.Load("timm_vit_tiny32_expected.safetensors");
        foreach (var (name, t) in actual)
            Assert.True(TestData.MaxAbsDiff(t, fixture[name]) <= 1e-4, name);
    }

    public static TheoryData<string[], string> BadInputs() => new()
    {
        { ["--weights", "/nope/w.safetensors", "--input", "IN:input"], "/nope/w.safetensors" },
        { ["--weights", "W", "--input", "IN:no_such_tensor"], "no_such_tensor" },
        { ["--weights", "W", "--input", "IN:logits"], "expected shape (N, 3, 32, 32)" },
        { ["--weights", "W", "--input", "IN:input", "--layers", "7"], "layers: index 7 is out of range for a 4-block model (valid: 0..4" },
        { ["--weights", "W", "--input", "IN:input", "--layers", "last"], "layers 'last': 'last' is not a layer" },
        { ["--weights", "W", "--input", "IN:input", "--batch-size", "0"], "--batch-size must be positive" },
        { ["--weights", "W", "--input", "IN:input", "--device", "cuda"], "--device cuda" },
        { ["--weights", "W", "--input", "IN:input", "--preset", "vit_nope"], "vit_nope" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputExitsNonZeroWithOneLine(string[] args, string mentioned)
    {
        if (mentioned == "--device cuda" && cuda.is_available()) return; // meaningful only without a GPU
        using var dir = new TestData.TempDir();
        var resolved = args.Select(a => a == "W" ? TestData.Fixture("timm_vit_tiny32.safetensors")
            : a.StartsWith("IN:") ? TestData.Fixture("timm_vit_tiny32_expected.safetensors") + a[2..] : a);
        var (code, _, stderr) = TestData.Cli(["extract", .. resolved, "--out", dir.File("o.safetensors")]);
        Assert.Equal(1, code);
        Assert.Contains(mentioned, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(dir.File("o.safetensors")));
    }

    const string Shapes = "synthetic:shapes?size=32&n=12";

    static (int code, string stdout, string stderr) ExtractTimm(params string[] args) => TestData.Cli(
    [
        "extract", "--weights", TestData.Fixture("timm_vit_tiny32.safetensors"),
        "--config", TestData.Fixture("timm_vit_tiny32_config.json"), "--device", "cpu", .. args,
    ]);

    [Fact]
    public void DataWritesBlocksAndLabels()
    {
        using var dir = new TestData.TempDir();
        var output = dir.File("reps.safetensors");
        var (code, stdout, stderr) = ExtractTimm("--data", Shapes, "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("labels (12)", stdout);
        var actual = LoadAll(output);
        for (int i = 0; i < 4; i++) Assert.Equal([12L, 65, 64], actual[$"block{i}"].shape);
        Assert.Equal([12L], actual["labels"].shape);
        Assert.Equal(int64, actual["labels"].dtype);
        var dataset = DatasetSpecs.Open(Shapes);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)dataset.GetLabel(i)), actual["labels"].data<long>().ToArray());
        using var file = Safetensors.Open(output);
        Assert.Equal(Shapes, file.Metadata["data"]);
    }

    [Theory]
    [InlineData(null, "vit")]
    [InlineData("5", "imagenet")]
    public void DataEqualsInputBuiltWithTheSameTransform(string? limit, string normalize)
    {
        using var dir = new TestData.TempDir();
        IImageDataset dataset = DatasetSpecs.Open(Shapes);
        if (limit is not null) dataset = dataset.Limit(int.Parse(limit));
        var transform = new ImageTransform(TransformSpec.Eval(32, normalize));
        var images = Enumerable.Range(0, dataset.Count).Select(dataset.GetImage).ToArray();
        using (var input = transform.Apply(images, new ulong[images.Length]))
            Safetensors.Save(dir.File("in.safetensors"), new Dictionary<string, Tensor> { ["x"] = input });

        var (code, _, stderr) = ExtractTimm("--input", dir.File("in.safetensors") + ":x", "--out", dir.File("a.safetensors"));
        Assert.True(code == 0, stderr);
        string[] dataArgs = limit is null ? ["--data", Shapes] : ["--data", Shapes, "--limit", limit];
        if (normalize != "vit") dataArgs = [.. dataArgs, "--normalize", normalize];
        (code, _, stderr) = ExtractTimm([.. dataArgs, "--out", dir.File("b.safetensors")]);
        Assert.True(code == 0, stderr);

        var fromInput = LoadAll(dir.File("a.safetensors"));
        var fromData = LoadAll(dir.File("b.safetensors"));
        Assert.Equal(fromInput.Keys.Append("labels").Order(), fromData.Keys.Order());
        Assert.Equal(dataset.Count, fromData["labels"].shape[0]);
        // Exact: the same images in the same batches (--batch-size 64 both times) go through the same kernels.
        foreach (var (name, t) in fromInput)
            Assert.True(TestData.MaxAbsDiff(t, fromData[name]) == 0, name);
    }

    public static TheoryData<string[], string> BadDataArgs() => new()
    {
        { [], "exactly one of --input" },
        { ["--data", Shapes, "--input", "IN:input"], "exactly one of --input" },
        { ["--input", "IN:input", "--limit", "3"], "--limit" },
        { ["--data", Shapes, "--normalize", "zscore"], "zscore" },
        { ["--data", Shapes, "--limit", "-1"], "limit -1" },
        { ["--data", "synthetic:shapes?size=32&n=12&bogus=1"], "bogus" },
    };

    [Theory]
    [MemberData(nameof(BadDataArgs))]
    public void BadDataArgsExitNonZeroWithOneLine(string[] args, string mentioned)
    {
        using var dir = new TestData.TempDir();
        var resolved = args.Select(a => a.StartsWith("IN:") ? TestData.Fixture("timm_vit_tiny32_expected.safetensors") + a[2..] : a);
        var (code, _, stderr) = ExtractTimm([.. resolved, "--out", dir.File("o.safetensors")]);
        Assert.Equal(1, code);
        Assert.Contains(mentioned, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(dir.File("o.safetensors")));
    }

    static Dictionary<string, Tensor> LoadAll(string path)
    {
        using var f = Safetensors.Open(path);
        return f.LoadAll();
    }
}
