using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Invariscope.Checkpoints;
using Invariscope.Evaluation;
using Invariscope.Layout;
using Invariscope.Models;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Checkpoints;

/// <summary>Two tiny runs (different seeds), trained once and copied for each test that damages them.</summary>
public sealed class IntegrityRuns : IDisposable
{
    readonly TestData.TempDir _dir = new();

    public static readonly TrainConfig Config = new()
    {
        Data = "synthetic:shapes?size=16&n=32&seed=3",
        Model = "vit_micro_patch4_16",
        Epochs = 2,
        BatchSize = 16,
        ValFraction = 0,
        Seed = 11,
        Device = "cpu",
    };

    public IntegrityRuns()
    {
        _ = TestData.Fixture("");
        A = Train(Config, "a");
        B = Train(Config with { Seed = 12 }, "b");
        Reconstruction = Train(Config with { Task = "reconstruction", Epochs = 1 }, "r");
    }

    public string A { get; }
    public string B { get; }
    public string Reconstruction { get; }

    string Train(TrainConfig config, string name)
    {
        var path = _dir.File(name);
        new Trainer(config, new RunLayout(path), CPU).Run();
        return path;
    }

    /// <summary>A copy of the run at <paramref name="source"/> in <paramref name="dir"/>.</summary>
    public static RunLayout Copy(string source, TestData.TempDir dir)
    {
        var target = dir.File(Path.GetFileName(source));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        return new RunLayout(target);
    }

    public void Dispose() => _dir.Dispose();
}

