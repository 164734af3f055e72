using System.Diagnostics;
using System.Text.Json;

namespace Invariscope.Tests.Study.Slurm;

/// <summary>
/// A fact that needs a real Slurm: skipped, saying why, where none can be had (not root, or Slurm not installed);
/// never skipped where <c>INVARISCOPE_REQUIRE_SLURM=1</c> (CI), so a cluster that fails to start fails the tests.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (SlurmCluster.Unavailable is { } why && Environment.GetEnvironmentVariable("INVARISCOPE_REQUIRE_SLURM") != "1") Skip = why;
    }
}

[CollectionDefinition("slurm")]
public sealed class SlurmCollection : ICollectionFixture<SlurmCluster>;

/// <summary>
/// The Slurm the tests submit to: the one .ci/run started (<c>INVARISCOPE_SLURM=DIR</c>), or a private one-node cluster
/// that this fixture starts with scripts/slurm/start.sh and stops, by PID, with scripts/slurm/stop.sh.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    readonly string? _started;
    readonly Dictionary<string, string> _baselines = [];

    /// <summary>Why no cluster can be had here, or null.</summary>
    public static string? Unavailable { get; } = Why();

    static string? Why()
    {
        if (Environment.GetEnvironmentVariable("INVARISCOPE_SLURM") is { Length: > 0 }) return null;
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") return "a private Slurm needs root (run .ci/run as root, or scripts/slurm/start.sh DIR and set INVARISCOPE_SLURM=DIR)";
        var missing = new[] { "slurmctld", "slurmd", "sbatch", "munged" }.Where(p => Invariscope.Study.Slurm.SlurmClient.Find(p) is null && !File.Exists($"/usr/sbin/{p}")).ToList();
        return missing.Count == 0 ? null : $"Slurm is not installed ({string.Join(", ", missing)} missing): scripts/slurm/install.sh installs it";
    }

    public SlurmCluster()
    {
        if (Environment.GetEnvironmentVariable("INVARISCOPE_SLURM") is not { Length: > 0 } dir)
        {
            dir = _started = Path.Combine(Path.GetTempPath(), $"invariscope-slurm-{Guid.NewGuid():N}"[..28]);
            var (code, output) = Script("start.sh", dir);
            Assert.True(code == 0, $"scripts/slurm/start.sh failed: {output}");
        }
        // the clients (and, through sbatch, the tasks) find the cluster by SLURM_CONF; child processes inherit it
        Environment.SetEnvironmentVariable("SLURM_CONF", Path.Combine(dir, "slurm.conf"));
    }

    public void Dispose()
    {
        if (_started is null) return;
        Script("stop.sh", _started);
        try { Directory.Delete(_started, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static (int code, string output) Script(string name, string arg) => Run(TestData.RepoFile(Path.Combine("scripts", "slurm", name)), arg);

    /// <summary>Runs a program (a Slurm client) and returns its exit code and stdout + stderr.</summary>
    public static (int code, string output) Run(string program, params string[] args)
    {
        var (code, stdout, stderr) = Invariscope.Runtime.ChildProcess.Run(program, args);
        return (code, stdout + stderr);
    }

    /// <summary>
    /// The same study run by the local executor (once per config), with the tasks' one thread, so that float
    /// reductions, and so every result file, are the same as the Slurm tasks'.
    /// </summary>
    public string Baseline(string configJson)
    {
        lock (_baselines)
        {
            if (_baselines.TryGetValue(configJson, out var done)) return done;
            var dir = Directory.CreateTempSubdirectory("invariscope-slurm-local-").FullName;
            var config = Path.Combine(dir, "config.json");
            File.WriteAllText(config, configJson);
            var root = Path.Combine(dir, "study");
            var (code, output) = TestData.ChildCli(OneThread, ["study", config, "--out", root, "--device", "cpu"]);
            Assert.True(code == 0, output);
            return _baselines[configJson] = root;
        }
    }

    /// <summary>The environment of a task: one thread, as the job scripts give a one-CPU task.</summary>
    public static readonly IReadOnlyDictionary<string, string?> OneThread = new Dictionary<string, string?> { ["OMP_NUM_THREADS"] = "1", ["MKL_NUM_THREADS"] = "1" };

    /// <summary>The states of a study's cells (<c>study status --json</c>): id → (state, task, log, detail).</summary>
    public static Dictionary<string, (string state, string? task, string? log, string? detail)> Status(string root)
    {
        var (code, stdout, stderr) = TestData.Cli("study", "status", root, "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!, e => (e.GetProperty("state").GetString()!,
            e.GetProperty("task").GetString(), e.GetProperty("log").GetString(), e.GetProperty("detail").GetString()));
    }

    /// <summary>Waits until no cell of the study is running or pending; returns the states.</summary>
    public static Dictionary<string, (string state, string? task, string? log, string? detail)> WaitIdle(string root, int seconds = 300)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var states = Status(root);
            if (states.Values.All(s => s.state is not ("running" or "pending"))) return states;
            Assert.True(clock.Elapsed.TotalSeconds < seconds, $"the study did not finish in {seconds} s: " +
                string.Join(", ", states.Where(s => s.Value.state is "running" or "pending").Take(5).Select(s => $"{s.Key} {s.Value.state}")));
            Thread.Sleep(500);
        }
    }

    /// <summary>Polls <paramref name="until"/> every 200 ms for at most <paramref name="seconds"/>.</summary>
    public static void Await(Func<bool> until, string what, int seconds = 180)
    {
        var clock = Stopwatch.StartNew();
        while (!until())
        {
            Assert.True(clock.Elapsed.TotalSeconds < seconds, $"timed out after {seconds} s waiting for {what}");
            Thread.Sleep(200);
        }
    }
}
