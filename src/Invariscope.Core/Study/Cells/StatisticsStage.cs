using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Training;

namespace Invariscope.Study.Cells;

/// <summary>The study's result files as loaded, and the statistics computed from them.</summary>
public sealed record StatisticsResult(StudyResults Results, StudyStatisticsResult Statistics);

/// <summary>
/// The study's <c>statistics</c> cell. It first collects each run's aggregates from its cells (so they are written
/// once, whatever order the cells ran in): <c>RUN/robustness/robustness.csv</c> and <c>RUN/analysis/results.json</c>
/// with its CSV tables; then loads every result file and writes the study's tables (<see cref="StudyTables"/>) and
/// <c>statistics.json</c>. Inputs: every setting run's
/// train, robustness and analysis cells. It aggregates: done while <c>statistics.json</c> is no older than they are.
/// </summary>
public sealed class StatisticsStage(StageContext context) : Stage<StatisticsResult>(context)
{
    /// <summary>The result of the last time this stage ran or was read back in this process.</summary>
    public StatisticsResult? Last { get; private set; }

    /// <inheritdoc/>
    public override CellKind Kind => CellKind.Statistics;

    /// <inheritdoc/>
    public override bool Aggregates => true;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Inputs(Cell cell) => [Context.Layout.ConfigPath];

    /// <inheritdoc/>
    public override string Folder(Cell cell) => Context.Root;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Outputs(Cell cell) =>
        [Context.Layout.PerLayerCsv, Context.Layout.HypothesesCsv, Context.Layout.PooledHypothesesCsv, Context.Layout.StatisticsPath];

    /// <inheritdoc/>
    public override object Settings(Cell cell) => Context.Config.Statistics;

    /// <inheritdoc/>
    protected override StatisticsResult Execute(Cell cell, CancellationToken cancel)
    {
        var config = Context.Config;
        foreach (var s in config.Settings)
            foreach (var (seed, dir) in s.Runs)
            {
                var run = new StudyRun(dir, s, seed);
                if (s.Robustness && config.Robustness is not null) RunRobustness.Collect(Context.Folder(run));
                if (!s.Analyze) continue;
                using var analysis = new InvarianceAnalysis(Context.AnalysisSettings(run), Context.AnalysisFolder(run), Context.Device);
                analysis.Collect();
            }
        var results = StudyResults.Load(Context.Root);
        return Last = new StatisticsResult(results, StudyStatistics.Write(results, config.Statistics, Context.Root));
    }

    /// <inheritdoc/>
    protected override StatisticsResult ReadBack(Cell cell) => Load();

    /// <summary>Reporting reads result files only: the statistics are computed again from them (as <c>statistics.json</c> holds them).</summary>
    public StatisticsResult Load()
    {
        var results = StudyResults.Load(Context.Root);
        return Last = new StatisticsResult(results, StudyStatistics.Compute(results, Context.Config.Statistics));
    }
}
