using Invariscope.Report;

namespace Invariscope.Study.Cells;

/// <summary>Where the report was written.</summary>
/// <param name="Html">The report's index.html.</param>
public sealed record ReportResult(string Html);

/// <summary>
/// Writes the study's HTML report (<c>report</c>) into <c>report/</c> from the result files: from the statistics
/// stage's result when it ran in this process, otherwise from the files, read again. It aggregates: done while
/// <c>report/index.html</c> is no older than <c>statistics.json</c>.
/// </summary>
public sealed class ReportStage(StageContext context, StatisticsStage statistics) : Stage<ReportResult>(context)
{
    /// <inheritdoc/>
    public override CellKind Kind => CellKind.Report;

    /// <inheritdoc/>
    public override bool Aggregates => true;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Inputs(Cell cell) => statistics.Outputs(cell);

    /// <inheritdoc/>
    public override string Folder(Cell cell) => Context.Layout.ReportDir;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Outputs(Cell cell) => [Path.Combine(Folder(cell), "index.html")];

    /// <summary>The report has no settings of its own: its title is the study's name.</summary>
    public override object Settings(Cell cell) => Context.Config.Name;

    /// <inheritdoc/>
    protected override ReportResult Execute(Cell cell, CancellationToken cancel)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (results, stats) = statistics.Last ?? statistics.Load();
        var html = StudyReport.Write(results, stats, Folder(cell), ReportSettings.Default); // `report DIR --dpi` redraws at another resolution
        Context.Log($"report written in {clock.Elapsed.TotalSeconds:F0} s");
        return new ReportResult(html);
    }

    /// <inheritdoc/>
    protected override ReportResult ReadBack(Cell cell) => new(Outputs(cell)[0]);
}
