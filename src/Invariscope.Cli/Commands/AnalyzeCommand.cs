using System.CommandLine;
using Invariscope.Analysis;
using Invariscope.Models;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope analyze</c>: STIR learning/forgetting, invariance flow and CKA divergence, per layer and epoch.</summary>
public static class AnalyzeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var d = new AnalysisSettings();
        var pretrained = new Option<string>("--pretrained") { Description = "the pretrained checkpoint p", Required = true };
        var finetuned = new Option<string>("--finetuned") { Description = "a finetuned checkpoint, or a run folder (every complete epoch: dynamics)", Required = true };
        var data = new Option<string>("--data") { Description = "probe images X (dataset spec; the paper: the test split)", Required = true };
        var metrics = new Option<string>("--metrics") { Description = "comma list of " + string.Join(", ", MetricNames.All), DefaultValueFactory = _ => string.Join(",", d.Metrics) };
        var samples = new Option<int>("--samples") { Description = "probe images N", DefaultValueFactory = _ => d.Samples };
        var sampleSeed = new Option<int>("--sample-seed") { Description = "seed of the probe subset", DefaultValueFactory = _ => d.SampleSeed };
        var seeds = new Option<int>("--seeds") { Description = "inversion seeds (mean and std over them)", DefaultValueFactory = _ => d.Seeds };
        var steps = new Option<int>("--steps") { Description = "inversion iterations (the paper's 500; the reference library's default is 1000)", DefaultValueFactory = _ => d.Steps };
        var stepSize = new Option<double>("--step-size") { Description = "pixel-space L2 length of each normalised inversion step", DefaultValueFactory = _ => d.StepSize };
        var learningEpochs = new Option<string>("--learning-epochs") { Description = "epochs of a run folder whose learning is measured (one inversion each): all, final, or a list", DefaultValueFactory = _ => d.LearningEpochs };
        var layers = new Option<string>("--layers")
        {
            Description = CommonOptions.LayersDescription("to analyse"),
            DefaultValueFactory = _ => d.Layers,
        };
        var normalize = new Option<string?>("--normalize") { Description = "normalisation inside the forward pass; default: the run's, else vit (mean = std = 0.5)" };
        var representation = new Option<string>("--representation") { Description = "block representation: tokens (all, flattened), cls or mean", DefaultValueFactory = _ => d.Representation };
        var maxRows = new Option<int>("--max-rows") { Description = "image-layer rows per inversion batch (memory)", DefaultValueFactory = _ => d.MaxRows };
        var config = new Option<string?>("--config") { Description = "architecture JSON for checkpoints that carry none" };
        var preset = new Option<string?>("--preset") { Description = "architecture preset for checkpoints that carry none" };
        var intervals = new Option<bool>("--intervals") { Description = "per-layer 95% intervals: jackknife over probe images, plus the seeds' variance (--intervals false: none)", DefaultValueFactory = _ => d.Intervals };
        var output = new Option<string>("--out") { Description = "output folder (resumes what is there)", Required = true };
        var command = new Command("analyze", "Per-layer learning and forgetting of invariances (STIR), invariance flow and CKA divergence.")
        {
            pretrained, finetuned, data, metrics, samples, sampleSeed, seeds, steps, stepSize, layers, normalize, representation, maxRows, intervals,
            learningEpochs, config, preset, output,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var fin = parse.GetValue(finetuned)!;
            LayerSelection.Parse(parse.GetValue(layers)); // the syntax now; the range is checked on the model
            var settings = new AnalysisSettings
            {
                Pretrained = parse.GetValue(pretrained)!, Finetuned = fin, Data = parse.GetValue(data)!,
                Metrics = parse.GetValue(metrics)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Samples = parse.GetValue(samples), SampleSeed = parse.GetValue(sampleSeed), Seeds = parse.GetValue(seeds),
                Steps = parse.GetValue(steps), StepSize = parse.GetValue(stepSize), LearningEpochs = parse.GetValue(learningEpochs)!,
                Layers = parse.GetValue(layers)!, Normalize = parse.GetValue(normalize) ?? RunNormalization(fin) ?? "vit",
                Representation = parse.GetValue(representation)!, MaxRows = parse.GetValue(maxRows), Intervals = parse.GetValue(intervals),
                Config = parse.GetValue(config), Preset = parse.GetValue(preset),
            }.Validate();
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var stdout = parse.InvocationConfiguration.Output;
            var layout = new AnalysisLayout(parse.GetValue(output)!);
            var analysis = new InvarianceAnalysis(settings, layout, dev, LogLine.To(stdout),
                label => new ProgressBar(label, "step"));
            var results = analysis.Run();
            Print(stdout, results);
            stdout.WriteLine($"results: {layout.Results} (+ per_layer.csv, flow.csv, aggregates.csv, inversions.csv)");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The normalisation a run folder (its config.json) or a checkpoint (its sidecar, as <c>evaluate</c> reads it) was
    /// trained with, if known.
    /// </summary>
    static string? RunNormalization(string finetuned) => Directory.Exists(finetuned)
        ? RunFiles.ReadConfig(new RunLayout(finetuned))?.Normalize
        : RunFiles.TrainedWith(finetuned)?.Normalize;

    static void Print(TextWriter o, AnalysisResults r)
    {
        var last = r.Checkpoints[^1];
        var metrics = last.PerLayer.Keys.ToList();
        o.WriteLine($"{last.Checkpoint}: mean over {r.Settings.Seeds} seed(s)");
        o.WriteLine($"  {"layer",-11}" + string.Concat(metrics.Select(m => $" {m,16}")));
        for (int l = 0; l < r.Layers.Count; l++)
            o.WriteLine($"  {r.Layers[l],-11}" + string.Concat(metrics.Select(m => $" {last.PerLayer[m].Mean[l],9:F3} ±{last.PerLayer[m].Std[l],5:F3}")));
        if (last.FlowSummary is { } f)
            o.WriteLine($"  flow: compression {f.Compression:F3} (positive part {f.PositiveCompression:F3}), expansion {f.Expansion:F3} (positive part {f.PositiveExpansion:F3})");
    }
}
