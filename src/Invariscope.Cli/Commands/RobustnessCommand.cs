using System.CommandLine;
using Invariscope.Evaluation;
using Invariscope.Layout;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope robustness RUN</c>: clean, OOD and corrupted accuracy of every epoch of a run.</summary>
public static class RobustnessCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var d = new RobustnessSettings();
        var run = new Argument<string>("run") { Description = "a training run folder (every complete epoch is evaluated)" };
        var data = new Option<string>("--data") { Description = "ID test data spec; the corruptions are applied to it", Required = true };
        var ood = new Option<string?>("--ood-data") { Description = "OOD test data spec (same classes)" };
        var corruptions = new Option<string>("--corruptions") { Description = "all, none, or a comma list", DefaultValueFactory = _ => d.Corruptions };
        var severities = new Option<string>("--severities") { Description = "e.g. 1-5 or 1,3,5", DefaultValueFactory = _ => d.Severities };
        var limit = new Option<int?>("--limit") { Description = "test images per cell (seeded subset)", DefaultValueFactory = _ => d.Limit };
        var cifarC = new Option<string?>("--cifar-c") { Description = "CIFAR-10-C folder of .npy files instead of corrupting on the fly" };
        var seed = new Option<int>("--seed") { Description = "seed of the corruption noise and subset", DefaultValueFactory = _ => d.Seed };
        var batch = new Option<int>("--batch-size") { Description = "evaluation batch size", DefaultValueFactory = _ => d.BatchSize };
        var command = new Command("robustness", "Accuracy of every epoch of a run on clean, OOD and corrupted test data (corruptions × severities), into RUN/robustness/.")
        {
            run, data, ood, corruptions, severities, limit, cifarC, seed, batch,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var settings = new RobustnessSettings
            {
                Data = parse.GetValue(data)!, OodData = parse.GetValue(ood), Corruptions = parse.GetValue(corruptions)!,
                Severities = parse.GetValue(severities)!, Limit = parse.GetValue(limit), CifarC = parse.GetValue(cifarC),
                Seed = parse.GetValue(seed), BatchSize = parse.GetValue(batch),
            }.Validate();
            var folder = new RunLayout(parse.GetValue(run)!);
            if (!folder.Exists) throw new Runtime.InvariscopeException($"{folder.Root}: not a run folder (no config.json)");
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var stdout = parse.InvocationConfiguration.Output;
            return Cancellable.Run(parse, cancel =>
            {
                var rows = RunRobustness.Run(folder, settings, dev, LogLine.To(stdout), new ProgressBar("evaluate", "set"), cancel);
                stdout.WriteLine($"{"epoch",5} {"clean",7} {"OOD",7} {"corrupted",9}  by severity");
                foreach (var r in rows)
                    stdout.WriteLine($"{r.Epoch,5} {r.Clean.Accuracy,7:P1} {(r.Ood is null ? "-" : r.Ood.Accuracy.ToString("P1")),7} {r.MeanCorruptedAccuracy,9:P1}  " +
                        string.Join(" ", r.AccuracyBySeverity.Select(kv => $"{kv.Key}:{kv.Value:P1}")));
                stdout.WriteLine($"results: {folder.Robustness.Csv} (+ epoch_NNN.json)");
                return 0;
            }, $"invariscope: stopped; finished epochs are kept, run the same command again to resume");
        });
        return command;
    }
}
