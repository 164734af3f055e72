using System.Text.RegularExpressions;

namespace Invariscope.Tests.Runtime;

/// <summary>
/// TorchSharp calls that build a temporary <c>Scalar</c> inside the binding, which the GC may free while libtorch
/// reads it (see Runtime/Scalars). CI crashed once in STIR's loop on <c>linalg.vector_norm(t, dims)</c>
/// ("Expected false to be true" in Scalar::toDouble); these checks keep such calls out of the code.
/// </summary>
public class ScalarLifetimeTests
{
    static IEnumerable<(string file, int line, string text)> Lines(string folder, Func<string, bool>? only = null)
    {
        var root = TestData.RepoFile(Path.Combine("src", "Invariscope.Core"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")) continue;
            if (only is not null && !only(Path.GetFileName(file))) continue;
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
                if (!lines[i].TrimStart().StartsWith("//")) yield return (Path.GetFileName(file), i + 1, lines[i]);
        }
    }

    [Fact]
    public void NoVectorNormWithADoubleOrder()
    {
        // linalg.vector_norm has only a double-order overload, converted to a temporary Scalar in the binding;
        // Tensor.norm(dim) passes the order as a plain float.
        var uses = Lines(".").Where(l => l.text.Contains("linalg.vector_norm(")).ToList();
        Assert.True(uses.Count == 0, string.Join("\n", uses.Select(u => $"{u.file}:{u.line}: {u.text.Trim()}")));
    }

    // Single-argument add/add_ of a tensor: the binding passes a temporary alpha = 1.
    static readonly Regex PlainAdd = new(@"\.add_?\((?:[^(),]|\((?:[^()]|\([^()]*\))*\))+\)");

    [Theory]
    [InlineData("Analysis", "Stir.cs")]
    [InlineData("Analysis", "MinibatchCka.cs")]
    [InlineData("Analysis", "Representations.cs")]
    [InlineData("Models", "VitModules.cs")]
    [InlineData("Models", "VisionTransformer.cs")]
    [InlineData("Training", "Optimizers.cs")]
    [InlineData("Training", "Trainer.cs")]
    public void HotLoopsPassAlphaExplicitly(string folder, string file)
    {
        var uses = Lines(folder, name => name == file).Where(l => PlainAdd.IsMatch(l.text)).ToList();
        Assert.NotEmpty(Lines(folder, name => name == file));
        Assert.True(uses.Count == 0, string.Join("\n", uses.Select(u => $"{u.file}:{u.line}: {u.text.Trim()}")));
    }

    [Fact]
    public void ThePatternCatchesAPlainAdd()
    {
        Assert.Matches(PlainAdd, "_xtx.add_(xs.t().mm(xs));");
        Assert.Matches(PlainAdd, "x = x.add(attn.call(norm1.call(x)));");
        Assert.DoesNotMatch(PlainAdd, "x = x.add(attn.call(norm1.call(x)), Scalars.One);");
        Assert.DoesNotMatch(PlainAdd, "_sx!.add_(xs.sum([0L], keepdim: true), Scalars.One);");
    }
}
