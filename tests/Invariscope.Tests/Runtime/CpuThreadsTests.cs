using Invariscope.Runtime;

namespace Invariscope.Tests.Runtime;

public class CpuThreadsTests
{
    static Func<string, string?> Env(params (string k, string v)[] vars) => k => vars.FirstOrDefault(v => v.k == k).v;

    [Fact]
    public void ThreadsFollowTheFlagThenOmpThenSlurmThenCores()
    {
        var all = Env(("OMP_NUM_THREADS", "3"), ("SLURM_CPUS_PER_TASK", "5"));
        Assert.Equal(new ThreadPlan(2, "--threads"), CpuThreads.Plan(2, all, 8));
        Assert.Equal(new ThreadPlan(3, "OMP_NUM_THREADS"), CpuThreads.Plan(null, all, 8));
        Assert.Equal(new ThreadPlan(5, "SLURM_CPUS_PER_TASK"), CpuThreads.Plan(null, Env(("SLURM_CPUS_PER_TASK", "5")), 8));
        Assert.Equal(new ThreadPlan(8, "cores"), CpuThreads.Plan(null, Env(), 8));
        // an OpenMP list takes its first level; values that are not a positive count are not followed
        Assert.Equal(new ThreadPlan(4, "OMP_NUM_THREADS"), CpuThreads.Plan(null, Env(("OMP_NUM_THREADS", "4,2")), 8));
        Assert.Equal(new ThreadPlan(5, "SLURM_CPUS_PER_TASK"), CpuThreads.Plan(null, Env(("OMP_NUM_THREADS", "x"), ("SLURM_CPUS_PER_TASK", "5")), 8));
        Assert.Equal(new ThreadPlan(8, "cores"), CpuThreads.Plan(null, Env(("SLURM_CPUS_PER_TASK", "0")), 8));
    }

    [Fact]
    public void ZeroThreadsIsAnErrorNamingTheFlag()
    {
        var e = Assert.Throws<InvariscopeException>(() => CpuThreads.Plan(0, Env(), 2));
        Assert.Contains("--threads 0", e.Message);
        Assert.Equal("threads", e.Field);
    }

    [Fact]
    public void DotNetsSetEnvironmentVariableDoesNotReachNativeGetenvButNativeSetDoes()
    {
        if (OperatingSystem.IsWindows()) return; // there .NET sets the process environment itself
        var name = $"INVARISCOPE_TEST_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(name, "managed");
        Assert.Null(NativeEnvironment.Get(name)); // why CpuThreads sets libgomp's variables natively
        NativeEnvironment.Set(name, "native");
        Assert.Equal("native", NativeEnvironment.Get(name));
        Assert.Equal("native", Environment.GetEnvironmentVariable(name)); // and child processes inherit it
    }

    static readonly string[] Bench = ["bench", "forward", "--preset", "mu/4@16", "--iters", "1", "--pairs", "1", "--batch-size", "2", "--device", "cpu"];

    /// <summary>libgomp prints the settings it read at load (OMP_DISPLAY_ENV): what it really got from our process.</summary>
    static string LibgompSaw(string output, string variable) =>
        output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(variable + " = ", StringComparison.Ordinal)) ?? $"{variable} not displayed";

    [Fact]
    public void LibgompLoadsWithThePassiveWaitPolicyAndThePlannedThreads()
    {
        var (code, output) = TestData.ChildCli(new Dictionary<string, string?>
        {
            ["OMP_DISPLAY_ENV"] = "VERBOSE", ["OMP_WAIT_POLICY"] = null, ["GOMP_SPINCOUNT"] = null, ["OMP_NUM_THREADS"] = null,
            ["MKL_NUM_THREADS"] = null, ["SLURM_CPUS_PER_TASK"] = "1",
        }, Bench);
        Assert.True(code == 0, output);
        // a count fixed by Slurm cannot give way to other work, so its threads sleep at barriers (spin count 0)
        Assert.Equal("GOMP_SPINCOUNT = '0'", LibgompSaw(output, "GOMP_SPINCOUNT"));
        Assert.Equal("OMP_NUM_THREADS = '1'", LibgompSaw(output, "OMP_NUM_THREADS")); // Slurm's allocation, as the job scripts export it
        Assert.Contains("1 thread now (SLURM_CPUS_PER_TASK); OMP_WAIT_POLICY=PASSIVE", output);
    }

    [Fact]
    public void ACountFromTheCoresKeepsLibgompsSpinningAndFollowsTheLoad()
    {
        var (code, output) = TestData.ChildCli(new Dictionary<string, string?>
        {
            ["OMP_DISPLAY_ENV"] = "VERBOSE", ["OMP_WAIT_POLICY"] = null, ["GOMP_SPINCOUNT"] = null, ["OMP_NUM_THREADS"] = null,
            ["MKL_NUM_THREADS"] = null, ["SLURM_CPUS_PER_TASK"] = null,
        }, Bench);
        Assert.True(code == 0, output);
        Assert.Equal("GOMP_SPINCOUNT = '300000'", LibgompSaw(output, "GOMP_SPINCOUNT")); // libgomp's default, untouched
        Assert.Equal($"OMP_NUM_THREADS = '{Environment.ProcessorCount}'", LibgompSaw(output, "OMP_NUM_THREADS"));
        Assert.Contains(Environment.ProcessorCount >= 2 ? "(cores, following the load)" : "(cores)", output);
    }

    [Fact]
    public void TheThreadsFlagFixesTheCountSoItsThreadsSleep()
    {
        var (code, output) = TestData.ChildCli(new Dictionary<string, string?>
        {
            ["OMP_DISPLAY_ENV"] = "VERBOSE", ["OMP_WAIT_POLICY"] = null, ["GOMP_SPINCOUNT"] = null, ["OMP_NUM_THREADS"] = null, ["SLURM_CPUS_PER_TASK"] = null,
        }, [.. Bench, "--threads", "1"]);
        Assert.True(code == 0, output);
        Assert.Equal("GOMP_SPINCOUNT = '0'", LibgompSaw(output, "GOMP_SPINCOUNT"));
        Assert.Contains("1 thread now (--threads); OMP_WAIT_POLICY=PASSIVE", output);
    }

    [Fact]
    public void TheUsersWaitPolicyAndTheThreadsFlagWin()
    {
        var (code, output) = TestData.ChildCli(new Dictionary<string, string?>
        {
            ["OMP_DISPLAY_ENV"] = "TRUE", ["OMP_WAIT_POLICY"] = "ACTIVE", ["OMP_NUM_THREADS"] = "1", ["SLURM_CPUS_PER_TASK"] = "1",
        }, [.. Bench, "--threads", "2"]);
        Assert.True(code == 0, output);
        Assert.Equal("OMP_WAIT_POLICY = 'ACTIVE'", LibgompSaw(output, "OMP_WAIT_POLICY"));
        Assert.Contains("2 threads now (--threads); OMP_WAIT_POLICY=ACTIVE, GOMP_SPINCOUNT=unset: the user's", output);
    }
}
