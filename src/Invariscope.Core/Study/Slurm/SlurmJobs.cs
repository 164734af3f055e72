using System.Text.Json.Serialization;
using Invariscope.Layout;
using Invariscope.Runtime;

namespace Invariscope.Study.Slurm;

/// <summary>One submitted job array: its job id and, in task order, its cells.</summary>
/// <param name="Name">The array's name (<see cref="SlurmArray.Name"/>).</param>
/// <param name="Job">Slurm's job id of the array.</param>
/// <param name="Cells">Task i ran cell <c>Cells[i]</c>.</param>
/// <param name="Script">The sbatch script.</param>
/// <param name="Dependency">The <c>--dependency</c> it was submitted with, or empty.</param>
public sealed record SubmittedArray(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("job")] long Job,
    [property: JsonPropertyName("cells")] IReadOnlyList<string> Cells,
    [property: JsonPropertyName("script")] string Script,
    [property: JsonPropertyName("dependency")] string Dependency);

/// <summary>One <c>study --executor slurm</c> or <c>study resubmit</c>: what it ran with, and the arrays it submitted.</summary>
/// <param name="At">When (UTC).</param>
/// <param name="Task">The command every task runs.</param>
/// <param name="Options">The resources asked.</param>
/// <param name="Arrays">The arrays, in submission order.</param>
public sealed record Submission(
    [property: JsonPropertyName("at")] DateTime At,
    [property: JsonPropertyName("task")] TaskCommand Task,
    [property: JsonPropertyName("options")] SlurmOptions Options,
    [property: JsonPropertyName("arrays")] IReadOnlyList<SubmittedArray> Arrays);

/// <summary>
/// <c>slurm/jobs.json</c>: every submission of a study, oldest first. Rewritten atomically after each array is
/// submitted, so a submitter killed half-way leaves a record of every job it got an id for.
/// </summary>
/// <param name="Submissions">The submissions.</param>
public sealed record SlurmJobs([property: JsonPropertyName("submissions")] IReadOnlyList<Submission> Submissions)
{
    /// <summary>The study's record, or an empty one.</summary>
    public static SlurmJobs Read(StudyLayout layout) => Json.Read<SlurmJobs>(layout.SlurmJobs) ?? new SlurmJobs([]);

    /// <summary>Writes the record atomically.</summary>
    public void Write(StudyLayout layout) => Json.Write(layout.SlurmJobs, this);

    /// <summary>Each cell's latest task: (job, task index), the last submission that included it winning.</summary>
    public IReadOnlyDictionary<string, (long job, int task)> Latest()
    {
        var latest = new Dictionary<string, (long, int)>();
        foreach (var array in Submissions.SelectMany(s => s.Arrays))
            for (int i = 0; i < array.Cells.Count; i++) latest[array.Cells[i]] = (array.Job, i);
        return latest;
    }

    /// <summary>The job ids of every array submitted.</summary>
    public IReadOnlySet<long> Jobs => Submissions.SelectMany(s => s.Arrays).Select(a => a.Job).ToHashSet();
}
