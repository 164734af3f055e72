namespace Invariscope.Bench;

/// <summary>
/// Two sides measured in interleaved pairs on a noisy machine, and the ratio within each pair: the pairs' ratios
/// cancel what the load did to both, so the median ratio is the figure, with its range as the noise.
/// </summary>
public sealed class Pairs
{
    readonly List<double> _first = [], _second = [], _ratios = [];

    /// <summary>Adds one pair and its ratio.</summary>
    public void Add(double first, double second, double ratio)
    {
        _first.Add(first);
        _second.Add(second);
        _ratios.Add(ratio);
    }

    /// <summary>Median of the first side's values.</summary>
    public double First => Median(_first);
    /// <summary>Median of the second side's values.</summary>
    public double Second => Median(_second);

    /// <summary>"NAME: median (median of N interleaved pairs; range lo-hi)".</summary>
    public string Ratio(string name) =>
        $"{name}: {Median(_ratios):F2} (median of {_ratios.Count} interleaved pairs; range {_ratios.Min():F2}-{_ratios.Max():F2})";

    /// <summary>The middle value (the upper one of an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
