using Invariscope.Bench;

namespace Invariscope.Tests.Bench;

public class BenchLoadTests
{
    [Fact]
    public void TheCompetingProcessBurnsCpuAndIsGoneWhenDisposed()
    {
        int id;
        using (var load = new CompetingLoad())
        {
            id = load.Id;
            Thread.Sleep(300);
            var stat = File.ReadAllText($"/proc/{id}/stat").Split(' ');
            long ticks = long.Parse(stat[13]) + long.Parse(stat[14]); // utime + stime
            Assert.True(ticks > 0, "the busy loop should have used CPU time");
        }
        Assert.False(Directory.Exists($"/proc/{id}") && File.ReadAllText($"/proc/{id}/stat").Split(' ')[2] != "Z", $"process {id} still runs");
    }

    [Fact]
    public void BenchLoadPrintsTheLoadedToQuietRatioInOneRun()
    {
        var (code, output) = TestData.ChildCli(new Dictionary<string, string?>(),
            ["bench", "load", "--preset", "mu/4@16", "--batch-size", "4", "--iters", "1", "--pairs", "2", "--device", "cpu"]);
        Assert.True(code == 0, output);
        Assert.Matches(@"pair 2: without [\d.]+ \(\d threads?\), with one competing process [\d.]+ img/s \(\d threads?\): ratio [\d.]+", output);
        Assert.Matches(@"loaded/quiet ratio: [\d.]+ \(median of 2 interleaved pairs", output);
    }
}
