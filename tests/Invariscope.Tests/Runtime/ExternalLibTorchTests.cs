using Invariscope.Runtime;

namespace Invariscope.Tests.Runtime;

/// <summary>
/// Runs the CLI in a child process on libtorch loaded from a folder (as for a PyTorch install), which must
/// happen before TorchSharp initialises and so cannot share this test process. The folder used here is the
/// CPU libtorch that the build copies next to the tests; CUDA is checked on a GPU machine (see README).
/// </summary>
public class ExternalLibTorchTests
{
    static (int code, string output) RunCli(string torchLib, params string[] args) =>
        TestData.ChildCli(new Dictionary<string, string?> { [TorchRuntime.TorchLibEnv] = torchLib }, args);

    [Fact]
    public void RunsOnLibTorchFromAFolder()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        Assert.True(File.Exists(Path.Combine(folder, "libtorch_cpu.so")), "the build should copy libtorch next to the tests");
        var (code, output) = RunCli(folder, "bench", "forward", "--preset", "mu/4@16", "--iters", "1", "--batch-size", "2", "--device", "cpu");
        Assert.True(code == 0, output);
        Assert.Contains("img/s", output);
    }

    [Fact]
    public void AMissingFolderIsAOneLineError()
    {
        var (code, output) = RunCli("/nonexistent/torch/lib", "bench", "forward", "--preset", "mu/4@16");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/torch/lib: no such folder", output);
        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public void AFolderWithoutLibTorchIsAOneLineError()
    {
        using var dir = new TestData.TempDir();
        var (code, output) = RunCli(dir.Path, "bench", "forward", "--preset", "mu/4@16");
        Assert.Equal(1, code);
        Assert.Contains("libc10.so not found", output);
    }
}
