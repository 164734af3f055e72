using System.Globalization;
using System.Text.Json.Nodes;
using Invariscope.Evaluation;
using Invariscope.Tests.Training;

namespace Invariscope.Tests.Cli;

public class EvaluateCommandTests
{
    [Fact]
    public void CleanEvaluationPrintsLossAndAccuracyAndWritesJson()
    {
        using var dir = new TestData.TempDir();
        var path = EvalModels.SaveVit(dir.File("m.safetensors"), seed: 3);
        var (code, stdout, stderr) = TestData.Cli("evaluate", "--checkpoint", path, "--data", EvalModels.Data, "--device", "cpu",
            "--batch-size", "16", "--out", dir.File("out/clean"));
        Assert.True(code == 0, stderr);
        Assert.Contains("accuracy", stdout);
        var doc = JsonNode.Parse(File.ReadAllText(dir.File("out/clean.json")))!;
        Assert.Equal(64, (int)doc["n"]!);
        Assert.Equal("classification", (string)doc["task"]!);
        using var ckpt = Invariscope.Evaluation.EvaluatedCheckpoint.Load(path);
        var r = ckpt.Evaluate(Invariscope.Data.DatasetSpecs.Open(EvalModels.Data), 64, TorchSharp.torch.CPU);
        Assert.Equal(r.Accuracy, (double)doc["accuracy"]!, 12);
    }

    [Fact]
    public void CorruptedEvaluationWritesJsonAndCsvAndATable()
    {
        using var dir = new TestData.TempDir();
        var path = EvalModels.SaveVit(dir.File("m.safetensors"), seed: 3);
        string[] args = ["evaluate", "--checkpoint", path, "--data", EvalModels.Data, "--device", "cpu",
            "--corruptions", "gaussian_noise,contrast", "--severities", "1,3,5", "--limit", "10", "--out", dir.File("c")];
        var (code, stdout, stderr) = TestData.Cli(args);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("accuracy %", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("gaussian_noise"));
        Assert.Contains(lines, l => l.StartsWith("contrast"));
        Assert.Contains(lines, l => l.StartsWith("mean"));
        Assert.Contains(lines, l => l.StartsWith("clean"));
        var csv = File.ReadAllLines(dir.File("c.csv"));
        Assert.Equal("corruption,severity,accuracy,loss,n", csv[0]);
        Assert.Equal(7, csv.Length);
        Assert.All(csv.Skip(1), l => Assert.EndsWith(",10", l));
        var doc = JsonNode.Parse(File.ReadAllText(dir.File("c.json")))!;
        Assert.Equal(6, doc["cells"]!.AsArray().Count);
        Assert.Equal(3, doc["mean_accuracy_by_severity"]!.AsObject().Count);
        var mean = csv.Skip(1).Average(l => double.Parse(l.Split(',')[2], CultureInfo.InvariantCulture));
        Assert.Equal(mean, (double)doc["mean_accuracy"]!, 12);

        var again = TestData.Cli(args); // deterministic
        Assert.Equal(0, again.code);
        Assert.Equal(stdout, again.stdout);
        Assert.Equal(csv, File.ReadAllLines(dir.File("c.csv")));
    }

    [Fact]
    public void FeaturesChangeOfACheckpointAgainstItselfIsZero()
    {
        using var dir = new TestData.TempDir();
        var a = EvalModels.SaveVit(dir.File("a.safetensors"), seed: 3);
        var b = EvalModels.SaveVit(dir.File("b.safetensors"), classes: 4, seed: 8);
        var (code, stdout, stderr) = TestData.Cli("features-change", "--finetuned", a, "--start", a, "--data", EvalModels.Data,
            "--layers", "0,pre_logits", "--limit", "16", "--device", "cpu", "--out", dir.File("fc.json"));
        Assert.True(code == 0, stderr);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where(l => !l.StartsWith("wrote"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["block0", "pre_logits"], rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal(0, double.Parse(r[1], CultureInfo.InvariantCulture)));
        var doc = JsonNode.Parse(File.ReadAllText(dir.File("fc.json")))!;
        Assert.Equal(16, (int)doc["n"]!);
        Assert.Equal(0, (double)doc["layers"]![1]!["euclidean"]!);

        (code, stdout, stderr) = TestData.Cli("features-change", "--finetuned", a, "--start", b, "--data", EvalModels.Data, "--limit", "8", "--device", "cpu");
        Assert.True(code == 0, stderr);
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("pre_logits", line[0]);
        Assert.True(double.Parse(line[1], CultureInfo.InvariantCulture) > 0);
    }

    public static TheoryData<string[], string> BadInputs() => new()
    {
        { ["evaluate", "--checkpoint", "/nope/m.safetensors", "--data", EvalModels.Data], "/nope/m.safetensors" },
        { ["evaluate", "--checkpoint", "M", "--data", EvalModels.Data, "--corruptions", "gaussian_nosie"], "gaussian_nosie" },
        { ["evaluate", "--checkpoint", "M", "--data", EvalModels.Data, "--corruptions", "fog", "--severities", "6"], "severity 6" },
        { ["evaluate", "--checkpoint", "M", "--data", EvalModels.Data, "--normalize", "weird"], "weird" },
        { ["evaluate", "--checkpoint", "M"], "--data" },
        { ["evaluate", "--checkpoint", "M", "--data", EvalModels.Data, "--limit", "0"], "--limit" },
        { ["evaluate", "--checkpoint", "M", "--cifar-c", "/nope/cifar-c"], "/nope/cifar-c" },
        { ["evaluate", "--checkpoint", "SMALL", "--data", EvalModels.Data], "head of 3" },
        { ["features-change", "--finetuned", "M", "--start", "DEEP2", "--data", EvalModels.Data], "DEEP2" },
        { ["features-change", "--finetuned", "M", "--start", "/nope/s.safetensors", "--data", EvalModels.Data], "/nope/s.safetensors" },
        { ["features-change", "--finetuned", "M", "--start", "M", "--data", EvalModels.Data, "--layers", "9"], "layers: index 9 is out of range for a 4-block model" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputIsOneLineAndExitCodeOne(string[] args, string mention)
    {
        using var dir = new TestData.TempDir();
        var m = EvalModels.SaveVit(dir.File("m.safetensors"), seed: 1);
        var deep2 = EvalModels.SaveVit(dir.File("deep2.safetensors"), seed: 1, edit: c => c with { Depth = 2 });
        var small = EvalModels.SaveVit(dir.File("small.safetensors"), classes: 3, seed: 1);
        args = [.. args.Select(a => a switch { "M" => m, "DEEP2" => deep2, "SMALL" => small, _ => a }), "--device", "cpu"];
        var (code, stdout, stderr) = TestData.Cli(args);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, stderr);
        Assert.StartsWith("invariscope: error: ", lines[0]);
        Assert.Contains(mention == "DEEP2" ? deep2 : mention, lines[0]);
        if (mention == "DEEP2") Assert.Contains(m, lines[0]);
    }
}
