using System.Diagnostics;

namespace Invariscope.Bench;

/// <summary>
/// Another CPU-bound process on this machine, as a shared laptop or Slurm node has: <c>sh</c> running a busy loop,
/// started by the constructor and ended, by its own id, when disposed. <c>bench load</c> measures our throughput with
/// and without it.
/// </summary>
public sealed class CompetingLoad : IDisposable
{
    readonly Process _process;

    /// <summary>Starts the busy loop.</summary>
    public CompetingLoad()
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true };
        foreach (var a in new[] { "-c", "while :; do :; done" }) start.ArgumentList.Add(a);
        _process = Process.Start(start) ?? throw new Runtime.InvariscopeException("bench load: cannot start /bin/sh for the competing load");
    }

    /// <summary>The busy process's id.</summary>
    public int Id => _process.Id;

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException) { } // already gone
        _process.Dispose();
    }
}
