using System.Diagnostics;

namespace Invariscope.Runtime;

/// <summary>Runs a program to its end and returns what it printed: for the Slurm clients, the peer's checks and the tests.</summary>
public static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="program"/> (a path, or a name PATH resolves) with <paramref name="args"/>, each one
    /// argument, and <paramref name="env"/> over this process's environment (a null value removes the variable);
    /// returns its exit code, stdout and stderr. Both streams are read at once, so neither pipe can fill and block it.
    /// </summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program cannot be started.</exception>
    public static (int Code, string Stdout, string Stderr) Run(string program, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?>? env = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
            if (v is null) start.Environment.Remove(k);
            else start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }
}