public class CheckpointIntegrityTests(IntegrityRuns runs) : IClassFixture<IntegrityRuns>
{
    /// <summary>Where the tensor data of a safetensors file begins (8 + its header length) and its length.</summary>
    static (long Start, long Length) DataSection(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return (8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes), bytes.Length);
    }

    static void FlipBit(string path, string where)
    {
        var (start, length) = DataSection(path);
        long at = where switch { "first" => start, "middle" => (start + length) / 2, _ => length - 1 };
        var bytes = File.ReadAllBytes(path);
        bytes[at] ^= 0x10;
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Changes the header's first <c>"dtype":"F32"</c> to I32 (same length: offsets stay valid).</summary>
    static void F32ToI32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.Latin1.GetString(bytes);
        int at = text.IndexOf("\"dtype\":\"F32\"", StringComparison.Ordinal);
        Assert.True(at > 0 && at < DataSection(path).Start);
        bytes[at + "\"dtype\":\"".Length] = (byte)'I';
        File.WriteAllBytes(path, bytes);
    }

    static void OneLineNaming(string path, string message)
    {
        Assert.Contains(path, message);
        Assert.DoesNotContain('\n', message.TrimEnd());
    }

    static void Resume(RunLayout run) => new Trainer(IntegrityRuns.Config, run, CPU).Run(resume: true);

    /// <summary>Makes epoch 1 the last complete one, so a resume loads its optimiser state and trains epoch 2 again.</summary>
    static void BackToEpoch1(RunLayout run)
    {
        foreach (var f in Directory.EnumerateFiles(run.CheckpointDir, "epoch_002*")) File.Delete(f);
        File.Delete(run.DonePath);
    }

    [Fact]
    public void TheSidecarRecordsTheSha256OfEveryFileOfItsEpochAndACleanCopyLoads()
    {
        var run = new RunLayout(runs.A);
        foreach (var (path, epoch) in new[] { (run.Weights(1), 1), (run.OptimizerState(1), 1), (run.Weights(0), 0) })
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), CheckpointIntegrity.Recorded(path, run.Sidecar(epoch)));
        Assert.Null(CheckpointIntegrity.Recorded(run.OptimizerState(0), run.Sidecar(99))); // no sidecar: nothing recorded
        Assert.Throws<InvariscopeException>(() => CheckpointIntegrity.Recorded(run.Weights(2), run.Sidecar(1))); // not a file of epoch 1
        using (var loaded = CheckpointIntegrity.Load(run.Weights(2), run.Sidecar(2))) Assert.True(loaded.Verified);
        using var m = VitCheckpoint.Load(run.Weights(2));
        using var e = EvaluatedCheckpoint.Load(run.Weights(2));
    }

    [Theory]
    [InlineData("first")]
    [InlineData("middle")]
    [InlineData("last")]
    public void AFlippedBitInTheTensorDataIsRefusedByEveryLoadPathNamingTheFile(string where)
    {
        using var dir = new TestData.TempDir();
        var run = IntegrityRuns.Copy(runs.A, dir);
        var weights = run.Weights(2);
        FlipBit(weights, where);

        OneLineNaming(weights, Assert.Throws<InvariscopeException>(() => VitCheckpoint.Load(weights)).Message);
        OneLineNaming(weights, Assert.Throws<InvariscopeException>(() => EvaluatedCheckpoint.Load(weights)).Message);
        var resume = Assert.Throws<InvariscopeException>(() => Resume(run)).Message;
        OneLineNaming(weights, resume);
        Assert.Contains("SHA-256", resume);
        Assert.Contains($"delete {Path.Combine(run.CheckpointDir, "epoch_002.*")} and resume to continue from epoch 1", resume);
        Assert.False(File.Exists(run.Weights(3)));
    }

    [Fact]
    public void TheCliCommandsThatLoadACheckpointRefuseACorruptOneWithOneLineAndExit1()
    {
        using var dir = new TestData.TempDir();
        var run = IntegrityRuns.Copy(runs.A, dir);
        var weights = run.Weights(2);
        FlipBit(weights, "middle");
        const string data = "synthetic:shapes?size=16&n=8&seed=4";
        string[][] commands =
        [
            ["evaluate", "--checkpoint", weights, "--data", data, "--device", "cpu", "--out", dir.File("eval")],
            ["robustness", run.Root, "--data", data, "--corruptions", "none", "--device", "cpu"],
            ["analyze", "--pretrained", run.Weights(0), "--finetuned", run.Root, "--data", data, "--samples", "4", "--seeds", "1",
                "--steps", "1", "--metrics", "cka_divergence", "--device", "cpu", "--out", dir.File("analysis")],
            ["features-change", "--finetuned", weights, "--start", run.Weights(0), "--data", data, "--device", "cpu"],
            ["extract", "--weights", weights, "--data", data, "--device", "cpu", "--out", dir.File("x.safetensors")],
        ];
        foreach (var args in commands)
        {
            var (code, _, stderr) = TestData.Cli(args);
            Assert.True(code == 1, $"{args[0]}: exit {code}: {stderr}");
            Assert.Contains(weights, stderr);
            Assert.Contains("SHA-256", stderr);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    [Fact]
    public void AHeaderDtypeChangedFromF32ToI32IsRefused()
    {
        using var dir = new TestData.TempDir();
        var run = IntegrityRuns.Copy(runs.A, dir);
        F32ToI32(run.Weights(2));
        OneLineNaming(run.Weights(2), Assert.Throws<InvariscopeException>(() => VitCheckpoint.Load(run.Weights(2))).Message);
        OneLineNaming(run.Weights(2), Assert.Throws<InvariscopeException>(() => Resume(run)).Message);
    }

    [Fact]
    public void AnotherRunsOptimiserFileIsRefusedOnResumeNamingIt()
    {
        using var dir = new TestData.TempDir();
        var run = IntegrityRuns.Copy(runs.A, dir);
        BackToEpoch1(run);
        File.Copy(new RunLayout(runs.B).OptimizerState(1), run.OptimizerState(1), overwrite: true);
        var message = Assert.Throws<InvariscopeException>(() => Resume(run)).Message;
        OneLineNaming(run.OptimizerState(1), message);
        Assert.Contains("optimiser state of another run", message);
        Assert.False(File.Exists(run.Weights(2)));

        File.Copy(new RunLayout(runs.A).OptimizerState(2), run.OptimizerState(1), overwrite: true);
        message = Assert.Throws<InvariscopeException>(() => Resume(run)).Message;
        OneLineNaming(run.OptimizerState(1), message);
        Assert.Contains("optimiser state of epoch 2, not of epoch 1", message);
    }

    [Fact]
    public void ACorruptOptimiserFileIsRefusedOnResumeAndACleanOneResumesToTheSameWeights()
    {
        using var dir = new TestData.TempDir();
        var run = IntegrityRuns.Copy(runs.A, dir);
        BackToEpoch1(run);
        var clean = File.ReadAllBytes(run.OptimizerState(1));
        FlipBit(run.OptimizerState(1), "last");
        var message = Assert.Throws<InvariscopeException>(() => Resume(run)).Message;
        OneLineNaming(run.OptimizerState(1), message);
        Assert.Contains("epoch_001.*", message);

        File.WriteAllBytes(run.OptimizerState(1), clean);
        Resume(run);
        Assert.Equal(File.ReadAllBytes(new RunLayout(runs.A).Weights(2)), File.ReadAllBytes(run.Weights(2)));
    }

    [Fact]
    public void AFlippedBitInAReconstructionDecoderIsRefused()
    {
        using var dir = new TestData.TempDir();
        var run = IntegrityRuns.Copy(runs.Reconstruction, dir);
        using (EvaluatedCheckpoint.Load(run.Weights(1))) { }
        FlipBit(run.DecoderWeights(1), "first");
        OneLineNaming(run.DecoderWeights(1), Assert.Throws<InvariscopeException>(() => EvaluatedCheckpoint.Load(run.Weights(1))).Message);
    }

    [Fact]
    public void AForeignFileWithANaNIsRefusedNamingTheTensorAndTheFile()
    {
        using var dir = new TestData.TempDir();
        var path = dir.File("foreign.safetensors");
        using (var m = new VisionTransformer(VitPresets.Get("vit_micro_patch4_16") with { NumClasses = 3 }, seed: 1))
        {
            using (no_grad()) m.state_dict()["blocks.1.mlp.fc1.weight"][0, 2] = float.NaN;
            VitCheckpoint.Save(m, path);
        }
        var message = Assert.Throws<InvariscopeException>(() => VitCheckpoint.Load(path)).Message;
        OneLineNaming(path, message);
        Assert.Contains("tensor 'blocks.1.mlp.fc1.weight' holds 1 NaN and 0 infinite", message);
        var (code, _, stderr) = TestData.Cli("evaluate", "--checkpoint", path, "--data", "synthetic:shapes?size=16&n=8", "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("blocks.1.mlp.fc1.weight", stderr);
    }

    [Fact]
    public void ASidecarWithoutDigestsStillLoadsWithTheFiniteCheckOnly()
    {
        using var dir = new TestData.TempDir();
        var run = IntegrityRuns.Copy(runs.A, dir);
        var side = RunFiles.ReadSidecar(run, 2);
        side.Remove(CheckpointIntegrity.FilesKey);
        File.WriteAllText(run.Sidecar(2), side.ToJsonString());
        using var loaded = CheckpointIntegrity.Load(run.Weights(2), run.Sidecar(2));
        Assert.False(loaded.Verified);
    }
}
