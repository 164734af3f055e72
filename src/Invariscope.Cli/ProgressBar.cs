namespace Invariscope.Cli;

/// <summary>
/// A one-line progress bar on stderr: count, percentage, rate and ETA. Redraws in place on a terminal. When stderr
/// is redirected (a log file, a cluster job) it prints a line at most every few seconds, each after its time stamp
/// (<see cref="LogLine"/>), and only once a rate has been measured: a line of no progress and no rate says nothing.
/// The last line (all done) is always printed.
/// </summary>
public sealed class ProgressBar : IProgress<(int done, int total)>
{
    readonly string _label;
    readonly string _unit;
    readonly TextWriter _out;
    readonly TimeProvider _clock;
    readonly long _started;
    readonly bool _interactive;
    double _lastDraw = double.NegativeInfinity;
    (double t, int done)? _first;

    /// <summary>A bar labelled <paramref name="label"/>, counting <paramref name="unit"/>; <paramref name="clock"/> for tests.</summary>
    public ProgressBar(string label, string unit = "img", TextWriter? output = null, TimeProvider? clock = null)
    {
        _label = label;
        _unit = unit;
        _out = output ?? Console.Error;
        _clock = clock ?? TimeProvider.System;
        _started = _clock.GetTimestamp();
        _interactive = output is null && !Console.IsErrorRedirected;
    }

    /// <summary>Extra text shown after the counts (e.g. the current loss).</summary>
    public string Suffix { get; set; } = "";

    /// <inheritdoc/>
    public void Report((int done, int total) value)
    {
        double t = _clock.GetElapsedTime(_started).TotalSeconds;
        bool final = value.done >= value.total;
        if (!final && t - _lastDraw < (_interactive ? 0.1 : 5.0)) return;
        // The rate is measured from the first report, so a bar created after its first step shows no absurd rate.
        _first ??= (t, value.done);
        double span = t - _first.Value.t;
        double rate = span > 0.2 ? (value.done - _first.Value.done) / span : final ? value.done / Math.Max(t, 1e-3) : double.NaN;
        if (!_interactive && double.IsNaN(rate)) return; // the first report of a log: nothing measured yet
        _lastDraw = t;
        string speed = double.IsNaN(rate) ? $"-- {_unit}/s" : $"{rate:F1} {_unit}/s eta {(rate > 0 ? (value.total - value.done) / rate : 0):F0}s";
        int width = 24;
        int filled = value.total > 0 ? (int)((long)width * value.done / value.total) : width;
        var line = $"{_label} [{new string('#', filled)}{new string('.', width - filled)}] {value.done}/{value.total} {speed} {Suffix}".TrimEnd();
        if (_interactive) _out.Write("\r" + line + (final ? "\n" : ""));
        else _out.WriteLine($"{LogLine.Stamp(_clock.GetUtcNow())} {line}");
    }

    /// <summary>A per-epoch progress bar of training steps on stderr (or <paramref name="output"/>), showing loss, accuracy and img/s (train, finetune, study).</summary>
    public static Action<Training.StepProgress> TrainingSteps(TextWriter? output = null)
    {
        // one bar per thread: the cells of a study with --jobs train side by side, each reporting from its own worker
        var state = new ThreadLocal<(ProgressBar? bar, (int epoch, int total, string phase, int batch) last)>(() => (null, (-1, -1, "", int.MaxValue)));
        return p =>
        {
            var (bar, last) = state.Value;
            // a new bar for each epoch of each run: a study's next run starts again at epoch 1 (batch 1)
            if ((p.Epoch, p.TotalEpochs, p.Phase) != (last.epoch, last.total, last.phase) || p.Batch <= last.batch)
                bar = new ProgressBar($"epoch {p.Epoch}/{p.TotalEpochs} [{p.Phase}]", "batch", output);
            state.Value = (bar, (p.Epoch, p.TotalEpochs, p.Phase, p.Batch));
            bar!.Suffix = $"loss {p.Loss:F4}" + (double.IsNaN(p.Acc) ? "" : $" acc {p.Acc:P1}") + $" {p.ImagesPerSecond:F0} img/s";
            bar.Report((p.Batch, p.Batches));
        };
    }
}
