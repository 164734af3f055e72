using System.Diagnostics;
using Invariscope.Data;
using Invariscope.Layout;
using Invariscope.Tests.Data;

namespace Invariscope.Tests.Cli;

/// <summary>
/// Issue 13's corpus: every class of bad input (corrupt files the program reads, unwritable outputs, bad numbers,
/// duplicate keys, bad images, bad study settings, usage errors) fed to the CLI. Each must give one line on stderr
/// naming the file, field or path at fault, exit 1 (2 for a usage error), and leave no output behind: the files of
/// the case's folder are the same after the command as before, and no temp file is left.
/// </summary>
public class BadInputCorpusTests : IClassFixture<BadInputCorpusTests.TinyRun>
{
    const string Data = "synthetic:shapes?size=16&n=32&seed=2";

    /// <summary>One finished one-epoch run of the micro model, trained once for the whole corpus; each case works on a copy.</summary>
    public sealed class TinyRun : IDisposable
    {
        readonly TestData.TempDir dir = new();
        public string Root => dir.File("run");
        public TinyRun()
        {
            var (code, _, stderr) = TestData.Cli(TrainArgs(Root));
            Assert.True(code == 0, stderr);
        }
        public void Dispose() => dir.Dispose();
    }

    internal static string[] TrainArgs(string root, params string[] extra) =>
        ["train", "--data", Data, "--epochs", "1", "--batch-size", "16", "--set", "val_fraction=0.25", "--out", root, "--device", "cpu", .. extra];

    readonly TinyRun fixture;
    public BadInputCorpusTests(TinyRun fixture) => this.fixture = fixture;

    /// <summary>Sets up a case in a fresh folder (holding a copy of the run as "run"); returns the command's arguments.</summary>
    delegate string[] Case(string dir, RunLayout run);

