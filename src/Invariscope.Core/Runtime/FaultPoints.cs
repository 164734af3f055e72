using System.Text.RegularExpressions;

namespace Invariscope.Runtime;

/// <summary>
/// A test-only hook that kills the process at a named write point, to prove that a kill at any moment of a write
/// leaves a folder that resumes to the same result. <c>INVARISCOPE_FAULT=POINT[:N]</c> kills the process with
/// SIGKILL (as <c>kill -9</c>: no finally block runs, nothing is flushed; exit 137) at the N-th time (default 1) the point is
/// reached; <c>INVARISCOPE_FAULT_TRACE=FILE</c> appends every point reached to FILE, one a line, so a test can
/// enumerate a command's points from one run. Both are read once; unset, <see cref="Hit"/> is one null check.
/// <para>
/// A point is <c>STEP:NAME</c>, where NAME is the written file's name with each run of digits replaced by
/// <c>N</c> (<c>epoch_NNN.json</c>, <c>epoch_NNN_sN.json</c>) and STEP one of <see cref="Steps"/>: every atomic
/// write (<see cref="AtomicFile"/>, safetensors) passes <c>write</c> (before the temp file exists),
/// <c>rename</c> (the temp file is complete and on disk, not yet renamed) and <c>renamed</c> (renamed; the folder
/// sync that follows matters only for a power cut, which a kill cannot tell from this point). A marker (a sidecar,
/// done.json, a cell) is such a write too.
/// </para>
/// <para><c>INVARISCOPE_FAULT_WHERE=TEXT</c> counts only writes whose full path contains TEXT (one cell among many
/// processes of a study); <c>INVARISCOPE_FAULT_ACTION=hang</c> blocks the process there instead of killing it (a
/// task caught running, for <c>scancel</c>), and <c>throw</c> fails that write with an <see cref="IOException"/> (a full
/// disk, say: one cell fails while the process lives on).</para>
/// </summary>
public static class FaultPoints
{
    /// <summary>The environment variable naming the point to kill at.</summary>
    public const string FaultEnv = "INVARISCOPE_FAULT";
    /// <summary>The environment variable naming a file that records every point reached.</summary>
    public const string TraceEnv = "INVARISCOPE_FAULT_TRACE";
    /// <summary>The steps of one atomic write, in order.</summary>
    public static readonly IReadOnlyList<string> Steps = ["write", "rename", "renamed"];

    /// <summary>The environment variable restricting the fault to paths containing its text.</summary>
    public const string WhereEnv = "INVARISCOPE_FAULT_WHERE";
    /// <summary>The environment variable choosing what happens at the point: <c>kill</c> (default), <c>hang</c> or <c>throw</c>.</summary>
    public const string ActionEnv = "INVARISCOPE_FAULT_ACTION";

    static readonly (string Point, int N)? Target = ParseTarget(Environment.GetEnvironmentVariable(FaultEnv));
    static readonly string? Where = Environment.GetEnvironmentVariable(WhereEnv) is { Length: > 0 } w ? w : null;
    static readonly bool Hang = Environment.GetEnvironmentVariable(ActionEnv) == "hang";
    static readonly bool Throw = Environment.GetEnvironmentVariable(ActionEnv) == "throw";
    static readonly string? TracePath = Environment.GetEnvironmentVariable(TraceEnv) is { Length: > 0 } t ? t : null;
    static readonly bool Active = Target is not null || TracePath is not null;
    static int _seen;
    static readonly Lock Gate = new();

    /// <summary>Reaches the point <c>STEP:NAME</c> of writing <paramref name="path"/>; a no-op unless the hook is set.</summary>
    public static void Hit(string step, string path)
    {
        if (!Active) return;
        string point = step + ":" + Regex.Replace(Path.GetFileName(path), "[0-9]+", "N");
        lock (Gate)
        {
            if (TracePath is not null) File.AppendAllText(TracePath, point + "\n");
            if (Target is { } t && t.Point == point && (Where is null || Path.GetFullPath(path).Contains(Where, StringComparison.Ordinal)) && ++_seen == t.N)
            {
                if (Throw) throw new IOException($"{FaultEnv}: injected failure at {point} (occurrence {t.N}) writing {path}");
                Console.Error.WriteLine($"{FaultEnv}: {(Hang ? "hangs" : "killed")} at {point} (occurrence {t.N}) writing {path}");
                Console.Error.Flush();
                if (Hang) Thread.Sleep(Timeout.Infinite);
                // SIGKILL, as kill -9: no finally block, no flush, no exit handler runs
                System.Diagnostics.Process.GetCurrentProcess().Kill();
                Thread.Sleep(Timeout.Infinite);
            }
        }
    }

    /// <summary>The point and count of <c>POINT[:N]</c>, or null when unset.</summary>
    /// <exception cref="InvariscopeException">A malformed value.</exception>
    public static (string Point, int N)? ParseTarget(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        var m = Regex.Match(value, "^([a-z]+:[^:]+)(?::([0-9]+))?$");
        if (!m.Success || !Steps.Contains(m.Groups[1].Value.Split(':')[0]) || m.Groups[2].Success && int.Parse(m.Groups[2].Value) < 1)
            throw new InvariscopeException($"{FaultEnv}={value}: expected STEP:FILE[:N] with STEP one of {string.Join(", ", Steps)} and N ≥ 1");
        return (m.Groups[1].Value, m.Groups[2].Success ? int.Parse(m.Groups[2].Value) : 1);
    }
}
