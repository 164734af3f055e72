namespace Invariscope.Training;

/// <summary>
/// Learning rate as a pure function of the optimisation step: linear warm-up from 0 over
/// <paramref name="WarmupSteps"/>, then <c>cosine</c> decay to <paramref name="MinLr"/> at
/// <paramref name="TotalSteps"/>, or <c>constant</c>.
/// </summary>
public sealed record LrSchedule(string Kind, double BaseLr, int WarmupSteps, int TotalSteps, double MinLr = 0)
{
    /// <summary>The learning rate for 0-based <paramref name="step"/>.</summary>
    public double GetLr(int step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return BaseLr * (step + 1) / WarmupSteps;
        if (Kind == "constant") return BaseLr;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return MinLr + 0.5 * (BaseLr - MinLr) * (1 + Math.Cos(Math.PI * progress));
    }
}
