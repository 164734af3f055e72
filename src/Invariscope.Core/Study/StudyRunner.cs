using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Layout;
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
/// Layout: <c>study.json</c>, <c>pretrain/</c>, <c>inversions/</c> (inversions on p shared between runs), and per
/// setting <c>NAME/</c> (run folder, or <c>NAME/seed_S/</c> per training seed) with <c>robustness/</c> and <c>analysis/</c>.
/// </summary>
public sealed class StudyRunner(StudyConfig config, string root, Device device, StudyCallbacks callbacks)
{
    /// <summary>The study folder.</summary>
    public string Root => _layout.Root;

    readonly StudyLayout _layout = new(root);

    /// <summary>Runs (or resumes) everything; returns the loaded results and the statistics written to statistics.json.</summary>
    public (StudyResults Results, StudyStatisticsResult Statistics) Run(CancellationToken cancel = default)
    {
        StudyInputs.Check(config); // before the folder is created: a typo leaves nothing behind
        AtomicFile.WriteText(_layout.ConfigPath, config.ToJson());
        var log = callbacks.Log;
        var runs = config.Settings.SelectMany(s => s.Runs.Select(r => (s, r.Seed, dir: _layout.Run(s.Name, r.Seed).Root))).ToList();
        int stages = runs.Count * 3 + (config.Pretrain is null ? 0 : 1), stage = 0;
        string Stage(string what) => $"[{++stage}/{stages}] {what}";
        string Name(StudySetting s, int? seed) => seed is int k ? $"{s.Name} (seed {k})" : s.Name;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        string? pretrainWeights = null;
        if (config.PretrainConfig() is { } pre)
        {
            log(Stage($"pretraining ({Describe(pre)})"));
            var dir = _layout.Pretrain.Root;
            Train(pre with { Device = device.ToString() }, dir, cancel);
            pretrainWeights = _layout.Pretrain.Weights(TrainingPlan.For(pre).Sum(p => p.Epochs));
        }
        var times = new List<(string stage, double seconds)> { ("pretraining", clock.Elapsed.TotalSeconds) };
        void Lap(string what) { times.Add((what, clock.Elapsed.TotalSeconds - times.Sum(t => t.seconds))); }
        foreach (var (s, seed, dir) in runs)
        {
            var train = config.SettingConfig(s, pretrainWeights, seed: seed) with { Device = device.ToString() };
            log(Stage($"{Name(s, seed)}: training ({Describe(train)})"));
            Train(train, dir, cancel);
        }
        Lap("training");
        foreach (var (s, seed, dir) in runs)
        {
            log(Stage($"{Name(s, seed)}: accuracy per epoch (clean, OOD, corruptions)"));
            if (!s.Robustness || config.Robustness is null) { log("  skipped (robustness off for this setting)"); continue; }
            RunRobustness.Run(new RunLayout(dir), config.Robustness, device, line => log("  " + line),
                callbacks.Progress?.Invoke($"{Name(s, seed)}: evaluate"), cancel);
        }
        Lap("robustness");
        foreach (var (s, seed, dir) in runs)
        {
            log(Stage($"{Name(s, seed)}: invariance analysis of every epoch against epoch 0"));
            if (!s.Analyze) { log("  skipped (analyze off for this setting)"); continue; }
            var run = new RunLayout(dir);
            var train = config.SettingConfig(s, pretrainWeights, seed: seed);
            var settings = config.AnalysisFor(run.Weights(0), run.Root, train.Normalize, Root);
            new InvarianceAnalysis(settings, run.Analysis, device,
                line => log("  " + line), callbacks.Progress is null ? null : label => callbacks.Progress($"{Name(s, seed)}: {label}")).Run(cancel);
        }
        Lap("analysis");
        var results = StudyResults.Load(Root);
        var statistics = StudyStatistics.Write(results, config.Statistics, Root);
        Lap("statistics");
        log("time by stage (this invocation; a resumed stage counts only what was left): " +
            string.Join(", ", times.Select(t => $"{t.stage} {t.seconds:F0} s")));
        return (results, statistics);
    }

    void Train(TrainConfig train, string dir, CancellationToken cancel) =>
        Demo.RunOrResume(train, dir, device, callbacks.Log, callbacks.OnStep, cancel);

    static string Describe(TrainConfig c) => $"{c.Task}, {c.Strategy}, {c.Epochs} epochs on {c.Data}";
}