    static readonly Dictionary<string, (Case Setup, int Exit, string Mentioned)> Cases = new()
    {
        // files the program reads
        ["sidecar empty"] = ((d, r) => { File.WriteAllText(r.Sidecar(1), ""); return Evaluate(r); }, 1, "epoch_001.json"),
        ["sidecar truncated"] = ((d, r) => { Truncate(r.Sidecar(1), 100); return Evaluate(r); }, 1, "epoch_001.json"),
        ["sidecar phase_index \"zero\" on resume"] = ((d, r) => { Replace(r.Sidecar(1), "\"phase_index\": 0", "\"phase_index\": \"zero\""); return TrainArgs(r.Root, "--resume"); }, 1, "phase_index"),
        ["sidecar empty on resume"] = ((d, r) => { File.WriteAllText(r.Sidecar(1), ""); return TrainArgs(r.Root, "--resume"); }, 1, "epoch_001.json"),
        // (a corrupt metrics.json on resume is rebuilt from the sidecars: TrainerTests.ResumeRebuildsTheMetricsFromTheSidecars)
        ["metrics.json of {} in a report"] = ((d, r) => { File.WriteAllText(r.MetricsJson, "{}"); return ["report", r.Root, "--out", Path.Combine(d, "rep")]; }, 1, "metrics.json"),
        ["results.json of {} in a report"] = ((d, r) => { Directory.CreateDirectory(Path.Combine(d, "a")); File.WriteAllText(Path.Combine(d, "a", "results.json"), "{}"); return ["report", Path.Combine(d, "a"), "--out", Path.Combine(d, "rep")]; }, 1, "'settings'"),
        ["results.json corrupt in a report"] = ((d, r) => { Directory.CreateDirectory(Path.Combine(d, "a")); File.WriteAllText(Path.Combine(d, "a", "results.json"), "{\"settings\": "); return ["report", Path.Combine(d, "a"), "--out", Path.Combine(d, "rep")]; }, 1, "results.json"),
        ["config.json corrupt on resume"] = ((d, r) => { Truncate(r.ConfigPath, 20); return TrainArgs(r.Root, "--resume"); }, 1, "config.json"),
        // configs: duplicate keys, bad numbers
        ["duplicate key in a train config"] = ((d, r) => { File.WriteAllText(Path.Combine(d, "c.json"), "{\"lr\": 0.1, \"lr\": 0.2}"); return ["train", "--config", Path.Combine(d, "c.json"), "--out", Path.Combine(d, "new"), "--device", "cpu"]; }, 1, "'lr'"),
        ["duplicate key in a study config"] = ((d, r) => { File.WriteAllText(Path.Combine(d, "s.json"), "{\"train\": {\"epochs\": 1}, \"train\": {\"epochs\": 2}}"); return ["study", Path.Combine(d, "s.json"), "--out", Path.Combine(d, "new"), "--device", "cpu"]; }, 1, "'train'"),
        ["a field given twice with --set"] = ((d, r) => ["train", "--set", "lr=0.1", "--set", "lr=0.2", "--out", Path.Combine(d, "new"), "--device", "cpu"], 1, "'lr'"),
        ["a flag and --set on one field"] = ((d, r) => ["train", "--lr", "0.1", "--set", "lr=0.2", "--out", Path.Combine(d, "new"), "--device", "cpu"], 1, "'lr'"),
        ["--lr 1e400"] = ((d, r) => ["train", "--data", Data, "--lr", "1e400", "--out", Path.Combine(d, "new"), "--device", "cpu"], 1, "lr must be a finite number"),
        ["a study with bad analysis.layers"] = ((d, r) => Study(d, $"\"robustness\": {{ \"data\": \"{Data}\", \"corruptions\": \"none\" }}, \"analysis\": {{ \"layers\": \"block99\" }}"), 1, "block99"),
        ["a study with bad analysis.data"] = ((d, r) => Study(d, "\"analysis\": { \"data\": \"synthetic:shapez?size=16\" }"), 1, "analysis.data"),
        ["a study with bad robustness.data"] = ((d, r) => Study(d, "\"robustness\": { \"data\": \"synthetic:shapez?size=16\" }"), 1, "robustness.data"),
        // unwritable outputs
        ["--out is a file"] = ((d, r) => { File.WriteAllText(Path.Combine(d, "f"), "x"); return TrainArgs(Path.Combine(d, "f")); }, 1, "{dir}/f"),
        ["--out lies under a file"] = ((d, r) => { File.WriteAllText(Path.Combine(d, "f"), "x"); return TrainArgs(Path.Combine(d, "f", "sub")); }, 1, Path.Combine("f", "sub")),
        ["--out on a file system that takes no folders"] = ((d, r) => TrainArgs("/proc/invariscope-corpus"), 1, "/proc/invariscope-corpus"),
        ["evaluate --out under a file"] = ((d, r) => { File.WriteAllText(Path.Combine(d, "f"), "x"); return [.. Evaluate(r), "--out", Path.Combine(d, "f", "e")]; }, 1, "{dir}/f"),
        ["report --out under a file"] = ((d, r) => { File.WriteAllText(Path.Combine(d, "f"), "x"); return ["report", r.Root, "--out", Path.Combine(d, "f", "rep")]; }, 1, "{dir}/f"),
        ["robustness over a run folder that is a file"] = ((d, r) => { File.WriteAllText(Path.Combine(d, "f"), "x"); return ["robustness", Path.Combine(d, "f"), "--data", Data, "--corruptions", "none", "--device", "cpu"]; }, 1, "{dir}/f"),
        ["analyze --out under a file"] = ((d, r) => { File.WriteAllText(Path.Combine(d, "f"), "x"); return ["analyze", "--pretrained", r.Weights(0), "--finetuned", r.Weights(1), "--data", Data, "--samples", "4", "--seeds", "1", "--steps", "1", "--layers", "last:1", "--out", Path.Combine(d, "f", "an"), "--device", "cpu"]; }, 1, "{dir}/f"),
        // images
        ["a PNG claiming 100000×100000"] = ((d, r) => { Png(d, BadPngTests.ClaimingSize(100000, 100000)); return [.. Evaluate(r, $"folder:{Path.Combine(d, "img")}")]; }, 1, "100000×100000"),
        ["a PNG with a bad CRC"] = ((d, r) => { Png(d, BadPngTests.WithBadCrc()); return [.. Evaluate(r, $"folder:{Path.Combine(d, "img")}")]; }, 1, "bad.png"),
        // a class-count mismatch between the model (6 shapes) and the evaluation set
        ["evaluate --data with 5 classes on a 6-class model"] = ((d, r) => { Pngs(d, 5); return Evaluate(r, $"folder:{Path.Combine(d, "five")}"); }, 1, "has 5 classes but"),
        ["robustness --ood-data with 5 classes on a 6-class model"] = ((d, r) => { Pngs(d, 5); return ["robustness", r.Root, "--data", Data, "--ood-data", $"folder:{Path.Combine(d, "five")}", "--corruptions", "none", "--limit", "8", "--device", "cpu"]; }, 1, "has 5 classes but"),
        // usage errors
        ["an unknown option"] = ((d, r) => ["train", "--bogus", "--out", Path.Combine(d, "new")], 2, "--bogus"),
        ["a required option missing"] = ((d, r) => ["evaluate", "--data", Data], 2, "--checkpoint"),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void EachBadInputIsOneLineAnExitCodeAndNoOutput(string name)
    {
        var (setup, exit, mentioned) = Cases[name];
        using var dir = new TestData.TempDir();
        CopyFolder(fixture.Root, dir.File("run"));
        var args = setup(dir.Path, new RunLayout(dir.File("run")));
        var before = Files(dir.Path);

        var (code, _, stderr) = TestData.Cli(args);

        Assert.True(code == exit, $"{name}: exit {code}, stderr: {stderr}");
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(mentioned.Replace("{dir}", dir.Path), stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Equal(before, Files(dir.Path));                                     // nothing written, no temp file left
    }

    [Fact]
    public async Task ADiskFullWriteIsOneLineNamingThePathAndLeavesNoTempFile()
    {
        // a full disk without privileges: a file-size limit of 0 with SIGXFSZ ignored makes every write to a regular
        // file fail with EFBIG ("File too large"), as ENOSPC would (W^X off: the runtime maps no memory file then)
        using var dir = new TestData.TempDir();
        var run = new RunLayout(fixture.Root);
        string prefix = dir.File("eval");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("trap '' XFSZ; ulimit -f 0; exec dotnet \"$@\"");
        start.ArgumentList.Add("bash");
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "invariscope.dll"), .. Evaluate(run), "--out", prefix]) start.ArgumentList.Add(a);
        start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        using var child = Process.Start(start)!;
        var stderrTask = child.StandardError.ReadToEndAsync();
        await child.StandardOutput.ReadToEndAsync();
        Assert.True(child.WaitForExit(120_000));
        string stderr = await stderrTask;

