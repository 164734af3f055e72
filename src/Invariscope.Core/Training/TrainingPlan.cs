namespace Invariscope.Training;

/// <summary>One phase of a run: which parameters train, for how long, at what peak learning rate.</summary>
/// <param name="Name"><c>train</c> (scratch), <c>ft</c>, <c>lp</c> or <c>hp</c>.</param>
/// <param name="Epochs">Epochs in the phase (an hp phase may end earlier, see <paramref name="StopAtTrainAcc"/>).</param>
/// <param name="HeadOnly">Only the classification head trains (linear/head probing).</param>
/// <param name="Lr">Peak learning rate of the phase.</param>
/// <param name="StopAtTrainAcc">End the phase once an epoch's training accuracy reaches this.</param>
public sealed record Phase(string Name, int Epochs, bool HeadOnly, double Lr, double? StopAtTrainAcc = null);

/// <summary>The phases a strategy runs, in order (a pure function of the config).</summary>
public static class TrainingPlan
{
    /// <summary>scratch/ft: one phase; lp: head only; lp-ft: lp then ft; hp-ft: hp (maybe stopped early) then ft.</summary>
    public static IReadOnlyList<Phase> For(TrainConfig c)
    {
        double probeLr = c.ProbeLr ?? 10 * c.Lr;
        return c.Strategy switch
        {
            "scratch" => [new Phase("train", c.Epochs, false, c.Lr)],
            "ft" => [new Phase("ft", c.Epochs, false, c.Lr)],
            "lp" => [new Phase("lp", c.Epochs, true, probeLr)],
            "lp-ft" => [new Phase("lp", c.LpEpochs, true, probeLr), new Phase("ft", c.Epochs, false, c.Lr)],
            "hp-ft" => [new Phase("hp", c.HpEpochs, true, probeLr, c.HpTargetAcc), new Phase("ft", c.Epochs, false, c.Lr)],
            _ => throw new Runtime.InvariscopeException($"unknown strategy '{c.Strategy}'"),
        };
    }
}
