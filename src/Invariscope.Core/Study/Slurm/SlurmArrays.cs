using Invariscope.Study.Cells;

namespace Invariscope.Study.Slurm;

/// <summary>
/// A job array of a study: cells of one kind and one run (or start), one task each, and the cells outside it that
/// must succeed first. A training cell is an array of one, so every task's log is <c>logs/JOB_TASK.out</c>.
/// </summary>
/// <param name="Name">Readable and unique in a submission: <c>train+ft+seed_0</c>, <c>analysis+ft</c>, <c>statistics</c>.</param>
/// <param name="Kind">The cells' kind.</param>
/// <param name="Cells">Cell ids in task order (task i runs <c>Cells[i]</c>).</param>
/// <param name="After">Ids of the cells outside this array that it waits for (<c>afterok</c>).</param>
public sealed record SlurmArray(string Name, CellKind Kind, IReadOnlyList<string> Cells, IReadOnlyList<string> After);

/// <summary>
/// Splits a study's cells into job arrays, the way the study's stages and dependencies fall: one job per training
/// run; per run an array of its robustness epochs and one of its analysis cells (epoch × STIR seed); per pretrained
/// start an array of its inversion seeds; then statistics, then the report. An array waits for every cell its
/// cells depend on, so one array per run lets a run's robustness and analysis start as soon as that run has
/// trained, while the others still train.
/// </summary>
public static class SlurmArrays
{
    /// <summary>Tasks per array at most: Slurm's default MaxArraySize is 1001 (indices 0..1000); a longer array is split.</summary>
    public const int MaxTasks = 1000;

    /// <summary>
    /// The arrays of <paramref name="plan"/>'s cells that are not in <paramref name="skip"/> (done, or already queued
    /// or running), in an order where each array comes after every array it waits for. A dependency in
    /// <paramref name="skip"/> that is done is dropped from <see cref="SlurmArray.After"/>; one that is queued stays
    /// (the caller names its job).
    /// </summary>
    public static IReadOnlyList<SlurmArray> For(StudyPlan plan, IReadOnlySet<string> skip, IReadOnlySet<string> done, int maxTasks = MaxTasks)
    {
        var arrays = new List<SlurmArray>();
        foreach (var group in plan.Cells.Where(c => !skip.Contains(c.Id)).GroupBy(GroupName)) // plan order: dependencies first
        {
            var cells = group.ToList();
            for (int part = 0; part * maxTasks < cells.Count; part++)
            {
                var slice = cells.Skip(part * maxTasks).Take(maxTasks).ToList();
                var inside = slice.Select(c => c.Id).ToHashSet();
                var after = slice.SelectMany(c => c.DependsOn).Where(d => !inside.Contains(d) && !done.Contains(d)).Distinct().ToList();
                string name = cells.Count > maxTasks ? $"{group.Key}.{part}" : group.Key;
                arrays.Add(new SlurmArray(name, cells[0].Kind, [.. slice.Select(c => c.Id)], after));
            }
        }
        return arrays;
    }

    /// <summary>The array a cell goes to: its kind and its run's (or start's) folder, with '+' for '/'.</summary>
    public static string GroupName(Cell cell) => cell.Kind switch
    {
        CellKind.Statistics or CellKind.Report => CellIds.Name(cell.Kind),
        CellKind.Inversion => $"inversion+{cell.Start!.Name}",
        _ => $"{CellIds.Name(cell.Kind)}+{cell.Run!.Dir.Replace('/', '+')}",
    };
}
