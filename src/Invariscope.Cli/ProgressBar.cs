using System.Diagnostics;

namespace Invariscope.Cli;

/// <summary>
/// A one-line progress bar on stderr: count, percentage, rate and ETA. Redraws in place on a terminal;
/// when stderr is redirected it prints a line at most every few seconds, so logs stay short.
/// </summary>
public sealed class ProgressBar : IProgress<(int done, int total)>
{
    readonly string _label;
    readonly string _unit;
    readonly TextWriter _out;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly bool _interactive;
    double _lastDraw = double.NegativeInfinity;

    /// <summary>A bar labelled <paramref name="label"/>, counting <paramref name="unit"/>.</summary>
    public ProgressBar(string label, string unit = "img", TextWriter? output = null)
    {
        _label = label;
        _unit = unit;
        _out = output ?? Console.Error;
        _interactive = output is null && !Console.IsErrorRedirected;
    }

    /// <summary>Extra text shown after the counts (e.g. the current loss).</summary>
    public string Suffix { get; set; } = "";

    /// <inheritdoc/>
    public void Report((int done, int total) value)
    {
        double t = _clock.Elapsed.TotalSeconds;
        bool final = value.done >= value.total;
        if (!final && t - _lastDraw < (_interactive ? 0.1 : 5.0)) return;
        _lastDraw = t;
        double rate = value.done / Math.Max(t, 1e-9);
        double eta = rate > 0 ? (value.total - value.done) / rate : 0;
        int width = 24;
        int filled = value.total > 0 ? (int)((long)width * value.done / value.total) : width;
        var line = $"{_label} [{new string('#', filled)}{new string('.', width - filled)}] {value.done}/{value.total} " +
                   $"{rate:F1} {_unit}/s eta {eta:F0}s {Suffix}".TrimEnd();
        if (_interactive) _out.Write("\r" + line + (final ? "\n" : ""));
        else _out.WriteLine(line);
    }
}
