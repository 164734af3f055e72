using System.Text.Json.Nodes;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Study;

/// <summary>
/// Sizes and data of the demo study. The defaults (synthetic 16×16 images, a 4-block micro ViT) finish in a few
/// minutes on a 2-core CPU; the data options point it at real data, e.g. Fashion-MNIST classes 0–4 as task A and
/// 5–9 as task B.
/// </summary>
/// <param name="Out">Study folder (resumes what is there).</param>
/// <param name="Images">Synthetic images per task (10% held out for validation).</param>
/// <param name="PretrainEpochs">Epochs on task A.</param>
/// <param name="FinetuneEpochs">Epochs on task B, for every setting.</param>
/// <param name="Size">Image side of the synthetic data.</param>
/// <param name="Model">Architecture preset.</param>
/// <param name="Seed">Seed of everything.</param>
/// <param name="TestImages">Task-B test images (synthetic) for accuracy, corruptions and probing.</param>
/// <param name="CorruptionLimit">Test images per corruption × severity cell.</param>
/// <param name="Samples">Probe images of the analysis.</param>
/// <param name="Seeds">STIR seeds.</param>
/// <param name="Steps">Inversion steps.</param>
/// <param name="Intervals">Per-layer confidence intervals.</param>
/// <param name="TaskA">Task-A training data spec (null: synthetic shapes).</param>
/// <param name="TaskB">Task-B training data spec (null: synthetic texture).</param>
/// <param name="TestB">Task-B test data spec (null: synthetic texture, other seed).</param>
/// <param name="OodB">Task-B out-of-distribution test data spec (null: synthetic texture, shifted; "none" = no OOD).</param>
/// <param name="Corruptions">Corruptions (all, none, or a list).</param>
public sealed record DemoOptions(string Out = "runs/demo", int Images = 4000, int PretrainEpochs = 8, int FinetuneEpochs = 6,
    int Size = 16, string Model = "vit_micro_patch4_16", int Seed = 0, int TestImages = 500, int CorruptionLimit = 200,
    int Samples = 32, int Seeds = 2, int Steps = 100, bool Intervals = true,
    string? TaskA = null, string? TaskB = null, string? TestB = null, string? OodB = null, string Corruptions = "all");

/// <summary>
/// The embedded default study (README's first command): pretrain a tiny ViT on task A; on task B, finetune it for
/// classification and for reconstruction, and train the same architecture from scratch, with a checkpoint per epoch;
/// measure clean, OOD and corrupted accuracy per epoch; analyse learning, forgetting, CKA divergence and invariance
/// flow of every epoch against its start; correlate with robustness; write the report.
/// </summary>
public static class Demo
{
    /// <summary>The demo as a study config.</summary>
    public static StudyConfig Config(DemoOptions o)
    {
        string Synthetic(string task, int n, int seedOffset, string extra = "") =>
            $"synthetic:{task}?size={o.Size}&n={n}&seed={o.Seed + seedOffset}{extra}";
        var taskB = o.TaskB ?? Synthetic("texture", o.Images, 2);
        var test = o.TestB ?? Synthetic("texture", o.TestImages, 3);
        var ood = o.OodB == "none" ? null : o.OodB ?? Synthetic("texture", o.TestImages, 4, "&shift=ood");
        JsonObject Fields(params (string key, JsonNode? value)[] fields)
        {
            var obj = new JsonObject();
            foreach (var (k, v) in fields) obj[k] = v;
            return obj;
        }
        return new StudyConfig
        {
            Name = "Invariscope demo: pretrained vs. scratch, classification vs. reconstruction",
            Train = Fields(("model", o.Model), ("batch_size", 128), ("seed", o.Seed), ("data", taskB), ("epochs", o.FinetuneEpochs)),
            Pretrain = Fields(("data", o.TaskA ?? Synthetic("shapes", o.Images, 1)), ("epochs", o.PretrainEpochs)),
            Settings =
            [
                new StudySetting { Name = "ft", Label = "pretrained → FT", Train = Fields(("strategy", "ft"), ("init", StudyConfig.PretrainRef), ("lr", 5e-4)) },
                new StudySetting { Name = "scratch", Label = "from scratch", Train = Fields(("strategy", "scratch")) },
                new StudySetting
                {
                    Name = "ft-recon", Label = "pretrained → FT, reconstruction", Robustness = false,
                    Train = Fields(("task", "reconstruction"), ("strategy", "ft"), ("init", StudyConfig.PretrainRef), ("lr", 5e-4)),
                },
            ],
            Analysis = new StudyAnalysis { Data = test, Samples = o.Samples, Seeds = o.Seeds, Steps = o.Steps, Intervals = o.Intervals },
            Robustness = new RobustnessSettings { Data = test, OodData = ood, Corruptions = o.Corruptions, Limit = o.CorruptionLimit, Seed = o.Seed },
        }.Validate("demo");
    }

    /// <summary>Runs (or resumes) a training config into <paramref name="dir"/>; a finished run is only read back.</summary>
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
}
