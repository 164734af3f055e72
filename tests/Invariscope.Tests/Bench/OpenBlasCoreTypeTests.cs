using Invariscope.Bench;

namespace Invariscope.Tests.Bench;

public class OpenBlasCoreTypeTests
{
    static HashSet<string> Flags(string line) => line.Split(' ').ToHashSet();

    [Fact]
    public void TheKernelFollowsTheWidestVectorUnits()
    {
        const string avx512 = "fma avx avx2 avx512f avx512cd avx512bw avx512dq avx512vl";
        Assert.Equal("Cooperlake", OpenBlasCoreType.For(Flags(avx512 + " avx512_bf16")));
        Assert.Equal("SkylakeX", OpenBlasCoreType.For(Flags(avx512)));
        Assert.Equal("Haswell", OpenBlasCoreType.For(Flags("fma avx avx2 avx512f"))); // AVX-512 F alone is not enough
        Assert.Equal("Sandybridge", OpenBlasCoreType.For(Flags("avx sse4_2")));
        Assert.Null(OpenBlasCoreType.For(Flags("sse2")));
    }

    [Fact]
    public void FlagsComeFromTheFirstCpuOfCpuinfo()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "processor\t: 0\nflags\t\t: fpu avx avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n");
            Assert.Equal(["avx", "avx2", "fma", "fpu"], OpenBlasCoreType.CpuFlags(file).Order());
            Assert.Empty(OpenBlasCoreType.CpuFlags("/nonexistent/cpuinfo"));
        }
        finally { File.Delete(file); }
    }
}
