using Invariscope.Cli;

namespace Invariscope.Tests.Cli;

public class ProgressBarTests
{
    [Fact]
    public void A_bar_shows_no_rate_until_it_has_timed_some_steps_then_a_plausible_one()
    {
        var output = new StringWriter();
        var bar = new ProgressBar("epoch 1/2", "batch", output) { Suffix = "loss 0.5" };
        bar.Report((1, 100));                      // created just before: no time has been measured
        Thread.Sleep(300);
        bar.Report((100, 100));                    // final: always drawn
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("epoch 1/2 [........................] 1/100 -- batch/s loss 0.5", lines[0]);
        Assert.StartsWith("epoch 1/2 [########################] 100/100 ", lines[1]);
        double rate = double.Parse(lines[1].Split(' ')[4], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(rate, 10, 99 / 0.3);        // 99 steps in at least 0.3 s
        Assert.EndsWith("batch/s eta 0s loss 0.5", lines[1]);
    }
}
