using System.Text.RegularExpressions;
using Invariscope.Cli;
using Invariscope.Study;

namespace Invariscope.Tests.Cli;

public class ProgressBarTests
{
    /// <summary>A clock the test moves by hand.</summary>
    sealed class FakeClock(DateTimeOffset start) : TimeProvider
    {
        long ticks;
        public void Advance(TimeSpan by) => ticks += by.Ticks;
        public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks(ticks);
        public override long GetTimestamp() => ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    static readonly DateTimeOffset Noon = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    static string Stamp(FakeClock clock) => LogLine.Stamp(clock.GetUtcNow());

    [Fact]
    public void A_log_gets_no_line_without_a_rate_and_every_line_has_its_time()
    {
        var output = new StringWriter();
        var clock = new FakeClock(Noon);
        var bar = new ProgressBar("epoch 1/2", "batch", output, clock) { Suffix = "loss 0.5" };
        bar.Report((1, 100));                      // created just before: no time has been measured, so no line
        clock.Advance(TimeSpan.FromSeconds(0.1));
        bar.Report((2, 100));                      // 0.1 s is too short to give a rate: no line either
        clock.Advance(TimeSpan.FromSeconds(2.9));
        bar.Report((30, 100));                     // 29 steps in 3 s
        string first = Stamp(clock);
        clock.Advance(TimeSpan.FromSeconds(2));
        bar.Report((50, 100));                     // 2 s after the last line: none
        clock.Advance(TimeSpan.FromSeconds(8));
        bar.Report((100, 100));                    // final: always drawn; 99 steps in 13 s
        Assert.Equal(
        [
            $"{first} epoch 1/2 [#######.................] 30/100 9.7 batch/s eta 7s loss 0.5",
            $"{Stamp(clock)} epoch 1/2 [########################] 100/100 7.6 batch/s eta 0s loss 0.5",
        ], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_bar_done_at_its_first_report_still_prints_its_line()
    {
        var output = new StringWriter();
        var clock = new FakeClock(Noon);
        var bar = new ProgressBar("evaluate", "set", output, clock);
        clock.Advance(TimeSpan.FromSeconds(2));
        bar.Report((4, 4));
        Assert.Equal($"{Stamp(clock)} evaluate [########################] 4/4 2.0 set/s eta 0s\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Log_lines_carry_the_local_time()
    {
        var output = new StringWriter();
        var clock = new FakeClock(Noon);
        LogLine.To(output, clock)("[2/9] ft: training");
        Assert.Equal($"{Noon.ToLocalTime():yyyy-MM-dd HH:mm:ss} [2/9] ft: training", output.ToString().TrimEnd());
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "), output.ToString());
    }

    [Fact]
    public void The_time_left_is_each_pending_cell_at_its_stages_measured_rate()
    {
        var left = new TimeLeft();
        Assert.Null(left.Describe(["training", "analysis"]));             // nothing measured: no guess
        left.Add("training", 100);
        left.Add("training", 140);                                          // 120 s a training cell
        left.Add("robustness", 6);
        var (seconds, untimed) = left.Estimate(["training", "training", "robustness", "robustness", "robustness", "analysis"]);
        Assert.Equal(2 * 120 + 3 * 6.0, seconds);
        Assert.Equal(["analysis"], untimed);
        Assert.Equal("about 4 min left", left.Describe(["training", "training", "robustness", "robustness", "robustness"]));
        Assert.Equal("about 12 s left, and analysis, report not timed yet", left.Describe(["robustness", "robustness", "analysis", "analysis", "report"]));
        Assert.Equal("about 3.3 h left", left.Describe(Enumerable.Repeat("training", 100)));
        Assert.Equal("about 2 min left", left.Describe(["training", "training", "robustness", "robustness", "robustness"], workers: 2)); // --jobs 2: 258 s of cells in 129
        Assert.Equal("time left: analysis, report not timed yet", left.Describe(["analysis", "report"]));
        left.Add("report", 0.2);
        Assert.Equal("under a second left", left.Describe(["report"]));
        Assert.Null(left.Describe([]));                                     // nothing left
    }

    [Fact]
    public void Each_run_of_a_study_gets_its_own_bar_though_its_epochs_count_from_1_again()
    {
        var output = new StringWriter();
        var steps = ProgressBar.TrainingSteps(output);
        steps(new Invariscope.Training.StepProgress(1, 1, "train", 1, 1, 0.5, 0.5, 10));   // pretraining, epoch 1 of 1
        steps(new Invariscope.Training.StepProgress(1, 3, "ft", 1, 1, 0.4, 0.6, 10));      // the next run's epoch 1
        steps(new Invariscope.Training.StepProgress(1, 3, "ft", 1, 1, 0.3, 0.7, 10));      // and the run after it
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains(" epoch 1/1 [train] ", lines[0]);
        Assert.Contains(" epoch 1/3 [ft] ", lines[1]);
        Assert.Contains(" epoch 1/3 [ft] ", lines[2]);
        Assert.Contains("loss 0.3000", lines[2]);
    }
}
