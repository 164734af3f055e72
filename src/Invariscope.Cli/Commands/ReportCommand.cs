using System.CommandLine;
using Invariscope.Analysis.Robustness;
using Invariscope.Layout;
using Invariscope.Report;
using Invariscope.Study;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope report DIR</c>: the HTML report and its figures (PNG and SVG), from result files only.</summary>
public static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "a study folder, a run folder (with analysis/ and robustness/), or an analysis folder" };
        var output = new Option<string?>("--out") { Description = "report folder; default DIR/report" };
        var markdown = new Option<bool>("--findings-markdown") { Description = "also print the findings as a Markdown table" };
        var dpi = new Option<int>("--dpi")
        {
            Description = $"PNG resolution ({ReportSettings.DefaultDpi} = one pixel per CSS pixel, 192 for high-density screens, 300 for print; every figure is also written as SVG)",
            DefaultValueFactory = _ => ReportSettings.DefaultDpi,
        };
        // a dpi out of range is a usage error (exit 2), by the settings' own rule
        dpi.Validators.Add(result =>
        {
            try { new ReportSettings { Dpi = result.GetValueOrDefault<int>() }.Validate(); }
            catch (Runtime.InvariscopeException e) { result.AddError(e.Message); }
        });
        var command = new Command("report", "Write a self-contained HTML report with PNG and SVG figures from the result files of a study, run or analysis (no model is loaded).")
        {
            dir, output, markdown, dpi,
        };
        command.SetAction(parse =>
        {
            var settings = new ReportSettings { Dpi = parse.GetValue(dpi) };
            var results = StudyResults.Load(parse.GetValue(dir)!);
            var layout = new StudyLayout(results.Root);
            var studyFile = layout.ConfigPath;
            var options = File.Exists(studyFile) ? StudyConfig.Load(studyFile).Statistics : new StudyStatisticsOptions();
            var statistics = StudyStatistics.Compute(results, options);
            var html = StudyReport.Write(results, statistics, parse.GetValue(output) ?? layout.ReportDir, settings);
            var stdout = parse.InvocationConfiguration.Output;
            StudyOutput.PrintSummary(stdout, results, statistics);
            if (parse.GetValue(markdown)) stdout.Write(FindingsSection.Markdown(statistics.Findings));
            stdout.WriteLine($"report: {html}");
            return 0;
        });
        return command;
    }
}
