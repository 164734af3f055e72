using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Invariscope.Data;
using Invariscope.Evaluation;
using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Cli.Commands;

/// <summary>
/// <c>invariscope evaluate</c>: loss and accuracy of a checkpoint on clean data, or on corruptions × severities
/// (on the fly, or read from a CIFAR-C folder).
/// </summary>
public static class EvaluateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "ViT weights (.safetensors; a run's epoch_NNN.safetensors, or timm/HF/ours)", Required = true };
        var config = new Option<string?>("--config") { Description = "architecture JSON for a checkpoint that carries none (timm arguments or HF config.json)" };
        var preset = new Option<string?>("--preset") { Description = $"named architecture for a checkpoint that carries none ({string.Join(", ", VitPresets.Names)})" };
        var data = new Option<string?>("--data") { Description = "dataset spec (see 'invariscope data --help'); optional with --cifar-c" };
        var corruptions = new Option<string?>("--corruptions") { Description = "evaluate on corruptions: all, or a list like gaussian_noise,fog" };
        var severities = new Option<string?>("--severities") { Description = "corruption severities: 1-5 (default) or a list like 1,3,5" };
        var cifarC = new Option<string?>("--cifar-c") { Description = "CIFAR-10-C folder (<corruption>.npy, labels.npy) to read instead of corrupting --data on the fly" };
        var limit = new Option<int?>("--limit") { Description = "at most N examples per cell (a seeded random subset)" };
        var seed = new Option<int>("--seed") { Description = "seed of the corruption noise and the --limit subset", DefaultValueFactory = _ => 0 };
        var normalize = new Option<string?>("--normalize") { Description = $"normalisation ({string.Join(", ", Normalization.PresetNames)}); default: the run's sidecar, else vit" };
        var batch = new Option<int>("--batch-size") { Description = "images per forward pass", DefaultValueFactory = _ => 256 };
        var output = new Option<string?>("--out") { Description = "output prefix: writes PREFIX.json (and PREFIX.csv for corruptions)" };
        var command = new Command("evaluate", "Loss and accuracy of a checkpoint on clean data, or per corruption and severity.")
        {
            checkpoint, config, preset, data, corruptions, severities, cifarC, limit, seed, normalize, batch, output,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var stdout = parse.InvocationConfiguration.Output;
            string? cifarDir = parse.GetValue(cifarC), dataSpec = parse.GetValue(data);
            bool corrupted = cifarDir is not null || parse.GetValue(corruptions) is not null || parse.GetValue(severities) is not null;
            var plan = corrupted
                ? new CorruptionPlan(CorruptionPlan.ParseCorruptions(parse.GetValue(corruptions), anyName: cifarDir is not null),
                    CorruptionPlan.ParseSeverities(parse.GetValue(severities)), parse.GetValue(limit), parse.GetValue(seed), cifarDir)
                : null;
            if (dataSpec is null && cifarDir is null) throw new InvariscopeException("--data is required (unless --cifar-c DIR is given)");
            if (parse.GetValue(limit) is < 1) throw new InvariscopeException($"--limit must be positive, got {parse.GetValue(limit)}");
            var weights = parse.GetValue(checkpoint)!;
            if (!File.Exists(weights)) throw new InvariscopeException($"{weights}: no such file");
            var dataset = dataSpec is null ? null : DatasetSpecs.Open(dataSpec);
            using var model = EvaluatedCheckpoint.Load(weights, parse.GetValue(config), parse.GetValue(preset), parse.GetValue(normalize));
            var prefix = parse.GetValue(output);
            if (plan is null)
            {
                var set = parse.GetValue(limit) is int n ? dataset!.Limit(n, parse.GetValue(seed)) : dataset!;
                var r = model.Evaluate(set, parse.GetValue(batch), dev, new ProgressBar("evaluate"));
                stdout.WriteLine(model.Task == "classification"
                    ? $"{set.Name}: loss {r.Loss.ToString("F4", CultureInfo.InvariantCulture)} accuracy {(100 * r.Accuracy).ToString("F2", CultureInfo.InvariantCulture)}% (n={r.N})"
                    : $"{set.Name}: L1 loss {r.Loss.ToString("F4", CultureInfo.InvariantCulture)} (n={r.N})");
                if (prefix is not null)
                {
                    var doc = new JsonObject
                    {
                        ["checkpoint"] = weights, ["task"] = model.Task, ["normalize"] = model.Normalize, ["data"] = set.Name,
                        ["loss"] = r.Loss, ["accuracy"] = r.Accuracy, ["n"] = r.N,
                    };
                    Json.Write(prefix + ".json", doc);
                    stdout.WriteLine($"wrote {prefix}.json");
                }
                return 0;
            }
            var report = CorruptionEvaluation.Run(model, dataset, plan, parse.GetValue(batch), dev, new ProgressBar("evaluate", "cell"));
            stdout.Write(report.FormatTable());
            if (prefix is not null)
            {
                AtomicFile.WriteText(prefix + ".json", report.ToJson());
                AtomicFile.WriteText(prefix + ".csv", report.ToCsv());
                stdout.WriteLine($"wrote {prefix}.json, {prefix}.csv");
            }
            return 0;
        });
        return command;
    }
}
