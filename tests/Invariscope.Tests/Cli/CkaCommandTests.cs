using System.Globalization;
using Invariscope.Analysis;
using Invariscope.Formats;
using Invariscope.Tests.Analysis;
using static TorchSharp.torch;

namespace Invariscope.Tests.Cli;

public class CkaCommandTests
{
    static string Inputs(string tensor) => TestData.Fixture("cka_inputs.safetensors") + ":" + tensor;

    [Theory]
    [InlineData("linear", "Y", "linear_cka_XY")]
    [InlineData("linear", "Z", "linear_cka_XZ")]
    [InlineData("debiased", "Y", "debiased_linear_cka_XY")]
    [InlineData("debiased", "Z", "debiased_linear_cka_XZ")]
    [InlineData("rbf", "Y", "rbf_cka_XY_sigma0.5median")]
    [InlineData("RBF", "Z", "rbf_cka_XZ_sigma0.5median")]
    public void PrintsTheValueForTwoTensors(string kind, string other, string key)
    {
        var (code, stdout, stderr) = TestData.Cli("cka", "--a", Inputs("X"), "--b", Inputs(other), "--kind", kind);
        Assert.True(code == 0, stderr);
        Assert.Equal(CkaFixture.Expected[key], double.Parse(stdout.Trim(), CultureInfo.InvariantCulture), 1e-8);
    }

    [Fact]
    public void LinearIsTheDefaultKindAndThresholdIsUsed()
    {
        var (code, stdout, _) = TestData.Cli("cka", "--a", Inputs("X"), "--b", Inputs("Y"));
        Assert.Equal(0, code);
        Assert.Equal(CkaFixture.Expected["linear_cka_XY"], double.Parse(stdout, CultureInfo.InvariantCulture), 1e-8);
        (code, stdout, _) = TestData.Cli("cka", "--a", Inputs("X"), "--b", Inputs("Y"), "--kind", "rbf", "--threshold", "1.0");
        Assert.Equal(0, code);
        Assert.Equal(Cka.Rbf(CkaFixture.X, CkaFixture.Y, 1.0), double.Parse(stdout, CultureInfo.InvariantCulture), 1e-12);
    }

    [Fact]
    public void LayerByLayerOnTwoFilesInNaturalOrder()
    {
        using var dir = new TestData.TempDir();
        string[] shared = ["logits", "block10", "block2", "pre_logits", "block0", "final_norm", "block1"];
        var a = new Dictionary<string, Tensor>();
        var b = new Dictionary<string, Tensor>();
        for (int i = 0; i < shared.Length; i++)
        {
            a[shared[i]] = CkaFixture.Randn(10 + i, 6, 5, 4).to(float32);
            b[shared[i]] = (a[shared[i]] + 0.5 * CkaFixture.Randn(30 + i, 6, 5, 4).to(float32)).to(float32);
        }
        a["block3"] = CkaFixture.Randn(99, 6, 5, 4); // only in a: skipped
        Safetensors.Save(dir.File("a.safetensors"), a);
        Safetensors.Save(dir.File("b.safetensors"), b);

        var (code, stdout, stderr) = TestData.Cli("cka", "--a", dir.File("a.safetensors"), "--b", dir.File("b.safetensors"));
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["block0", "block1", "block2", "block10", "final_norm", "pre_logits", "logits"], lines.Select(l => l[0]));
        foreach (var l in lines)
            Assert.Equal(Cka.Linear(a[l[0]], b[l[0]]), double.Parse(l[1], CultureInfo.InvariantCulture), 1e-12);

        (code, stdout, _) = TestData.Cli("cka", "--a", dir.File("a.safetensors"), "--b", dir.File("b.safetensors"), "--kind", "debiased");
        Assert.Equal(0, code);
        var first = stdout.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Cka.DebiasedLinear(a["block0"], b["block0"]), double.Parse(first[1], CultureInfo.InvariantCulture), 1e-12);
        foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
    }

    public static TheoryData<string[], string> BadInputs() => new()
    {
        { ["--a", "IN:X", "--b", "IN:no_such_tensor"], "no_such_tensor" },
        { ["--a", "/nope/a.safetensors:X", "--b", "IN:Y"], "/nope/a.safetensors" },
        { ["--a", "/nope/a.safetensors", "--b", "/nope/b.safetensors"], "/nope/a.safetensors" },
        { ["--a", "IN:X", "--b", "FILE"], "both" },
        { ["--a", "IN:X", "--b", "IN:Y", "--kind", "cosine"], "--kind cosine" },
        { ["--a", "IN:X", "--b", "IN:Y", "--kind", "rbf", "--threshold", "-1"], "--threshold" },
        { ["--a", "IN:X", "--b", "TIMM:logits"], "N=50" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputExitsNonZeroWithOneLine(string[] args, string mentioned)
    {
        var file = TestData.Fixture("cka_inputs.safetensors");
        var resolved = args.Select(a => a == "FILE" ? file
            : a.StartsWith("IN:") ? file + a[2..]
            : a.StartsWith("TIMM:") ? TestData.Fixture("timm_vit_tiny32_expected.safetensors") + a[4..] : a);
        var (code, stdout, stderr) = TestData.Cli(["cka", .. resolved]);
        Assert.Equal(1, code);
        Assert.Contains(mentioned, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Equal("", stdout);
    }

    [Fact]
    public void NaNInAFileNamesTheFileAndTensor()
    {
        using var dir = new TestData.TempDir();
        using var x = CkaFixture.X.clone();
        x[0, 0] = tensor(double.NaN);
        Safetensors.Save(dir.File("n.safetensors"), new Dictionary<string, Tensor> { ["X"] = x });
        var (code, _, stderr) = TestData.Cli("cka", "--a", dir.File("n.safetensors") + ":X", "--b", Inputs("Y"));
        Assert.Equal(1, code);
        Assert.Contains("n.safetensors:X", stderr);
        Assert.Contains("NaN", stderr);
    }
}
