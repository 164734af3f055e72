using Invariscope.Runtime;

namespace Invariscope.Tests.Runtime;

public class CpuGovernorTests
{
    [Fact]
    public void OthersBusyCoresAreTakenFromTheMaximumDownToOne()
    {
        Assert.Equal(2, CpuGovernor.Threads(2, 0.0));
        Assert.Equal(2, CpuGovernor.Threads(2, 0.4)); // background noise keeps every core
        Assert.Equal(1, CpuGovernor.Threads(2, 0.6));
        Assert.Equal(1, CpuGovernor.Threads(2, 1.0)); // one competing CPU-bound process on 2 cores
        Assert.Equal(1, CpuGovernor.Threads(2, 5.0)); // never below one
        Assert.Equal(6, CpuGovernor.Threads(8, 2.2));
    }

    [Fact]
    public void OthersAreTheMachinesBusyTimeLessOurs()
    {
        // 1 s apart: the machine was busy 150 jiffies (1.5 cores), we 60 of them: others kept 0.9 cores busy
        Assert.Equal(0.9, CpuGovernor.OthersBusyCores((1000, 400), (1150, 460), 1.0), 9);
        Assert.Equal(0.0, CpuGovernor.OthersBusyCores((1000, 400), (1050, 460), 1.0)); // never negative (rounding of the two counters)
        Assert.Equal(0.0, CpuGovernor.OthersBusyCores((1000, 400), (1150, 460), 0.0));
    }

    [Fact]
    public void ProcFilesParse()
    {
        // user nice system idle iowait irq softirq steal: busy = user + nice + system + irq + softirq + steal
        Assert.Equal(10 + 2 + 5 + 1 + 1 + 3, CpuGovernor.MachineBusy("cpu  10 2 5 1000 7 1 1 3 0 0"));
        Assert.Throws<FormatException>(() => CpuGovernor.MachineBusy("cpu0 1 2"));
        // the command name may hold spaces and parentheses; utime and stime are fields 14 and 15
        const string stat = "4242 (dotnet (x) y) R 1 2 3 4 5 6 7 8 9 10 120 30 0 0 20 0 8 0 100 0 0";
        Assert.Equal(150, CpuGovernor.ProcessBusy(stat));
        // and the real files parse: this test process has used CPU time, and so has the machine
        Assert.True(CpuGovernor.ProcessBusy(File.ReadAllText("/proc/self/stat")) > 0);
        Assert.True(CpuGovernor.MachineBusy(File.ReadLines("/proc/stat").First()) > 0);
    }
}
