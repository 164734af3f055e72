using System.CommandLine;
using Invariscope.Report;
using Invariscope.Study;

namespace Invariscope.Cli;

/// <summary>What the study, demo and report commands print: a whole study run with progress, and the summary lines.</summary>
public static class StudyOutput
{
    /// <summary><c>--jobs N|auto</c>: cells run at a time in this process (<see cref="ParallelCells"/>). A bad value is a usage error.</summary>
    public static Option<string> Jobs()
    {
        var option = new Option<string>("--jobs")
        {
            Description = "cells run at a time in this process, the CPU threads shared out between them: a number, or auto " +
                          "(for micro models on the CPU one per thread, each cell on one thread; otherwise one)",
            DefaultValueFactory = _ => "auto",
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value != "auto" && !(int.TryParse(value, out var n) && n >= 1)) result.AddError($"--jobs {value}: must be auto or a number of at least 1");
        });
        return option;
    }

    /// <summary>The workers for <c>--jobs</c>'s <paramref name="value"/> (after the threads are applied).</summary>
    public static int ResolveJobs(string value, StudyConfig study, TorchSharp.torch.Device device) => value != "auto"
        ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
        : ParallelCells.Auto(study, device, Runtime.CpuThreads.Applied?.Threads ?? 1);

    /// <summary>Runs (or resumes) a whole study with progress output (report included) and prints the headline numbers.</summary>
    public static int Run(ParseResult parse, StudyConfig study, string root, TorchSharp.torch.Device device, int jobs = 1)
    {
        var stdout = parse.InvocationConfiguration.Output;
        return Cancellable.Run(parse, cancel =>
        {
            var started = DateTime.UtcNow;
            var outcome = new StudyRunner(study, root, device, Callbacks(stdout)).Run(cancel, jobs);
            stdout.WriteLine();
            PrintSummary(stdout, outcome.Results, outcome.Statistics);
            stdout.WriteLine($"finished in {(DateTime.UtcNow - started).TotalMinutes:F1} min");
            stdout.WriteLine($"report: {outcome.Report}");
            return 0;
        }, "invariscope: stopped; run the same command again to resume");
    }

    /// <summary>Log lines on <paramref name="stdout"/>, each after its time stamp; progress bars (training steps, evaluations, inversions) on stderr.</summary>
    public static StudyCallbacks Callbacks(TextWriter stdout) =>
        new(LogLine.To(stdout), ProgressBar.TrainingSteps(), label => new ProgressBar(label, "step"));

    /// <summary>Final accuracies per setting and the headline correlations, one line each.</summary>
    public static void PrintSummary(TextWriter o, StudyResults results, StudyStatisticsResult statistics)
    {
        foreach (var s in results.Settings)
        {
            var last = s.Metrics.LastOrDefault();
            var rob = s.Robustness.LastOrDefault();
            var line = $"{s.Label}: {s.Task}, {s.Metrics.Count} epochs";
            // NaN: the run had no validation set (val_fraction 0, no val_data); metrics.json holds "NaN" for it
            if (last is not null) line += double.IsNaN(last.ValLoss) ? ", no validation set"
                : s.Task == "classification" ? $", val acc {last.ValAcc:P1}" : $", val L1 {last.ValLoss:F4}";
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
        if (statistics.Findings.Count > 0) o.WriteLine($"findings: {FindingsSection.Summary(statistics.Findings)}");
        foreach (var f in statistics.Findings)
            o.WriteLine($"  [{f.Verdict}] {f.Claim} ({string.Join(" vs ", f.Settings)}): {Fmt(f.Value)} {FindingsSection.Interval(f)}");
    }

    static string Fmt(double? v) => v is double d && !double.IsNaN(d) ? d.ToString("G3") : "n/a";
}