        Assert.True(child.ExitCode == 1, $"exit {child.ExitCode}: {stderr}");
        // stderr also carries the progress bar (a log's lines, each after its time stamp): the error is the one line after it
        var error = Assert.Single(stderr.Trim().Split('\n'), l => !System.Text.RegularExpressions.Regex.IsMatch(l, @"^\S+ \S+ evaluate \["));
        Assert.StartsWith("invariscope: error: ", error);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Contains(dir.Path, stderr);
        Assert.Empty(Files(dir.Path));
    }

    [Fact]
    public void ARunsOwnConfigJsonIsAcceptedByConfig()
    {
        using var dir = new TestData.TempDir();
        var (code, _, stderr) = TestData.Cli("train", "--config", new RunLayout(fixture.Root).ConfigPath, "--out", dir.File("again"), "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllText(new RunLayout(fixture.Root).ConfigPath), File.ReadAllText(new RunLayout(dir.File("again")).ConfigPath));
    }

    [Fact]
    public void ARunWithoutValidationWritesNaNAsTheNamedLiteralReadsItBackAndReportsNoValidationSet()
    {
        using var dir = new TestData.TempDir();
        var run = new RunLayout(dir.File("run"));
        var (code, _, stderr) = TestData.Cli("train", "--data", Data, "--epochs", "1", "--batch-size", "16", "--set", "val_fraction=0", "--out", run.Root, "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("\"val_loss\": \"NaN\"", File.ReadAllText(run.MetricsJson));     // the policy's literal, not a bare NaN token
        var row = Assert.Single(Invariscope.Training.RunFiles.ReadMetrics(run));
        Assert.True(double.IsNaN(row.ValLoss) && double.IsNaN(row.ValAcc));
        Assert.True(double.IsFinite(row.TrainLoss));
        string stdout;
        (code, stdout, stderr) = TestData.Cli("report", run.Root, "--out", dir.File("rep"));
        Assert.True(code == 0, stderr);
        Assert.Contains("no validation set", stdout);
        Assert.DoesNotContain("NaN", stdout);
    }

    static string[] Evaluate(RunLayout run, string data = Data) =>
        ["evaluate", "--checkpoint", run.Weights(1), "--data", data, "--batch-size", "16", "--device", "cpu"];

    static string[] Study(string dir, string section)
    {
        File.WriteAllText(Path.Combine(dir, "s.json"), $$"""
            {
              "train": { "model": "vit_micro_patch4_16", "data": "{{Data}}", "epochs": 1, "batch_size": 16 },
              "settings": [ { "name": "scratch", "train": { } } ],
              {{section}}
            }
            """);
        return ["study", Path.Combine(dir, "s.json"), "--out", Path.Combine(dir, "study"), "--device", "cpu"];
    }

    /// <summary>A 6-class image folder "img" (as many classes as the model) whose first class holds one bad file.</summary>
    static void Png(string dir, byte[] bytes)
    {
        Pngs(dir, 6, "img");
        File.WriteAllBytes(Path.Combine(dir, "img", "c0", "bad.png"), bytes);
    }

    static void Pngs(string dir, int classes, string folder = "five")
    {
        for (int c = 0; c < classes; c++)
        {
            Directory.CreateDirectory(Path.Combine(dir, folder, $"c{c}"));
            File.WriteAllBytes(Path.Combine(dir, folder, $"c{c}", "x.png"), ImageCodec.EncodePng(TestFiles.Pattern(16, 16, c)));
        }
    }

    static void Truncate(string path, int length) => File.WriteAllBytes(path, File.ReadAllBytes(path)[..length]);

    static void Replace(string path, string from, string to)
    {
        string text = File.ReadAllText(path);
        Assert.Contains(from, text);
        File.WriteAllText(path, text.Replace(from, to));
    }

    static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Every file and folder under <paramref name="root"/> with its size (a rewritten file of another size shows).</summary>
    static List<string> Files(string root) =>
        [.. Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Order()
            .Select(p => File.Exists(p) ? $"{Path.GetRelativePath(root, p)} {new FileInfo(p).Length}" : Path.GetRelativePath(root, p) + "/")];
}
