using System.Text;
using System.Text.Json.Nodes;
using Invariscope.Data;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Evaluation;

/// <summary>
/// The robustness stage of a run: each complete epoch evaluated on the suite of <see cref="RobustnessSettings"/>
/// (clean, OOD, every corruption cell), into <see cref="RunLayout.Robustness"/>: one <c>epoch_NNN.json</c> per
/// epoch (written when done, so a killed evaluation resumes and a finished epoch is skipped), <c>settings.json</c>,
/// and <c>robustness.csv</c> (one row per epoch). <see cref="RunEpoch"/> is the unit (one epoch);
/// <see cref="Run"/> is every epoch, with the test sets and their corrupted copies made once for all of them.
/// </summary>
public static class RunRobustness
{
    /// <summary>Evaluates the missing epochs, then returns every epoch's result (ascending) and rewrites the CSV.</summary>
    /// <exception cref="InvariscopeException">
    /// Bad settings, unopenable data, a run without complete epochs, or a folder evaluated with other settings;
    /// checked before anything is written.
    /// </exception>
    public static IReadOnlyList<EpochRobustness> Run(RunLayout run, RobustnessSettings settings, Device device, Action<string>? log = null,
        IProgress<(int done, int total)>? progress = null, CancellationToken cancel = default)
    {
        settings.Validate();
        var epochs = run.CompleteEpochs();
        if (epochs.Count == 0) throw new InvariscopeException($"{run.Root}: no complete epoch checkpoints to evaluate");
        CheckClasses(run, epochs[^1], settings);
        CheckSettings(run.Robustness, settings);
        var todo = epochs.Where(e => !File.Exists(run.Robustness.Epoch(e))).ToList();
        // the test sets open before the folder is touched (a typo leaves nothing behind), then one writer holds it;
        // a study's robustness cells (RunEpoch) are held by the study's lock instead
        var suite = todo.Count > 0 ? Suite(settings, log) : null;
        using var hold = FolderLock.Acquire(run.Robustness.Root);
        AtomicFile.RemoveStale(run.Robustness.Root); // the holder cleans up after dead writers
        if (suite is not null)
        {
            int total = suite.Sets * todo.Count, done = 0;
            progress?.Report((0, total));
            foreach (var epoch in todo)
            {
                cancel.ThrowIfCancellationRequested();
                RunEpoch(run, settings, epoch, device, suite, log, () => progress?.Report((++done, total)));
            }
        }
        return Collect(run);
    }

    /// <summary>
    /// Each test set has as many classes as the run's classification head (from the sidecar of <paramref name="epoch"/>):
    /// an accuracy over other classes means nothing. Checked before the folder is claimed, so nothing is left behind.
    /// </summary>
    static void CheckClasses(RunLayout run, int epoch, RobustnessSettings settings)
    {
        var side = RunFiles.ReadSidecar(run, epoch);
        if (side["config"]?["task"]?.ToString() != "classification" || side["model_config"]?["num_classes"] is not JsonValue v
            || !v.TryGetValue<int>(out int head) || head <= 0) return;
        foreach (var (spec, field) in new[] { (settings.Data, "data"), (settings.OodData, "ood_data") })
        {
            if (spec is null) continue;
            var data = DatasetSpecs.Open(spec);
            if (data.ClassNames.Count != head)
                throw new InvariscopeException($"{data.Name} has {data.ClassNames.Count} classes but {run.Weights(epoch)} has a head of {head}") { Field = field };
        }
    }

    /// <summary>Reads every evaluated epoch and rewrites <c>robustness.csv</c> (one row per epoch); returns the epochs, ascending.</summary>
    public static IReadOnlyList<EpochRobustness> Collect(RunLayout run)
    {
        AtomicFile.RemoveStale(run.Robustness.Root);
        var all = Read(run);
        WriteCsv(run, all);
        return all;
    }

