using System.CommandLine;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Cli.Commands;

/// <summary>
/// <c>invariscope train</c> and <c>invariscope finetune</c>: run a <see cref="TrainConfig"/> (a JSON file and/or
/// flags) into a run folder, with per-epoch checkpoints and <c>--resume</c>.
/// </summary>
public static class TrainCommand
{
    /// <summary><c>train</c>: from scratch by default.</summary>
    public static Command CreateTrain() => Create("train", "Train a ViT (from scratch by default) with per-epoch checkpoints.", "scratch");

    /// <summary>
    /// <c>finetune</c>: <c>train</c> with <c>--strategy ft</c> by default, from <c>--init</c>. It takes every option of
    /// <c>train</c>; its help lists only what finetuning adds, and points to <c>train --help</c> for the rest.
    /// </summary>
    public static Command CreateFinetune() => Create("finetune",
        "Finetune a ViT from --init: train with --strategy ft by default. Every option of 'invariscope train' applies too " +
        "(--data, --epochs, --out, --resume, --set, ...: see 'invariscope train --help'); listed here is what finetuning adds. " +
        "Finetuning fields for --set: lp_epochs, probe_lr (lp, lp-ft), hp_epochs, hp_target_acc (hp-ft), freeze.", "ft");

    /// <summary>The options <c>finetune --help</c> shows: those that only matter when starting from a checkpoint.</summary>
    static readonly string[] FinetuneOptions = ["--init", "--init-config", "--strategy", "--preset"];

    static Command Create(string name, string description, string defaultStrategy)
    {
        var configFile = new Option<string?>("--config") { Description = "experiment config JSON (fields as in config.json of a run)" };
        var preset = new Option<string?>("--preset") { Description = "named settings: 'paper' = Merlin et al.'s finetuning (SGD, lr 1e-3, batch 256, warm-up 100, clip 1, cosine, 100 epochs)" };
        var set = new Option<string[]>("--set") { Description = "override any config field: --set field=value (repeatable)", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string>("--out") { Description = "run folder", Required = true };
        var resume = new Option<bool>("--resume") { Description = "continue the run in --out from its last complete epoch" };
        // Typed shortcuts for the common fields; each maps to the config field of the same name.
        var fields = new (Option<string?> option, string field)[]
        {
            (new Option<string?>("--strategy") { Description = $"scratch | ft | lp | lp-ft | hp-ft (default {defaultStrategy})" }, "strategy"),
            (new Option<string?>("--task") { Description = "classification | reconstruction" }, "task"),
            (new Option<string?>("--init") { Description = "checkpoint to start from (timm, HF or ours)" }, "init"),
            (new Option<string?>("--init-config") { Description = "architecture JSON for --init when it carries none" }, "init_config"),
            (new Option<string?>("--model") { Description = "architecture preset for scratch (e.g. vit_micro_patch4_16, B/32)" }, "model"),
            (new Option<string?>("--data") { Description = "training dataset spec (see 'invariscope data --help')" }, "data"),
            (new Option<string?>("--val-data") { Description = "validation dataset spec (default: split off val_fraction)" }, "val_data"),
            (new Option<string?>("--epochs") { Description = "epochs of the main phase" }, "epochs"),
            (new Option<string?>("--batch-size") { Description = "images per step" }, "batch_size"),
            (new Option<string?>("--lr") { Description = "peak learning rate" }, "lr"),
            (new Option<string?>("--optimizer") { Description = "sgd | adamw" }, "optimizer"),
            (new Option<string?>("--seed") { Description = "seed for init, data order and augmentation" }, "seed"),
        };
        var command = new Command(name, description) { configFile, preset, set, output, resume };
        foreach (var (option, _) in fields) command.Options.Add(option);
        // what shell completion offers for the fields with a fixed set of values
        preset.CompletionSources.Add("paper");
        foreach (var (option, field) in fields)
            option.CompletionSources.Add(field switch
            {
                "strategy" => ["scratch", "ft", "lp", "lp-ft", "hp-ft"],
                "task" => ["classification", "reconstruction"],
                "optimizer" => ["sgd", "adamw"],
                _ => [],
            });
        var (device, torchLib) = CommonOptions.AddTo(command);
        if (name == "finetune")
            foreach (var option in command.Options.Where(o => !FinetuneOptions.Contains(o.Name) && o is not System.CommandLine.Help.HelpOption)) option.Hidden = true;
        command.SetAction(parse =>
        {
            var config = parse.GetValue(configFile) is { } path ? TrainConfig.Load(path)
                : parse.GetValue(preset) switch
                {
                    null => new TrainConfig { Strategy = defaultStrategy },
                    "paper" => TrainConfig.PaperFinetune,
                    var other => throw new UsageError($"--preset {other}: unknown (known: paper)"),
                };
            // a field set twice (two --set, or a flag and a --set) is an error: the last one would win silently
            var given = new Dictionary<string, string>();
            void Give(string field, string how)
            {
                if (given.TryGetValue(field, out var first)) throw new InvariscopeException($"config field '{field}' is given twice ({first} and {how})");
                given[field] = how;
            }
            // a value the field's type cannot hold, or an unknown field, is a usage error like a typed flag's
            TrainConfig With(TrainConfig c, string field, string value, string given)
            {
                try { return c.With(field, value, given); }
                catch (InvariscopeException e) { throw new UsageError(e.Message, e); }
            }
            foreach (var (option, field) in fields)
                if (parse.GetValue(option) is { } value) { Give(field, $"{option.Name} {value}"); config = With(config, field, value, $"{option.Name} {value}"); }
            foreach (var assignment in parse.GetValue(set) ?? [])
            {
                int eq = assignment.IndexOf('=');
                if (eq <= 0) throw new UsageError($"--set {assignment}: expected field=value");
                Give(assignment[..eq], $"--set {assignment}");
                config = With(config, assignment[..eq], assignment[(eq + 1)..], $"--set {assignment}");
            }
            config = config with { Device = parse.GetValue(device)! };
            config.Validate("the config");
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var run = new RunLayout(parse.GetValue(output)!);
            var stdout = parse.InvocationConfiguration.Output;
            var trainer = new Trainer(config, run, dev, log: LogLine.To(stdout), onStep: ProgressBar.TrainingSteps());
            return Cancellable.Run(parse, cancel =>
            {
                var metrics = trainer.Run(parse.GetValue(resume), cancel);
                stdout.WriteLine($"run folder: {run.Root} ({metrics.Count} epochs; checkpoints in {run.CheckpointDir})");
                return 0;
            }, $"invariscope: stopped; every complete epoch is kept. Continue with: --out {run.Root} --resume");
        });
        return command;
    }
}
