using System.Text.Json;
using Invariscope.Analysis;
using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Study;

/// <summary>Sizes of the demo study; the defaults finish in a few minutes on a 2-core CPU.</summary>
/// <param name="Out">Folder of the study (one run folder per setting, plus summary.json).</param>
/// <param name="Images">Synthetic images per task (10% held out for validation).</param>
/// <param name="PretrainEpochs">Epochs on task A (shapes).</param>
/// <param name="FinetuneEpochs">Epochs on task B (texture), for finetuning and for the from-scratch baseline.</param>
/// <param name="Size">Image side (the model's img_size).</param>
/// <param name="Model">Architecture preset.</param>
/// <param name="AnalysisImages">Task-B validation images used for the per-layer comparison.</param>
/// <param name="Seed">Seed of everything.</param>
public sealed record DemoOptions(string Out = "runs/demo", int Images = 4000, int PretrainEpochs = 8, int FinetuneEpochs = 4,
    int Size = 16, string Model = "vit_micro_patch4_16", int AnalysisImages = 256, int Seed = 0);

/// <summary>One row of the per-layer comparison: linear CKA of each model's layer with the pretrained start's.</summary>
public sealed record LayerComparison(string Layer, double CkaFinetuned, double CkaScratch);

/// <summary>What the demo found.</summary>
public sealed record DemoSummary(double PretrainValAcc, double FinetuneValAcc, double ScratchValAcc, IReadOnlyList<LayerComparison> Layers);

/// <summary>
/// The embedded default study: pretrain a tiny ViT on synthetic task A (shapes), finetune it on task B
/// (texture), train the same architecture on B from scratch for as long, and compare each layer with the
/// pretrained start (linear CKA on task-B images). Every run resumes where a killed demo stopped.
/// </summary>
public static class Demo
{
    /// <summary>Runs (or resumes) the study and writes <c>summary.json</c> into <see cref="DemoOptions.Out"/>.</summary>
    public static DemoSummary Run(DemoOptions o, Device device, Action<string> log, Action<StepProgress>? onStep = null,
        CancellationToken cancel = default)
    {
        string TaskData(string task, int seedOffset) => $"synthetic:{task}?size={o.Size}&n={o.Images}&seed={o.Seed + seedOffset}";
        var common = new TrainConfig { Model = o.Model, BatchSize = 128, Seed = o.Seed, Device = device.ToString() };

        log("1/4 pretraining on task A (synthetic shapes)");
        var pre = RunOrResume(common with { Data = TaskData("shapes", 1), Epochs = o.PretrainEpochs }, Path.Combine(o.Out, "pretrain"), device, log, onStep, cancel);
        var start = new RunFolder(Path.Combine(o.Out, "pretrain")).Weights(o.PretrainEpochs);

        log("2/4 finetuning on task B (synthetic texture)");
        var ft = RunOrResume(common with { Data = TaskData("texture", 2), Strategy = "ft", Init = start, Epochs = o.FinetuneEpochs, Lr = 5e-4 },
            Path.Combine(o.Out, "finetune"), device, log, onStep, cancel);

        log("3/4 training on task B from scratch, as a baseline");
        var scratch = RunOrResume(common with { Data = TaskData("texture", 2), Epochs = o.FinetuneEpochs },
            Path.Combine(o.Out, "scratch"), device, log, onStep, cancel);

        log("4/4 comparing every layer with the pretrained start (linear CKA)");
        var layers = CompareLayers(o, start, new RunFolder(Path.Combine(o.Out, "finetune")).Weights(o.FinetuneEpochs),
            new RunFolder(Path.Combine(o.Out, "scratch")).Weights(o.FinetuneEpochs), device);
        var summary = new DemoSummary(pre[^1].ValAcc, ft[^1].ValAcc, scratch[^1].ValAcc, layers);
        RunFolder.WriteAtomic(Path.Combine(o.Out, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        return summary;
    }

    /// <summary>Runs a config into <paramref name="dir"/>, resuming it if it was started, skipping it if finished.</summary>
    public static IReadOnlyList<EpochMetrics> RunOrResume(TrainConfig config, string dir, Device device, Action<string> log,
        Action<StepProgress>? onStep, CancellationToken cancel)
    {
        var run = new RunFolder(dir);
        int total = TrainingPlan.For(config).Sum(p => p.Epochs);
        bool started = File.Exists(run.ConfigPath);
        if (started && run.CompleteEpochs().LastOrDefault() >= total)
        {
            log($"  {dir}: already complete");
            return run.ReadMetrics();
        }
        return new Trainer(config, run, device, line => log("  " + line), onStep).Run(started, cancel);
    }

    static List<LayerComparison> CompareLayers(DemoOptions o, string startPath, string finetunedPath, string scratchPath, Device device)
    {
        using var start = VitCheckpoint.Load(startPath);
        using var finetuned = VitCheckpoint.Load(finetunedPath);
        using var scratch = VitCheckpoint.Load(scratchPath);
        var data = DatasetSpecs.Open($"synthetic:texture?size={o.Size}&n={o.AnalysisImages}&seed={o.Seed + 3}");
        var (images, labels) = DatasetTensors.Stack(data, TransformSpec.Eval(o.Size, "vit"));
        using (images)
        using (labels)
        {
            var a = Representations.Extract(start, images, LayerSelection.All, device);
            var b = Representations.Extract(finetuned, images, LayerSelection.All, device);
            var c = Representations.Extract(scratch, images, LayerSelection.All, device);
            try
            {
                var names = Enumerable.Range(0, start.Config.Depth).Select(i => $"block{i}").Append("pre_logits");
                return names.Select(n => new LayerComparison(n, Cka.Linear(a[n], b[n]), Cka.Linear(a[n], c[n]))).ToList();
            }
            finally
            {
                foreach (var t in a.Values.Concat(b.Values).Concat(c.Values)) t.Dispose();
            }
        }
    }
}
