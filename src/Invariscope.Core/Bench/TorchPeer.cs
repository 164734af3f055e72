using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Invariscope.Formats;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Bench;

/// <summary>What the peer said once its model was built and checked.</summary>
/// <param name="Parameters">Its model's parameter count.</param>
/// <param name="TorchVersion">PyTorch's version.</param>
/// <param name="Threads">Its intra-op threads.</param>
/// <param name="MatmulGflops">Its own fp32 1024² matmul rate.</param>
/// <param name="CoreName">OpenBLAS's kernel (<c>openblas_get_corename</c>), or null when its BLAS is not OpenBLAS.</param>
/// <param name="Blas">OpenBLAS's configuration line, or null.</param>
public sealed record PeerInfo(long Parameters, string TorchVersion, int Threads, double MatmulGflops, string? CoreName, string? Blas);

/// <summary>
/// The PyTorch side of a benchmark: <c>scripts/peer/torch_peer.py</c> (shipped as <c>peer/torch_peer.py</c> next to the
/// program) in a child process that loads the weights and inputs we wrote, writes its parity outputs, and then times
/// the workload each time it is asked, so that its timings interleave with ours. Disposing ends it.
/// </summary>
public sealed class TorchPeer : IDisposable
{
    /// <summary>Debian's interpreter, whose <c>python3-torch</c> is the peer (scripts/peer/install.sh installs it).</summary>
    public const string DefaultPython = "/usr/bin/python3";

    readonly Process _process;
    readonly string _folder;
    readonly Task<string> _stderr;

    /// <summary>What the peer reported after its check.</summary>
    public PeerInfo Info { get; }

    /// <summary>The peer's parity outputs (CPU tensors; disposed with the peer).</summary>
    public IReadOnlyDictionary<string, Tensor> Check { get; }

    /// <summary>The script's path in this program's folder.</summary>
    public static string Script => Path.Combine(AppContext.BaseDirectory, "peer", "torch_peer.py");

    /// <summary>
    /// Whether <paramref name="python"/> can import torch; null when it can, else why not (one line for a skip or an error).
    /// </summary>
    public static string? Unavailable(string python = DefaultPython)
    {
        if (!File.Exists(python)) return $"{python} not found (apt-get install python3; see scripts/peer/install.sh)";
        try
        {
            var (code, _, err) = ChildProcess.Run(python, ["-c", "import torch"]);
            return code == 0 ? null : $"{python} cannot import torch (scripts/peer/install.sh installs python3-torch): {err.Trim().Split('\n')[^1]}";
        }
        catch (System.ComponentModel.Win32Exception e) { return $"{python}: {e.Message}"; }
    }

    /// <summary>
    /// Starts the peer on <paramref name="spec"/> (workload, config, sizes; see the script) and
    /// <paramref name="tensors"/> (<c>model.*</c> weights by state_dict name, <c>input.*</c>), with
    /// <paramref name="env"/> set over ours for the child only (threads, OpenBLAS's core type). Waits for its check.
    /// </summary>
    public TorchPeer(JsonObject spec, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> env,
        string python = DefaultPython)
    {
        if (!File.Exists(Script)) throw new InvariscopeException($"{Script}: the peer script is missing; rebuild the program");
        _folder = Directory.CreateTempSubdirectory("invariscope-peer-").FullName;
        string specPath = Path.Combine(_folder, "spec.json"), tensorPath = Path.Combine(_folder, "in.safetensors");
        string checkPath = Path.Combine(_folder, "check.safetensors");
        File.WriteAllText(specPath, spec.ToJsonString());
        Safetensors.Save(tensorPath, tensors);
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in new[] { Script, "--spec", specPath, "--tensors", tensorPath, "--check-out", checkPath })
            start.ArgumentList.Add(a);
        foreach (var (k, v) in env) start.Environment[k] = v;
        try { _process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            Directory.Delete(_folder, recursive: true);
            throw new InvariscopeException($"--peer torch: cannot start {python}: {e.Message}", e);
        }
        _stderr = _process.StandardError.ReadToEndAsync();
        try
        {
            var ready = Read("ready");
            Info = new PeerInfo(ready["params"]!.GetValue<long>(), ready["torch"]!.GetValue<string>(), ready["threads"]!.GetValue<int>(),
                ready["matmul_gflops"]!.GetValue<double>(), ready["corename"]?.GetValue<string>(), ready["blas"]?.GetValue<string>());
            using var file = Safetensors.Open(checkPath);
            Check = file.LoadAll();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The median seconds of one repetition of the workload, timed by the peer now.</summary>
    public double Time()
    {
        _process.StandardInput.WriteLine("time");
        _process.StandardInput.Flush();
        return Read("seconds")["seconds"]!.GetValue<double>();
    }

    JsonObject Read(string key)
    {
        var line = _process.StandardOutput.ReadLine();
        if (line is null)
        {
            _process.WaitForExit();
            var why = _stderr.Result.Trim().Split('\n')[^1];
            throw new InvariscopeException($"--peer torch: {Script} exited ({_process.ExitCode}) before answering '{key}': {why}");
        }
        try
        {
            if (JsonNode.Parse(line) is JsonObject o && o.ContainsKey(key)) return o;
        }
        catch (JsonException) { }
        throw new InvariscopeException($"--peer torch: expected a JSON line with '{key}' from {Script}, got: {line}");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Close();
                if (!_process.WaitForExit(10_000)) _process.Kill();
            }
        }
        catch (InvalidOperationException) { } // already gone
        catch (IOException) { } // its stdin closed with it
        _process.Dispose();
        if (Check is not null) foreach (var t in Check.Values) t.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
