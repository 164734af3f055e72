using static TorchSharp.torch;

namespace Invariscope.Runtime;

/// <summary>How many threads libtorch's CPU ops use, and where that number came from.</summary>
/// <param name="Threads">Intra-op threads (OpenMP and MKL), at least 1.</param>
/// <param name="Source"><c>--threads</c>, <c>OMP_NUM_THREADS</c>, <c>SLURM_CPUS_PER_TASK</c> or <c>cores</c>.</param>
public sealed record ThreadPlan(int Threads, string Source);

/// <summary>
/// Thread count and OpenMP wait policy for a machine that other work shares. libtorch's OpenMP threads spin at every
/// barrier by default; with another CPU-bound process on the same cores one of them is descheduled while the other
/// spins, and a micro-ViT forward ran 0.03x as fast as on one thread (issue 16). Two remedies: fewer threads when
/// others are busy (<see cref="CpuGovernor"/>, where the count is ours to choose), and a passive wait policy, which
/// sleeps at barriers but costs a third of a quiet machine's rate on small models (where the count is fixed).
/// libgomp reads its environment once, when it loads, and only through the C library's <c>getenv</c>, so
/// <see cref="PrepareProcess"/> sets it natively (<see cref="NativeEnvironment"/>) before anything touches TorchSharp.
/// The thread count can change later (<see cref="Apply"/>): <c>--threads</c> beats <c>OMP_NUM_THREADS</c>, which beats
/// Slurm's <c>SLURM_CPUS_PER_TASK</c>, which beats the cores this process may run on; the Slurm job scripts export
/// the same order (Study/Slurm/JobScript).
/// </summary>
public static class CpuThreads
{
    /// <summary>libgomp's wait policy variable.</summary>
    public const string WaitPolicyVar = "OMP_WAIT_POLICY";
    /// <summary>libgomp's spin count variable (a finer form of the wait policy; a user's value is left alone too).</summary>
    public const string SpinCountVar = "GOMP_SPINCOUNT";
    /// <summary>The wait policy set for a fixed thread count when the user set none (README, "Speed on the CPU").</summary>
    public const string DefaultWaitPolicy = "PASSIVE";

    static ThreadPlan? _prepared;
    static ThreadPlan? _applied;

    /// <summary>The plan <see cref="Apply"/> set last, or null before it ran.</summary>
    public static ThreadPlan? Applied => _applied;
    static string _waitPolicy = "not prepared by invariscope (a library caller)";

    /// <summary>The thread count from the options and the environment: see the class summary for the order.</summary>
    /// <param name="requested"><c>--threads</c>, or null.</param>
    /// <param name="env">Reads an environment variable (null when unset).</param>
    /// <param name="cores">CPUs this process may run on.</param>
    public static ThreadPlan Plan(int? requested, Func<string, string?> env, int cores)
    {
        if (requested is int n)
            return n >= 1 ? new ThreadPlan(n, "--threads")
                : throw new InvariscopeException($"--threads {n}: must be at least 1") { Field = "threads" };
        if (FirstCount(env("OMP_NUM_THREADS")) is int omp) return new ThreadPlan(omp, "OMP_NUM_THREADS");
        if (FirstCount(env("SLURM_CPUS_PER_TASK")) is int slurm) return new ThreadPlan(slurm, "SLURM_CPUS_PER_TASK");
        return new ThreadPlan(Math.Max(1, cores), "cores");
    }

    /// <summary>The first count of an OpenMP-style list ("4" or "4,2"), or null when absent or not a positive number.</summary>
    static int? FirstCount(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return int.TryParse(value.Split(',')[0].Trim(), out var n) && n >= 1 ? n : null;
    }

    /// <summary>
    /// Before libtorch loads (first thing in <c>Main</c>, while the process has one thread): where the thread count is
    /// fixed (<c>--threads</c> among <paramref name="args"/>, <c>OMP_NUM_THREADS</c>, <c>SLURM_CPUS_PER_TASK</c>), sets
    /// the passive wait policy unless the user chose one (<see cref="WaitPolicyVar"/> or <see cref="SpinCountVar"/>):
    /// a fixed count cannot give way to other work, so its threads must not spin. Where the count comes from the cores,
    /// <see cref="CpuGovernor"/> gives way instead and libgomp keeps its fast default. Sets
    /// <c>OMP_NUM_THREADS</c>/<c>MKL_NUM_THREADS</c> to the planned count unless set, in the native environment.
    /// Later calls do nothing. Returns the plan.
    /// </summary>
    public static ThreadPlan PrepareProcess(IReadOnlyList<string>? args = null)
    {
        if (_prepared is { } done) return done;
        var plan = Plan(null, NativeEnvironment.Get, Environment.ProcessorCount);
        bool fixedCount = plan.Source != "cores" || (args ?? []).Any(a => a == "--threads" || a.StartsWith("--threads=", StringComparison.Ordinal));
        if (!fixedCount) _waitPolicy = "libgomp's default (the thread count follows the load)";
        else if (NativeEnvironment.Get(WaitPolicyVar) is null && NativeEnvironment.Get(SpinCountVar) is null)
        {
            NativeEnvironment.Set(WaitPolicyVar, DefaultWaitPolicy);
            _waitPolicy = "set by invariscope";
        }
        else _waitPolicy = "the user's";
        foreach (var v in new[] { "OMP_NUM_THREADS", "MKL_NUM_THREADS" })
            if (NativeEnvironment.Get(v) is null) NativeEnvironment.Set(v, plan.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return _prepared = plan;
    }

    /// <summary>
    /// After libtorch loads, on the compute thread: sets its intra-op thread count to <paramref name="requested"/>
    /// (<c>--threads</c>), else to what <see cref="PrepareProcess"/> planned, else to the plan from the environment now;
    /// a count from the cores then follows the machine's load (<see cref="CpuGovernor"/>). Returns the plan.
    /// </summary>
    public static ThreadPlan Apply(int? requested)
    {
        var plan = requested is null && _prepared is { } prepared ? prepared
            : Plan(requested, Environment.GetEnvironmentVariable, Environment.ProcessorCount);
        if (get_num_threads() != plan.Threads) set_num_threads(plan.Threads);
        if (plan.Source == "cores" && _prepared is not null) CpuGovernor.Enable(plan.Threads);
        else CpuGovernor.Disable();
        return _applied = plan;
    }

    /// <summary>
    /// One line for benchmarks and logs: libtorch's threads and where the count came from, and the wait policy as the
    /// native environment holds it now (what libgomp read at load, unless native code changed it since).
    /// </summary>
    public static string Describe()
    {
        var source = _applied?.Source ?? _prepared?.Source ?? "libtorch's default";
        var native = string.Join(", ", new[] { WaitPolicyVar, SpinCountVar }.Select(v => $"{v}={NativeEnvironment.Get(v) ?? "unset"}"));
        int n = get_num_threads();
        var follows = CpuGovernor.Enabled ? ", following the load" : "";
        return $"{n} thread{(n == 1 ? "" : "s")} now ({source}{follows}); {native}: {_waitPolicy}";
    }
}
