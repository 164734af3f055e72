using Invariscope.Runtime;

namespace Invariscope.Tests.Runtime;

/// <summary>
/// Kills a CLI command at each of its write points in turn (see <see cref="FaultPoints"/>) and resumes it, in child
/// processes (a kill cannot share the test's). The points come from one uninterrupted, traced run of the command
/// into a reference folder. Then, in a second folder, the command runs once per point with the hook set to that
/// point: it must die there (each run continues what the killed ones left, so later points are reached in a
/// folder that earlier kills interrupted), and a last run without the hook must finish.
/// </summary>
static class FaultInjection
{
    /// <summary>Runs <c>invariscope ARGS</c> in a child process with the hook set as <paramref name="env"/> says (unset otherwise).</summary>
    static (int Code, string Output) Cli(IReadOnlyDictionary<string, string> env, IEnumerable<string> args) =>
        TestData.ChildCli(new Dictionary<string, string?>
        {
            [FaultPoints.FaultEnv] = env.GetValueOrDefault(FaultPoints.FaultEnv),
            [FaultPoints.TraceEnv] = env.GetValueOrDefault(FaultPoints.TraceEnv),
        }, args);

    /// <summary>
    /// The write points of <paramref name="command"/> (run into <paramref name="reference"/>), in the order first
    /// reached; then the kill of each in turn and a resume in <paramref name="target"/>, as the summary says.
    /// <paramref name="command"/> gives the arguments for a folder (asked before each run, so it may add
    /// <c>--resume</c> once the folder holds something to resume); <paramref name="only"/> picks the points to kill at
    /// (default: all). Returns the points.
    /// </summary>
    public static IReadOnlyList<string> KillAtEachPoint(string reference, string target, Func<string, string[]> command, string scratch,
        Func<string, bool>? only = null)
    {
        var trace = Path.Combine(scratch, Path.GetFileName(reference) + ".trace");
        var (code, output) = Cli(new Dictionary<string, string> { [FaultPoints.TraceEnv] = trace }, command(reference));
        Assert.True(code == 0, output);
        var points = File.ReadAllLines(trace).Distinct().Where(only ?? (_ => true)).ToList();
        Assert.NotEmpty(points);
        foreach (var point in points)
        {
            var (killed, log) = Cli(new Dictionary<string, string> { [FaultPoints.FaultEnv] = point }, command(target));
            Assert.True(killed == 137 && log.Contains($"killed at {point} "), $"{point}: exit {killed}, expected a kill there: {Tail(log)}");
        }
        var (last, lastLog) = Cli(new Dictionary<string, string>(), command(target));
        Assert.True(last == 0, $"the resume after the kills failed: {Tail(lastLog)}");
        // the killed writes' temp files were removed when the next writer of their folder started
        Assert.Empty(Directory.EnumerateFiles(target, ".*.tmp", SearchOption.AllDirectories));
        return points;
    }

    static string Tail(string log) => log.Length > 1500 ? log[^1500..] : log;
}
