using System.CommandLine;
using Invariscope.Study;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope demo</c>: the embedded default study (README's first command).</summary>
public static class DemoCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var d = new DemoOptions();
        Option<T> Opt<T>(string name, string description, T value) => new(name) { Description = description, DefaultValueFactory = _ => value };
        var output = Opt("--out", "study folder (resumes what is there)", d.Out);
        var images = Opt("--images", "synthetic task-B training images (the few labelled images)", d.Images);
        var pretrainImages = Opt("--pretrain-images", "synthetic task-A training images", d.PretrainImages);
        var trainingSeeds = Opt("--training-seeds", "training seeds of every task-B setting (0..N-1)", d.TrainingSeeds);
        var learningEpochs = Opt("--learning-epochs", "epochs whose learning is measured (one inversion each): all, final, or a list", d.Analysis.LearningEpochs);
        var pretrain = Opt("--pretrain-epochs", "epochs on task A", d.PretrainEpochs);
        var finetune = Opt("--finetune-epochs", "epochs on task B (every setting)", d.FinetuneEpochs);
        var model = Opt("--model", "architecture preset (e.g. vit_micro_patch4_16, mu/4@28, B/32)", d.Model);
        var size = Opt("--size", "synthetic image side", d.Size);
        var seed = Opt("--seed", "seed of everything", d.Seed);
        var testImages = Opt("--test-images", "synthetic task-B test images", d.TestImages);
        var limit = Opt("--corruption-limit", "test images per corruption × severity", d.CorruptionLimit);
        var corruptions = Opt("--corruptions", "all, none, or a comma list", d.Corruptions);
        var samples = Opt("--samples", "probe images of the analysis", d.Analysis.Samples);
        var seeds = Opt("--seeds", "STIR seeds", d.Analysis.Seeds);
        var steps = Opt("--steps", "inversion steps", d.Analysis.Steps);
        var intervals = Opt("--intervals", "per-layer 95% intervals (jackknife over probe images, and seeds)", d.Analysis.Intervals);
        var taskA = new Option<string?>("--task-a") { Description = "task-A training data spec instead of synthetic objects, e.g. \"fashion-mnist:DIR?split=train&classes=0-4\"" };
        var taskB = new Option<string?>("--task-b") { Description = "task-B training data spec instead of synthetic texture, e.g. \"fashion-mnist:DIR?split=train&classes=5-9\"" };
        var testB = new Option<string?>("--test-b") { Description = "task-B test data spec (accuracy, corruptions, probe images)" };
        var oodB = new Option<string?>("--ood-b") { Description = "task-B out-of-distribution test data spec, or none" };
        var jobs = StudyOutput.Jobs();
        var command = new Command("demo",
            "The main job: pretrain a tiny ViT on task A; finetune on task B (classification, reconstruction) and train from scratch; " +
            "evaluate clean/OOD/corrupted accuracy per epoch; analyse every epoch's invariances; correlate; write the HTML report.")
        {
            output, images, pretrainImages, trainingSeeds, learningEpochs, pretrain, finetune, model, size, seed, testImages, limit, corruptions, samples, seeds, steps, intervals, taskA, taskB, testB, oodB, jobs,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var options = d with
            {
                Out = parse.GetValue(output)!, Images = parse.GetValue(images), PretrainImages = parse.GetValue(pretrainImages),
                TrainingSeeds = parse.GetValue(trainingSeeds), PretrainEpochs = parse.GetValue(pretrain),
                FinetuneEpochs = parse.GetValue(finetune), Model = parse.GetValue(model)!, Size = parse.GetValue(size),
                Seed = parse.GetValue(seed), TestImages = parse.GetValue(testImages), CorruptionLimit = parse.GetValue(limit),
                Corruptions = parse.GetValue(corruptions)!, TaskA = parse.GetValue(taskA),
                TaskB = parse.GetValue(taskB), TestB = parse.GetValue(testB), OodB = parse.GetValue(oodB),
                Analysis = d.Analysis with
                {
                    Samples = parse.GetValue(samples), Seeds = parse.GetValue(seeds), Steps = parse.GetValue(steps),
                    Intervals = parse.GetValue(intervals), LearningEpochs = parse.GetValue(learningEpochs)!,
                },
            };
            var study = Demo.Config(options);
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            return StudyOutput.Run(parse, study, options.Out, dev, StudyOutput.ResolveJobs(parse.GetValue(jobs)!, study, dev));
        });
        return command;
    }
}