    /// <summary>
    /// Evaluates epoch <paramref name="epoch"/> of <paramref name="run"/> into its <c>epoch_NNN.json</c> and returns
    /// it; an epoch already evaluated with these settings is read back instead. <paramref name="suite"/>: test sets
    /// made by <see cref="Suite"/> once for several epochs; null makes them now. <paramref name="setDone"/> is called
    /// after each test set.
    /// </summary>
    /// <exception cref="InvariscopeException">
    /// Bad settings, unopenable data, an epoch without a complete checkpoint, or a folder evaluated with other
    /// settings; checked before anything is written.
    /// </exception>
    public static EpochRobustness RunEpoch(RunLayout run, RobustnessSettings settings, int epoch, Device device, TestSuite? suite = null,
        Action<string>? log = null, Action? setDone = null)
    {
        settings.Validate();
        var layout = run.Robustness;
        if (!run.CompleteEpochs().Contains(epoch)) throw new InvariscopeException($"{run.Root}: epoch {epoch} has no complete checkpoint to evaluate");
        bool same = CheckSettings(layout, settings);
        if (same && File.Exists(layout.Epoch(epoch))) return ReadEpoch(layout.Epoch(epoch));
        suite ??= Suite(settings, log);
        AtomicFile.RemoveStale(layout.Root);
        ClaimSettings(layout, settings);
        using var ckpt = EvaluatedCheckpoint.Load(run.Weights(epoch));
        var result = suite.Evaluate(ckpt, settings.BatchSize, device, setDone);
        var row = new EpochRobustness(epoch, ckpt.Task, result.Clean!, result.Ood, result.Cells);
        Json.Write(layout.Epoch(epoch), row);
        log?.Invoke($"epoch {epoch}: clean {row.Clean.Accuracy:P1}" + (row.Ood is null ? "" : $", OOD {row.Ood.Accuracy:P1}")
            + (row.Cells.Count == 0 ? "" : $", corrupted {row.MeanCorruptedAccuracy:P1}"));
        return row;
    }

    /// <summary>
    /// The test sets of <paramref name="settings"/> in memory: the seeded subset of the ID and OOD data and one
    /// corrupted copy per cell, shared by every epoch evaluated with it.
    /// </summary>
    /// <exception cref="InvariscopeException">A data spec that does not open, or bad corruption settings.</exception>
    public static TestSuite Suite(RobustnessSettings settings, Action<string>? log = null)
    {
        var plan = settings.Validate().Plan();
        var clean = DatasetSpecs.Open(settings.Data);
        var ood = settings.OodData is null ? null : DatasetSpecs.Open(settings.OodData);
        log?.Invoke($"preparing {plan.Corruptions.Count * plan.Severities.Count} corrupted copies of {plan.Limited(clean).Count} test images");
        return TestSuite.InMemory(plan, clean, ood);
    }

    /// <summary>Every epoch evaluated so far, ascending (empty when none).</summary>
    /// <exception cref="InvariscopeException">An unreadable epoch file (named).</exception>
    public static IReadOnlyList<EpochRobustness> Read(RunLayout run) =>
        run.Robustness.EpochFiles().Select(ReadEpoch).OrderBy(r => r.Epoch).ToList();

    /// <summary>Reads one epoch's result file.</summary>
    public static EpochRobustness ReadEpoch(string path) => Json.Deserialize<EpochRobustness>(File.ReadAllText(path), path);

    const string What = "a robustness evaluation", Hint = "delete it to redo the evaluation, or use the same settings";

    static bool CheckSettings(RobustnessLayout layout, RobustnessSettings settings) =>
        SameSettings.Check(layout.SettingsPath, Json.Serialize(settings), What, Hint, Canonical(layout));

    static void ClaimSettings(RobustnessLayout layout, RobustnessSettings settings) =>
        SameSettings.Claim(layout.SettingsPath, Json.Serialize(settings), What, Hint, Canonical(layout));

    static Func<string, string> Canonical(RobustnessLayout layout) =>
        saved => Json.Serialize(Json.Deserialize<RobustnessSettings>(saved, layout.SettingsPath));

    /// <summary>robustness.csv: one row per epoch, after the run's setting and seed (<see cref="RunIdentity"/>).</summary>
    static void WriteCsv(RunLayout run, IReadOnlyList<EpochRobustness> rows)
    {
        static string F(double v) => Csv.Number(v);
        var id = RunIdentity.Of(run);
        var sevs = rows.SelectMany(r => r.AccuracyBySeverity.Keys).Distinct().Order().ToList();
        var sb = new StringBuilder(RunIdentity.CsvHeader + ",epoch,clean_acc,ood_acc,mean_corrupted_acc," + string.Concat(sevs.Select(s => $"severity{s}_acc,")) + "clean_loss,mean_corrupted_loss\n");
        foreach (var r in rows)
            sb.Append(id.CsvPrefix).Append($"{r.Epoch},{F(r.Clean.Accuracy)},{(r.Ood is null ? "" : F(r.Ood.Accuracy))},{F(r.MeanCorruptedAccuracy)},")
              .Append(string.Concat(sevs.Select(s => (r.AccuracyBySeverity.TryGetValue(s, out var v) ? F(v) : "") + ",")))
              .Append($"{F(r.Clean.Loss)},{F(r.MeanCorruptedLoss)}\n");
        AtomicFile.WriteText(run.Robustness.Csv, sb.ToString());
    }
}
