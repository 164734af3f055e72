using System.Text.Json.Nodes;
using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Layout;
using Invariscope.Training;

namespace Invariscope.Study;

/// <summary>
/// Sizes and data of the demo study. The defaults finish in about 6.5 minutes on a quiet 2-core CPU: a 4-block micro
/// ViT on 32×32 synthetic images (patch 8, so 16 tokens), pretrained on a rich task (texture × colour, 20 classes,
/// 10,000 images) and finetuned on a related one with few labels (texture, 5 classes, 1,000 images), where
/// pretraining matters. The data options point it at real data, e.g. Fashion-MNIST classes 0–4 as task A and 5–9 as B.
/// </summary>
/// <param name="Out">Study folder (resumes what is there).</param>
/// <param name="Images">Task-B training images (synthetic): the few labelled images of the downstream task.</param>
/// <param name="PretrainImages">Task-A training images (synthetic; 10% held out for validation).</param>
/// <param name="PretrainEpochs">Epochs on task A.</param>
/// <param name="FinetuneEpochs">Epochs on task B, for every setting.</param>
/// <param name="Size">Image side of the synthetic data.</param>
/// <param name="Model">Architecture preset.</param>
/// <param name="Seed">Seed of the data and of the pretraining run.</param>
/// <param name="TrainingSeeds">Training seeds of every task-B setting (seeds 0..n−1, one run each).</param>
/// <param name="TestImages">Task-B test images (synthetic) for accuracy, corruptions and probing.</param>
/// <param name="CorruptionLimit">Test images per corruption × severity cell.</param>
/// <param name="TaskA">Task-A training data spec (null: synthetic objects).</param>
/// <param name="TaskB">Task-B training data spec (null: synthetic texture).</param>
/// <param name="TestB">Task-B test data spec (null: synthetic texture, other seed).</param>
/// <param name="OodB">Task-B out-of-distribution test data spec (null: synthetic texture, shifted; "none" = no OOD).</param>
/// <param name="Corruptions">Corruptions (all, none, or a list).</param>
public sealed record DemoOptions(string Out = "runs/demo", int Images = 1000, int PretrainImages = 10000, int PretrainEpochs = 20,
    int FinetuneEpochs = 10, int Size = 32, string Model = "vit_micro_patch8_32", int Seed = 0, int TrainingSeeds = 3, int TestImages = 500,
    int CorruptionLimit = 50, string? TaskA = null, string? TaskB = null, string? TestB = null, string? OodB = null, string Corruptions = "all")
{
    /// <summary>
    /// The analysis: the paper's defaults with the demo's own overrides, sized for a CPU: 128 probe images, one STIR
    /// seed, 200 steps, and learning (one inversion per checkpoint) at the final epoch only. Its data is the task-B
    /// test set and its max_rows holds every layer of the micro ViT in one batch (both set by <see cref="Demo.Config"/>).
    /// </summary>
    public AnalysisOptions Analysis { get; init; } = new() { Samples = 128, Seeds = 1, Steps = 200, LearningEpochs = "final" };
}

/// <summary>
/// The embedded default study (README's first command): pretrain a tiny ViT on task A; on task B, finetune it for
/// classification and for reconstruction, and train the same architecture from scratch, each over several training
/// seeds with a checkpoint per epoch; measure clean, OOD and corrupted accuracy per epoch; analyse learning,
/// forgetting, CKA divergence and invariance flow of every epoch against its start; correlate with robustness; test
/// the paper's claims; write the report.
/// </summary>
public static class Demo
{
    /// <summary>The demo as a study config.</summary>
    public static StudyConfig Config(DemoOptions o)
    {
        string Synthetic(string task, int n, int seedOffset, string extra = "") =>
            $"synthetic:{task}?size={o.Size}&n={n}&seed={o.Seed + seedOffset}{extra}";
        bool synthetic = o.TaskB is null;
        var taskB = o.TaskB ?? Synthetic("texture", o.Images, 2);
        var test = o.TestB ?? Synthetic("texture", o.TestImages, 3);
        var ood = o.OodB == "none" ? null : o.OodB ?? Synthetic("texture", o.TestImages, 4, "&shift=ood");
        JsonObject Fields(params (string key, JsonNode? value)[] fields)
        {
            var obj = new JsonObject();
            foreach (var (k, v) in fields) obj[k] = v;
            return obj;
        }
        int[]? seeds = o.TrainingSeeds > 1 ? [.. Enumerable.Range(0, o.TrainingSeeds)] : null; // one seed: the plain NAME/ layout
        // the few labelled task-B images all train; validation has its own synthetic images
        var train = Fields(("model", o.Model), ("batch_size", 32), ("seed", o.Seed), ("data", taskB), ("epochs", o.FinetuneEpochs));
        if (synthetic) train["val_data"] = Synthetic("texture", 300, 5);
        return new StudyConfig
        {
            Name = "Invariscope demo: pretrained vs. scratch, classification vs. reconstruction",
            Train = train,
            Pretrain = Fields(("data", o.TaskA ?? Synthetic("objects", o.PretrainImages, 1)), ("epochs", o.PretrainEpochs),
                ("batch_size", 128), ("val_data", null), ("val_fraction", 0.1)),
            Settings =
            [
                new StudySetting { Name = "ft", Label = "pretrained → FT", Seeds = seeds, Train = Fields(("strategy", "ft"), ("init", StudyConfig.PretrainRef), ("lr", 1e-3)) },
                new StudySetting { Name = "scratch", Label = "from scratch", Seeds = seeds, Train = Fields(("strategy", "scratch")) },
                new StudySetting
                {
                    Name = "ft-recon", Label = "pretrained → FT, reconstruction", Robustness = false, Seeds = seeds,
                    Train = Fields(("task", "reconstruction"), ("strategy", "ft"), ("init", StudyConfig.PretrainRef), ("lr", 5e-4)),
                },
            ],
            Analysis = new StudyAnalysis(o.Analysis)
            {
                Data = test, MaxRows = Math.Max(512, 5 * o.Analysis.Samples), // every layer of the micro ViT in one batch
            },
            Robustness = new RobustnessSettings { Data = test, OodData = ood, Corruptions = o.Corruptions, Limit = o.CorruptionLimit, Seed = o.Seed },
        }.Validate("demo");
    }
}
