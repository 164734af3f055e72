namespace Invariscope.Study;

/// <summary>
/// A study's time left, from the measured time of its cells: each cell still to run takes the mean time of the cells
/// of its stage (pretraining, training, robustness, inversions, analysis, ...) that this invocation ran. A stage none
/// of whose cells has run yet has no rate, and is named as untimed rather than guessed. Cells found done take no time
/// and are not measured.
/// </summary>
public sealed class TimeLeft
{
    readonly Dictionary<string, (double seconds, int cells)> measured = [];

    /// <summary>A cell of <paramref name="stage"/> ran in <paramref name="seconds"/>.</summary>
    public void Add(string stage, double seconds)
    {
        var (s, n) = measured.GetValueOrDefault(stage);
        measured[stage] = (s + seconds, n + 1);
    }

    /// <summary>The seconds the cells of <paramref name="pending"/> (one stage name per cell) should take, and the stages with no rate.</summary>
    public (double Seconds, IReadOnlyList<string> Untimed) Estimate(IEnumerable<string> pending)
    {
        double seconds = 0;
        var untimed = new List<string>();
        foreach (var stage in pending)
            if (measured.TryGetValue(stage, out var m)) seconds += m.seconds / m.cells;
            else if (!untimed.Contains(stage)) untimed.Add(stage);
        return (seconds, untimed);
    }

    /// <summary>
    /// The estimate as a log line's tail: <c>about 14 min left</c>, <c>about 3 min left, and analysis not timed yet</c>,
    /// or, while no cell left has a rate, <c>time left: analysis, report not timed yet</c>; null while nothing has been
    /// measured or nothing is left.
    /// </summary>
    /// <param name="pending">One stage name per cell still to run.</param>
    /// <param name="workers">Cells that run at a time (<see cref="ParallelCells"/>): the cell-seconds are shared between them.</param>
    public string? Describe(IEnumerable<string> pending, int workers = 1)
    {
        var list = pending.ToList();
        if (measured.Count == 0 || list.Count == 0) return null;
        var (seconds, untimed) = Estimate(list);
        seconds /= Math.Max(1, workers);
        string notTimed = $"{string.Join(", ", untimed)} not timed yet";
        if (list.All(untimed.Contains)) return $"time left: {notTimed}";
        string time = seconds < 0.5 ? "under a second" : seconds < 90 ? $"about {seconds:F0} s" : seconds < 5400 ? $"about {seconds / 60:F0} min" : $"about {seconds / 3600:F1} h";
        return $"{time} left" + (untimed.Count == 0 ? "" : $", and {notTimed}");
    }
}
