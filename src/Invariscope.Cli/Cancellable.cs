using System.CommandLine;

namespace Invariscope.Cli;

/// <summary>Runs long work so that Ctrl+C stops it cleanly (exit 130, with a hint on how to resume).</summary>
public static class Cancellable
{
    /// <summary>Runs <paramref name="work"/> with a token cancelled by Ctrl+C; prints <paramref name="stopped"/> when it stops.</summary>
    public static int Run(ParseResult parse, Func<CancellationToken, int> work, string stopped)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try { return work(cancel.Token); }
        catch (OperationCanceledException)
        {
            parse.InvocationConfiguration.Error.WriteLine(stopped);
            return 130;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }
}
