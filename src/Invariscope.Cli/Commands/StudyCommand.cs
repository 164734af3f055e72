using System.CommandLine;
using Invariscope.Study;
using Invariscope.Study.Cells;
using Invariscope.Study.Slurm;

namespace Invariscope.Cli.Commands;

/// <summary>
/// <c>invariscope study CONFIG.json</c>: run every cell of a study (train, evaluate, analyse, correlate, report);
/// <c>--plan</c> prints the cells and their dependencies as JSON; <c>--cell ID</c> runs one cell; <c>--executor slurm</c>
/// submits the cells as Slurm job arrays (<see cref="StudySlurmCommands"/> has <c>status</c> and <c>resubmit</c>).
/// </summary>
public static class StudyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "study config (JSON): common train fields, settings, analysis, robustness" };
        var output = new Option<string?>("--out") { Description = "study folder (resumes what is there); default runs/<config file name>" };
        var plan = new Option<bool>("--plan")
        {
            Description = "print the study's cells and their dependencies as JSON and exit (creates nothing). Cells: train/RUN, " +
                          "robustness/RUN/epoch_NNN, inversion/START/sK, analysis/RUN/epoch_NNN/sK, statistics, report; RUN is pretrain, NAME or NAME/seed_S",
        };
        var cell = new Option<string?>("--cell")
        {
            Description = "run one cell (an id from --plan), e.g. train/ft/seed_0; fails if a cell it depends on is not done, skips it if it is done itself",
        };
        var executor = new Option<string>("--executor")
        {
            Description = "local (run every cell in this process) or slurm (submit the cells as job arrays linked by afterok dependencies, then exit)",
            DefaultValueFactory = _ => "local",
        };
        executor.AcceptOnlyFromAmong("local", "slurm");
        var jobs = StudyOutput.Jobs();
        var slurm = new SlurmFlags();
        var command = new Command("study",
            "Run a study: train every setting with per-epoch checkpoints, evaluate robustness, analyse invariances, correlate, and write the report. " +
            "The work is split into cells that can also run one per process (--plan, --cell), in any order their dependencies allow.")
        {
            config, output, plan, cell, executor, jobs,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        slurm.AddTo(command);
        command.Subcommands.Add(StudySlurmCommands.Status());
        command.Subcommands.Add(StudySlurmCommands.Resubmit());
        command.SetAction(parse =>
        {
            var path = parse.GetValue(config)!;
            var id = parse.GetValue(cell);
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            if (parse.GetValue(plan) && id is not null) return Usage(stderr, "--plan and --cell exclude each other");
            if (parse.GetResult(jobs) is { Implicit: false } && (id is not null || parse.GetValue(executor) == "slurm"))
                return Usage(stderr, "--jobs runs a study's cells side by side in this process; with --cell or --executor slurm each cell runs alone");
            var study = StudyConfig.Load(path);
            if (parse.GetValue(plan))
            {
                stdout.WriteLine(StudyPlan.For(study).ToJson());
                return 0;
            }
            if (id is not null && StudyPlan.For(study).Find(id) is null) return Usage(stderr, $"unknown cell '{id}' (see --plan for the ids)");
            var root = parse.GetValue(output) ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(path));
            if (parse.GetValue(executor) == "slurm")
            {
                if (id is not null) return Usage(stderr, "--cell runs one cell here; --executor slurm submits the study");
                var options = slurm.Read(parse, null, parse.GetResult(device) is null ? null : parse.GetValue(device), parse.GetValue(torchLib));
                return StudySlurmCommands.Submit(parse, study, root, options, slurm.DryRun(parse));
            }
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            if (id is null) return StudyOutput.Run(parse, study, root, dev, StudyOutput.ResolveJobs(parse.GetValue(jobs)!, study, dev));
            var layout = new Invariscope.Layout.StudyLayout(root);
            return Cancellable.Run(parse, cancel =>
            {
                var runner = new StudyRunner(study, root, dev, StudyOutput.Callbacks(stdout));
                try
                {
                    SlurmTask.Starting(layout, id);
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var result = runner.RunCell(id, cancel);
                    if (result is ReportResult report) stdout.WriteLine($"report: {report.Html}");
                    // when and how long, for the Slurm logs (scripts/slurm/overhead.sh reads these lines)
                    stdout.WriteLine($"[{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}] {id}: finished in {clock.Elapsed.TotalSeconds:F3} s");
                    return 0;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    SlurmTask.Failed(layout, id, e is Runtime.InvariscopeException ? e.Message : CliApp.LastNet(e));
                    throw;
                }
            }, "invariscope: stopped; run the same command again to resume the cell", () => StudySlurmCommands.Requeue(stderr, id));
        });
        return command;
    }

    static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"invariscope: error: {message}");
        return 2;
    }
}
