using Invariscope.Layout;
using Invariscope.Training;

namespace Invariscope.Tests.Cli;

public class TrainCommandTests
{
    const string Data = "synthetic:shapes?size=16&n=64&seed=2";

    [Fact]
    public void TrainsThenFinetunesFromItsCheckpoint()
    {
        using var dir = new TestData.TempDir();
        var (code, stdout, stderr) = TestData.Cli("train", "--data", Data, "--epochs", "1", "--batch-size", "32",
            "--set", "val_fraction=0.25", "--out", dir.File("a"), "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("epoch 1 [train]", stdout);
        var start = new RunLayout(dir.File("a")).Weights(1);
        (code, stdout, stderr) = TestData.Cli("finetune", "--init", start, "--strategy", "lp-ft", "--data", "synthetic:texture?size=16&n=64&seed=2",
            "--epochs", "1", "--set", "lp_epochs=1", "--batch-size", "32", "--out", dir.File("b"), "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("[lp]", stdout);
        Assert.Contains("[ft]", stdout);
        Assert.Equal([0, 1, 2], new RunLayout(dir.File("b")).CompleteEpochs());
    }

    [Fact]
    public void AConfigFileWithFlagOverridesIsWrittenResolvedIntoTheRun()
    {
        using var dir = new TestData.TempDir();
        File.WriteAllText(dir.File("exp.json"), """{"data": "synthetic:count?size=16&n=48&seed=1", "epochs": 5, "batch_size": 16}""");
        var (code, _, stderr) = TestData.Cli("train", "--config", dir.File("exp.json"), "--epochs", "1", "--out", dir.File("run"), "--device", "cpu");
        Assert.True(code == 0, stderr);
        var saved = File.ReadAllText(new RunLayout(dir.File("run")).ConfigPath);
        Assert.Contains("\"epochs\": 1", saved);
        Assert.Contains("\"batch_size\": 16", saved);
        Assert.Contains("synthetic:count", saved);
    }

    [Theory]
    // a command line the flags cannot take is a usage error (2); input that fails is 1
    [InlineData(new[] { "train", "--set", "nosuch=1" }, "nosuch", 2)]
    [InlineData(new[] { "train", "--epochs", "two" }, "epochs", 2)]
    [InlineData(new[] { "finetune" }, "needs 'init'", 1)]
    [InlineData(new[] { "finetune", "--init", "/nope/ckpt.safetensors" }, "/nope/ckpt.safetensors", 1)]
    [InlineData(new[] { "train", "--config", "/nope/exp.json" }, "/nope/exp.json", 1)]
    [InlineData(new[] { "train", "--data", "nosuchscheme:/x" }, "nosuchscheme", 1)]
    [InlineData(new[] { "train", "--data", "synthetic:shapes?size=16&n=64", "--val-data", "folder:/nope/val" }, "/nope/val", 1)]
    [InlineData(new[] { "train", "--preset", "mine" }, "--preset mine", 2)]
    public void BadInputIsOneLineAndExitsNonZero(string[] args, string mentioned, int exit)
    {
        using var dir = new TestData.TempDir();
        var (code, _, stderr) = TestData.Cli([.. args, "--out", dir.File("run"), "--device", "cpu"]);
        Assert.Equal(exit, code);
        Assert.Contains(mentioned, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir.File("run")));             // nothing is created before every input is checked
    }

    [Fact]
    public void ATypoInTheDataLeavesNothingBehindSoTheCorrectedCommandRuns()
    {
        using var dir = new TestData.TempDir();
        string[] Args(string data) => ["train", "--data", data, "--epochs", "1", "--batch-size", "32", "--out", dir.File("run"), "--device", "cpu"];
        var (code, _, stderr) = TestData.Cli(Args("synthetic:shapes?size=16&n=64&sed=2"));
        Assert.Equal(1, code);
        Assert.Contains("sed", stderr);
        Assert.False(Directory.Exists(dir.File("run")));
        (code, _, stderr) = TestData.Cli(Args("synthetic:shapes?size=16&n=64&seed=2"));
        Assert.True(code == 0, stderr);
        Assert.Equal([0, 1], new RunLayout(dir.File("run")).CompleteEpochs());
    }
}
