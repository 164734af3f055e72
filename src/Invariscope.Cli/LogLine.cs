using System.Globalization;

namespace Invariscope.Cli;

/// <summary>
/// Log lines with the local time in front (<c>2026-12-01 14:02:11 epoch 3 [ft] ...</c>), so a log read later (a
/// redirected study, a cluster job's output) says when each thing happened and how long it took.
/// </summary>
public static class LogLine
{
    /// <summary>The time stamp of <paramref name="now"/>, in local time.</summary>
    public static string Stamp(DateTimeOffset now) => now.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A log that writes each line to <paramref name="output"/> after its time stamp.</summary>
    public static Action<string> To(TextWriter output, TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        return line => output.WriteLine($"{Stamp(clock.GetUtcNow())} {line}");
    }
}
