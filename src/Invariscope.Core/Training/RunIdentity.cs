using Invariscope.Layout;
using Invariscope.Runtime;

namespace Invariscope.Training;

/// <summary>
/// Which study setting and training seed a run is: the first two columns of every CSV a run writes (metrics.csv,
/// robustness.csv, the analysis tables), so that the CSVs of a study's settings can be stacked and still be told apart.
/// </summary>
/// <param name="Setting">The study setting the run belongs to (<see cref="StudyLayout.SettingOf"/>); empty for a run outside a study.</param>
/// <param name="Seed">The run's training seed (<c>seed</c> of its config; <c>S</c> of a setting's <c>seed_S/</c>); null when unknown.</param>
public sealed record RunIdentity(string Setting, int? Seed)
{
    /// <summary>The two leading CSV columns.</summary>
    public const string CsvHeader = "setting,seed";

    /// <summary>Neither known (an analysis of a checkpoint file outside any run).</summary>
    public static RunIdentity None { get; } = new("", null);

    /// <summary>This identity's two CSV fields, with the comma that follows them.</summary>
    public string CsvPrefix => Csv.Row(Setting, Csv.Integer(Seed)) + ",";

    /// <summary>The identity of the run in <paramref name="run"/>: its study setting (from the folder) and the seed of its config.json.</summary>
    /// <exception cref="InvariscopeException">An unreadable config.json (named).</exception>
    public static RunIdentity Of(RunLayout run) => new(StudyLayout.SettingOf(run.Root) ?? "", RunFiles.ReadConfig(run)?.Seed);

    /// <summary>
    /// The identity of what an analysis compares against p: a run folder, or a checkpoint file inside a run's
    /// <c>checkpoints/</c> (that run); <see cref="None"/> for any other file.
    /// </summary>
    public static RunIdentity OfFinetuned(string finetuned)
    {
        if (Directory.Exists(finetuned)) return new RunLayout(finetuned) is { Exists: true } run ? Of(run) : None;
        var dir = Path.GetDirectoryName(Path.GetFullPath(finetuned));
        var parent = dir is null ? null : Path.GetDirectoryName(dir);
        return parent is not null && new RunLayout(parent) is { Exists: true } owner && Path.GetFullPath(owner.CheckpointDir) == dir ? Of(owner) : None;
    }
}
