using System.Runtime.InteropServices;
using TorchSharp;

namespace Invariscope.Runtime;

/// <summary>
/// Loads the native libtorch and picks the compute device. By default TorchSharp-cpu's bundled libtorch is
/// used. Pointing <see cref="TorchLibEnv"/> (or the CLI's <c>--torch-lib</c>) at an existing PyTorch
/// install's <c>torch/lib</c> folder runs on that libtorch instead, CUDA included.
/// </summary>
public static class TorchRuntime
{
    /// <summary>Environment variable naming a PyTorch <c>torch/lib</c> folder to run on.</summary>
    public const string TorchLibEnv = "INVARISCOPE_TORCH_LIB";

    static readonly object Gate = new();
    static string? _loadedFrom;
    static bool _initialized;

    /// <summary>The PyTorch lib folder in use, or null when TorchSharp's bundled libtorch is used.</summary>
    public static string? TorchLibDir => _loadedFrom;

    /// <summary>
    /// Initialises the native backend once per process. Must run before any other TorchSharp call
    /// when <paramref name="torchLibDir"/> (or the environment variable) names a PyTorch lib folder.
    /// </summary>
    public static void Initialize(string? torchLibDir = null)
    {
        lock (Gate)
        {
            torchLibDir ??= Environment.GetEnvironmentVariable(TorchLibEnv);
            if (string.IsNullOrWhiteSpace(torchLibDir)) torchLibDir = null;
            if (_initialized)
            {
                if (torchLibDir is not null && !SamePath(torchLibDir, _loadedFrom))
                    throw new InvariscopeException(
                        $"--torch-lib {torchLibDir}: libtorch was already loaded from {_loadedFrom ?? "TorchSharp's bundled copy"} in this process");
                return;
            }
            if (torchLibDir is not null) LoadPyTorch(torchLibDir);
            _initialized = true;
        }
    }

    static bool SamePath(string a, string? b) =>
        b is not null && Path.GetFullPath(a).TrimEnd('/') == Path.GetFullPath(b).TrimEnd('/');

    static void LoadPyTorch(string dir)
    {
        if (!Directory.Exists(dir))
            throw new InvariscopeException($"--torch-lib {dir}: no such folder (expected a PyTorch install's torch/lib)");
        string Lib(string name) => Path.Combine(dir, OperatingSystem.IsWindows() ? name + ".dll" : "lib" + name + ".so");
        foreach (var required in new[] { "c10", "torch_cpu" })
            if (!File.Exists(Lib(required)))
                throw new InvariscopeException($"--torch-lib {dir}: {Path.GetFileName(Lib(required))} not found there (expected a PyTorch install's torch/lib)");

        bool cuda = File.Exists(Lib("torch_cuda"));
        var order = cuda
            ? new[] { "c10", "torch_cpu", "c10_cuda", "torch_cuda", "torch" }
            : new[] { "c10", "torch_cpu", "torch" };
        foreach (var name in order)
        {
            var path = Lib(name);
            if (!File.Exists(path)) continue;
            try { NativeLibrary.Load(path); }
            catch (Exception e) { throw new InvariscopeException($"--torch-lib {dir}: cannot load {path}: {e.Message}", e); }
        }
        var shim = FindLibTorchSharp()
            ?? throw new InvariscopeException($"libLibTorchSharp.so not found next to {AppContext.BaseDirectory}; rebuild the program");
        try { NativeLibrary.Load(shim); }
        catch (Exception e) { throw new InvariscopeException($"cannot load {shim} against the libtorch in {dir}: {e.Message}", e); }
        _loadedFrom = dir;
        torch.InitializeDeviceType(cuda ? DeviceType.CUDA : DeviceType.CPU);
    }

    static string? FindLibTorchSharp()
    {
        var name = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : "libLibTorchSharp.so";
        var rid = OperatingSystem.IsWindows() ? "win-x64" : "linux-x64";
        foreach (var candidate in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, name),
                     Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", name),
                 })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    /// <summary>
    /// Resolves a device spec: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or
    /// <c>cuda:N</c>. Asking for CUDA where none is available is an <see cref="InvariscopeException"/>.
    /// </summary>
    public static torch.Device ResolveDevice(string? spec)
    {
        Initialize();
        spec = (spec ?? "auto").Trim().ToLowerInvariant();
        if (spec == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (spec == "cpu") return torch.CPU;
        if (spec == "cuda" || spec.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new InvariscopeException(
                    $"--device {spec}: no CUDA device is available to this libtorch; set {TorchLibEnv} (or --torch-lib) to a CUDA PyTorch install's torch/lib folder, or use --device cpu");
            if (spec == "cuda") return torch.CUDA;
            if (!int.TryParse(spec.AsSpan(5), out var index) || index < 0 || index >= torch.cuda.device_count())
                throw new InvariscopeException($"--device {spec}: there are {torch.cuda.device_count()} CUDA devices");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new InvariscopeException($"--device {spec}: expected auto, cpu, cuda or cuda:N");
    }
}
