using Invariscope.Formats;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Tests;

/// <summary>Paths to the copied Python fixtures and small helpers shared by tests.</summary>
public static class TestData
{
    static TestData() => TorchRuntime.Initialize();

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>A file of the checkout (e.g. <c>configs/x.json</c>), found by walking up from the test binaries.</summary>
    public static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, relative);
            if (File.Exists(path) || Directory.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>All tensors of a fixture file (caller disposes).</summary>
    public static Dictionary<string, Tensor> Load(string fixture)
    {
        using var file = Safetensors.Open(Fixture(fixture));
        return file.LoadAll();
    }

    /// <summary>A fresh temporary folder, deleted when disposed.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("invariscope-test-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var d = (a.to(float64) - b.to(float64)).abs().max();
        return d.item<double>();
    }

    /// <summary><paramref name="value"/> as the result files hold it (<see cref="Json"/> policy), without the indentation: one line to search.</summary>
    public static string CompactJson<T>(T value) => System.Text.Json.Nodes.JsonNode.Parse(Json.Serialize(value))!.ToJsonString();

    /// <summary>Runs the CLI in-process; returns (exit code, stdout, stderr).</summary>
    public static (int code, string stdout, string stderr) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Invariscope.Cli.CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>
    /// Runs <c>invariscope ARGS</c> in a child process (for what cannot share the test's process: a kill, another
    /// libtorch) with <paramref name="env"/> set over the test's environment; returns the exit code and stdout + stderr.
    /// </summary>
    public static (int code, string output) ChildCli(IReadOnlyDictionary<string, string?> env, IEnumerable<string> args)
    {
        var (code, stdout, stderr) = ChildProcess.Run("dotnet", [System.IO.Path.Combine(AppContext.BaseDirectory, "invariscope.dll"), .. args], env);
        return (code, stdout + stderr);
    }
}
