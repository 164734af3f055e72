using System.CommandLine;
using Invariscope.Analysis.Robustness;
using Invariscope.Layout;
using Invariscope.Report;
using Invariscope.Study;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope report DIR</c>: the HTML report and PNG figures, from result files only.</summary>
public static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "a study folder, a run folder (with analysis/ and robustness/), or an analysis folder" };
        var output = new Option<string?>("--out") { Description = "report folder; default DIR/report" };
        var markdown = new Option<bool>("--findings-markdown") { Description = "also print the findings as a Markdown table" };
        var command = new Command("report", "Write a self-contained HTML report with PNG figures from the result files of a study, run or analysis (no model is loaded).")
        {
            dir, output, markdown,
        };
        command.SetAction(parse =>
        {
            var results = StudyResults.Load(parse.GetValue(dir)!);
            var layout = new StudyLayout(results.Root);
            var studyFile = layout.ConfigPath;
            var options = File.Exists(studyFile) ? StudyConfig.Load(studyFile).Statistics : new StudyStatisticsOptions();
            var statistics = StudyStatistics.Compute(results, options);
            var html = StudyReport.Write(results, statistics, parse.GetValue(output) ?? layout.ReportDir);
            var stdout = parse.InvocationConfiguration.Output;
            PrintSummary(stdout, results, statistics);
            if (parse.GetValue(markdown)) stdout.Write(FindingsSection.Markdown(statistics.Findings));
            stdout.WriteLine($"report: {html}");
            return 0;
        });
        return command;
    }

    /// <summary>Final accuracies per setting and the headline correlations, one line each.</summary>
    public static void PrintSummary(TextWriter o, StudyResults results, StudyStatisticsResult statistics)
    {
        foreach (var s in results.Settings)
        {
            var last = s.Metrics.LastOrDefault();
            var rob = s.Robustness.LastOrDefault();
            var line = $"{s.Label}: {s.Task}, {s.Metrics.Count} epochs";
            if (last is not null) line += s.Task == "classification" ? $", val acc {last.ValAcc:P1}" : $", val L1 {last.ValLoss:F4}";
            if (rob is not null && s.Task == "classification")
                line += $"; test {rob.Clean.Accuracy:P1}" + (rob.Ood is null ? "" : $", OOD {rob.Ood.Accuracy:P1}") +
                        (rob.Cells.Count == 0 ? "" : $", corrupted {rob.MeanCorruptedAccuracy:P1}");
            o.WriteLine(line);
        }
        foreach (var s in statistics.Settings)
            foreach (var f in s.Families)
            {
                var h = f.Headline;
                var best = f.Best(1).FirstOrDefault();
                o.WriteLine($"{s.Label}, {f.Target}: std of forgetting across layers r = {Fmt(h?.R)} (p = {Fmt(h?.PValue)}); " +
                    $"best of {f.Tested} hypotheses {best?.Id ?? "-"} r = {Fmt(best?.R)}, Bonferroni p = {Fmt(best?.PBonferroni)}; " +
                    $"{f.SignificantBonferroniCount} survive Bonferroni, {f.SignificantHolmCount} Holm");
            }
        foreach (var s in statistics.Settings.Where(s => s.Pooled is not null))
            foreach (var f in s.Pooled!)
                o.WriteLine($"{s.Label}, {f.Target}, pooled over {f.Seeds} seeds: std of forgetting r = {Fmt(f.Headline?.PooledR)} " +
                    $"(per seed {string.Join(", ", f.Headline?.PerSeedR.Select(r => Fmt(r)) ?? [])}; first-difference p = {Fmt(f.Headline?.PDiff)}); " +
                    $"{f.RobustCount} of {f.Tested} distinct hypotheses robust");
        if (statistics.Findings.Count > 0) o.WriteLine($"findings: {Report.FindingsSection.Summary(statistics.Findings)}");
        foreach (var f in statistics.Findings)
            o.WriteLine($"  [{f.Verdict}] {f.Claim} ({string.Join(" vs ", f.Settings)}): {Fmt(f.Value)} {Report.FindingsSection.Interval(f)}");
    }

    static string Fmt(double? v) => v is double d && !double.IsNaN(d) ? d.ToString("G3") : "n/a";
}
