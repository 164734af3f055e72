using System.CommandLine;
using Invariscope.Study;
using Invariscope.Report;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope study CONFIG.json</c>: run every setting of a study, analyse, correlate and report.</summary>
public static class StudyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "study config (JSON): common train fields, settings, analysis, robustness" };
        var output = new Option<string?>("--out") { Description = "study folder (resumes what is there); default runs/<config file name>" };
        var command = new Command("study", "Run a study: train every setting with per-epoch checkpoints, evaluate robustness, analyse invariances, correlate, and write the report.")
        {
            config, output,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(config)!;
            var study = StudyConfig.Load(path);
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var root = parse.GetValue(output) ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(path));
            return Execute(parse, study, root, dev);
        });
        return command;
    }

    /// <summary>Runs (or resumes) a study with progress output, writes the report and prints the headline numbers.</summary>
    public static int Execute(ParseResult parse, StudyConfig study, string root, TorchSharp.torch.Device device)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var callbacks = new StudyCallbacks(stdout.WriteLine, TrainCommand.StepBar(), label => new ProgressBar(label, "step"));
        return Cancellable.Run(parse, cancel =>
        {
            var started = DateTime.UtcNow;
            var (results, statistics) = new StudyRunner(study, root, device, callbacks).Run(cancel);
            var reportClock = System.Diagnostics.Stopwatch.StartNew();
            var html = StudyReport.Write(results, statistics, new Layout.StudyLayout(results.Root).ReportDir);
            stdout.WriteLine($"report written in {reportClock.Elapsed.TotalSeconds:F0} s");
            stdout.WriteLine();
            ReportCommand.PrintSummary(stdout, results, statistics);
            stdout.WriteLine($"finished in {(DateTime.UtcNow - started).TotalMinutes:F1} min");
            stdout.WriteLine($"report: {html}");
            return 0;
        }, "invariscope: stopped; run the same command again to resume");
    }
}
