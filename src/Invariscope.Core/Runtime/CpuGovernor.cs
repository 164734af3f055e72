using System.Diagnostics;
using static TorchSharp.torch;

namespace Invariscope.Runtime;

/// <summary>
/// Follows the other work on a shared machine: twice a second (at a <see cref="Tick"/> from the compute loop: a train
/// step, an eval batch, an inversion step) it reads how many cores other processes kept busy since the last look
/// (/proc/stat's busy time less this process's own, /proc/self/stat) and gives libtorch the cores left, at least one.
/// So a quiet machine keeps every core with libgomp's fast spinning barriers, and one that another CPU-bound process
/// shares runs on one thread, whose ops have no barrier to spin at (measured on 2 cores, micro-ViT forward, one
/// competing busy loop: spinning on 2 threads 0.38-0.43 of quiet, passive waiting 0.66-0.75 but 0.66-0.70 of spinning's
/// quiet rate, this 0.5+ at no quiet cost; README, "Speed on the CPU"). Active only where <see cref="CpuThreads"/> chose
/// the count from the cores; a count the user or Slurm gave is kept as it is.
/// </summary>
public static class CpuGovernor
{
    /// <summary>How often the load is read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    static readonly object Gate = new();
    static int _max;
    static int _threadId = -1;
    static long _lastTicks;
    static (long busy, long self) _last;
    static bool _on;

    /// <summary>Whether the governor follows the load now.</summary>
    public static bool Enabled => _on;

    /// <summary>Starts following the load with at most <paramref name="maxThreads"/>, from the calling (compute) thread.</summary>
    public static void Enable(int maxThreads)
    {
        if (!OperatingSystem.IsLinux() || maxThreads < 2) return; // one thread has nothing to give up
        lock (Gate)
        {
            _max = maxThreads;
            _threadId = Environment.CurrentManagedThreadId;
            _last = Read() ?? default;
            _lastTicks = Stopwatch.GetTimestamp();
            _on = true;
        }
    }

    /// <summary>Stops following the load (the thread count stays where it is).</summary>
    public static void Disable()
    {
        lock (Gate) _on = false;
    }

    /// <summary>
    /// Called between ops of the compute loop: cheap (a clock read) except twice a second, when it may change
    /// libtorch's thread count. Calls from threads other than the one that enabled it do nothing: the OpenMP count is
    /// that thread's.
    /// </summary>
    public static void Tick()
    {
        if (!_on || Environment.CurrentManagedThreadId != _threadId) return;
        long now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(_lastTicks, now) < Interval) return;
        var seconds = Stopwatch.GetElapsedTime(_lastTicks, now).TotalSeconds;
        if (Read() is not { } sample) return;
        double others = OthersBusyCores(_last, sample, seconds);
        (_last, _lastTicks) = (sample, now);
        int threads = Threads(_max, others);
        if (get_num_threads() != threads) set_num_threads(threads);
    }

    /// <summary>Cores for us: <paramref name="max"/> less the cores others kept busy (rounded), at least one.</summary>
    public static int Threads(int max, double othersBusyCores) =>
        Math.Clamp(max - (int)Math.Floor(othersBusyCores + 0.5), 1, max);

    /// <summary>Cores other processes kept busy between two samples <paramref name="seconds"/> apart (jiffies of 1/100 s).</summary>
    public static double OthersBusyCores((long busy, long self) before, (long busy, long self) after, double seconds) =>
        seconds <= 0 ? 0 : Math.Max(0, (after.busy - before.busy) - (after.self - before.self)) / 100.0 / seconds;

    /// <summary>Busy jiffies of the whole machine from /proc/stat's first line (user, nice, system, irq, softirq, steal).</summary>
    public static long MachineBusy(string statFirstLine)
    {
        var f = statFirstLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 9 || f[0] != "cpu") throw new FormatException($"not /proc/stat's cpu line: {statFirstLine}");
        return new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => long.Parse(f[i], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>This process's jiffies (utime + stime) from /proc/self/stat, whose second field may hold spaces.</summary>
    public static long ProcessBusy(string selfStat)
    {
        var f = selfStat[(selfStat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(f[12], System.Globalization.CultureInfo.InvariantCulture);
    }

    static (long busy, long self)? Read()
    {
        try
        {
            string machine;
            using (var r = new StreamReader("/proc/stat")) machine = r.ReadLine() ?? "";
            return (MachineBusy(machine), ProcessBusy(File.ReadAllText("/proc/self/stat")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }
}
