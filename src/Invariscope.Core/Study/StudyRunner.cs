using Invariscope.Analysis;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Study;

/// <summary>Callbacks of a study: log lines, training steps, and progress bars for long stages.</summary>
/// <param name="Log">One line per event.</param>
/// <param name="OnStep">Training step progress.</param>
/// <param name="Progress">A progress sink for a labelled stage (evaluation, inversion).</param>
public sealed record StudyCallbacks(Action<string> Log, Action<StepProgress>? OnStep = null,
    Func<string, IProgress<(int done, int total)>>? Progress = null);

/// <summary>
/// Runs a study into a folder: the optional pretraining run, every setting's training run, each run's per-epoch
/// robustness evaluation and invariance analysis, and finally <c>statistics.json</c>. Every stage writes its results
/// as it goes and skips what is done, so running the same study again resumes where a killed one stopped.
/// Layout: <c>study.json</c>, <c>pretrain/</c>, and per setting <c>NAME/</c> (run folder) with <c>NAME/robustness/</c>
/// and <c>NAME/analysis/</c>.
/// </summary>
public sealed class StudyRunner(StudyConfig config, string root, Device device, StudyCallbacks callbacks)
{
    /// <summary>The study folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The run folder of a setting.</summary>
    public string RunDir(string name) => Path.Combine(Root, name);

    /// <summary>Runs (or resumes) everything; returns the loaded results and the statistics written to statistics.json.</summary>
    public (StudyResults Results, StudyStatisticsResult Statistics) Run(CancellationToken cancel = default)
    {
        Directory.CreateDirectory(Root);
        RunFolder.WriteAtomic(Path.Combine(Root, StudyResults.ConfigFile), config.ToJson());
        var log = callbacks.Log;
        int stages = config.Settings.Count * 3 + (config.Pretrain is null ? 0 : 1), stage = 0;
        string Stage(string what) => $"[{++stage}/{stages}] {what}";

        string? pretrainWeights = null;
        if (config.PretrainConfig() is { } pre)
        {
            log(Stage($"pretraining ({Describe(pre)})"));
            var dir = RunDir(StudyConfig.PretrainName);
            Train(pre with { Device = device.ToString() }, dir, cancel);
            pretrainWeights = new RunFolder(dir).Weights(TrainingPlan.For(pre).Sum(p => p.Epochs));
        }
        foreach (var s in config.Settings)
        {
            var train = config.SettingConfig(s, pretrainWeights) with { Device = device.ToString() };
            log(Stage($"{s.Name}: training ({Describe(train)})"));
            Train(train, RunDir(s.Name), cancel);
        }
        foreach (var s in config.Settings)
        {
            log(Stage($"{s.Name}: accuracy per epoch (clean, OOD, corruptions)"));
            if (!s.Robustness || config.Robustness is null) { log("  skipped (robustness off for this setting)"); continue; }
            RunRobustness.Run(new RunFolder(RunDir(s.Name)), config.Robustness, device, line => log("  " + line),
                callbacks.Progress?.Invoke($"{s.Name}: evaluate"), cancel);
        }
        foreach (var s in config.Settings)
        {
            log(Stage($"{s.Name}: invariance analysis of every epoch against epoch 0"));
            if (!s.Analyze) { log("  skipped (analyze off for this setting)"); continue; }
            var run = new RunFolder(RunDir(s.Name));
            var train = config.SettingConfig(s, pretrainWeights);
            var settings = config.AnalysisFor(run.Weights(0), run.Root, train.Normalize);
            new InvarianceAnalysis(settings, new AnalysisFolder(Path.Combine(run.Root, StudyResults.AnalysisDir)), device,
                line => log("  " + line), callbacks.Progress is null ? null : label => callbacks.Progress($"{s.Name}: {label}")).Run(cancel);
        }
        var results = StudyResults.Load(Root);
        return (results, StudyStatistics.Write(results, config.Statistics, Root));
    }

    void Train(TrainConfig train, string dir, CancellationToken cancel) =>
        Demo.RunOrResume(train, dir, device, callbacks.Log, callbacks.OnStep, cancel);

    static string Describe(TrainConfig c) => $"{c.Task}, {c.Strategy}, {c.Epochs} epochs on {c.Data}";
}
