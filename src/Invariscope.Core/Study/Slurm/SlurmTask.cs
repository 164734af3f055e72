using Invariscope.Layout;
using Invariscope.Runtime;

namespace Invariscope.Study.Slurm;

/// <summary>A cell's record of why its Slurm task failed, for <c>study status</c>.</summary>
/// <param name="Cell">The cell.</param>
/// <param name="Job">The task (<c>ARRAYJOB_TASK</c>).</param>
/// <param name="Error">The one-line error the task printed.</param>
/// <param name="At">When (UTC).</param>
public sealed record CellFailure(
    [property: System.Text.Json.Serialization.JsonPropertyName("cell")] string Cell,
    [property: System.Text.Json.Serialization.JsonPropertyName("job")] string Job,
    [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error,
    [property: System.Text.Json.Serialization.JsonPropertyName("at")] DateTime At);

/// <summary>
/// What a cell does when it runs as a Slurm task (<c>SLURM_JOB_ID</c> is set): record its failure, and requeue
/// itself when the time-limit signal stopped it.
/// </summary>
public static class SlurmTask
{
    /// <summary>This task's own job id (each array task has one), or null outside Slurm.</summary>
    public static string? JobId => Environment.GetEnvironmentVariable("SLURM_JOB_ID") is { Length: > 0 } id ? id : null;

    /// <summary>This task as <c>ARRAYJOB_TASK</c> (how logs and <c>status</c> name it), or its job id.</summary>
    public static string? Name =>
        Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID") is { Length: > 0 } job && Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID") is { Length: > 0 } task
            ? $"{job}_{task}" : JobId;

    /// <summary>A cell starts (again): its earlier failure no longer holds.</summary>
    public static void Starting(StudyLayout layout, string cell)
    {
        if (JobId is null || !File.Exists(layout.CellFailure(cell))) return;
        File.Delete(layout.CellFailure(cell));
    }

    /// <summary>Records why the cell failed (inside a Slurm task only).</summary>
    public static void Failed(StudyLayout layout, string cell, string error)
    {
        if (JobId is null) return;
        try { Json.Write(layout.CellFailure(cell), new CellFailure(cell, Name!, error, DateTime.UtcNow)); }
        catch (IOException) { } // the task's log and Slurm's state still say it failed
    }

    /// <summary>The recorded failure of a cell, or null.</summary>
    public static CellFailure? FailureOf(StudyLayout layout, string cell)
    {
        try { return Json.Read<CellFailure>(layout.CellFailure(cell)); }
        catch (InvariscopeException) { return null; } // a half-read record is as good as none
    }
}
