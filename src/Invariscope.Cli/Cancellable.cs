using System.CommandLine;
using System.Runtime.InteropServices;

namespace Invariscope.Cli;

/// <summary>
/// Runs long work so that Ctrl+C, SIGTERM (<c>kill</c>, <c>scancel</c>, a node shutting down) and SIGUSR1 (Slurm's
/// warning before a time limit, <c>--signal=B:USR1@S</c>) stop it cleanly: the work stops at its next check, between
/// atomic writes, so what it wrote stays whole and the same command resumes it.
/// </summary>
public static class Cancellable
{
    /// <summary>SIGUSR1 on Linux (x86-64 and arm64); .NET names only the portable signals, raw numbers are allowed.</summary>
    const int SigUsr1 = 10;

    /// <summary>
    /// Runs <paramref name="work"/> with a token cancelled by those signals; prints <paramref name="stopped"/> and
    /// returns 130 when it stops. After SIGUSR1, <paramref name="onTimeLimit"/> (when given) decides the exit instead
    /// (a Slurm task requeues itself there).
    /// </summary>
    public static int Run(ParseResult parse, Func<CancellationToken, int> work, string stopped, Func<int>? onTimeLimit = null)
    {
        using var cancel = new CancellationTokenSource();
        bool timeLimit = false;
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        using var usr1 = OperatingSystem.IsWindows() ? null
            : PosixSignalRegistration.Create((PosixSignal)SigUsr1, c => { c.Cancel = true; timeLimit = true; cancel.Cancel(); });
        try { return work(cancel.Token); }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (timeLimit && onTimeLimit is not null) return onTimeLimit();
            parse.InvocationConfiguration.Error.WriteLine(stopped);
            return 130;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }
}
