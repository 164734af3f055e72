namespace Invariscope.Bench;

/// <summary>
/// OpenBLAS's kernel for this CPU. Its own detection can miss (on one of our machines it picked the Prescott kernel,
/// 30 GFLOP/s, where SkylakeX gives 139-156), so the benchmark names the kernel from the CPU's flags itself and sets
/// <c>OPENBLAS_CORETYPE</c> for the peer's process only.
/// </summary>
public static class OpenBlasCoreType
{
    /// <summary>The variable OpenBLAS (built with DYNAMIC_ARCH, as Debian's) reads when it loads.</summary>
    public const string Variable = "OPENBLAS_CORETYPE";

    /// <summary>
    /// The best OpenBLAS kernel for a CPU with <paramref name="flags"/> (/proc/cpuinfo's names): Cooperlake for AVX-512
    /// with bf16, SkylakeX for AVX-512 (F, CD, BW, DQ, VL), Haswell for AVX2 with FMA, Sandybridge for AVX; null
    /// when none of these (OpenBLAS then chooses).
    /// </summary>
    public static string? For(IReadOnlySet<string> flags)
    {
        bool avx512 = new[] { "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl" }.All(flags.Contains);
        if (avx512) return flags.Contains("avx512_bf16") ? "Cooperlake" : "SkylakeX";
        if (flags.Contains("avx2") && flags.Contains("fma")) return "Haswell";
        return flags.Contains("avx") ? "Sandybridge" : null;
    }

    /// <summary>The flags of this machine's first CPU in /proc/cpuinfo (empty where there is none, e.g. not Linux).</summary>
    public static IReadOnlySet<string> CpuFlags(string cpuinfo = "/proc/cpuinfo")
    {
        if (!File.Exists(cpuinfo)) return new HashSet<string>();
        var line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        return line is null ? new HashSet<string>() : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
    }
}
