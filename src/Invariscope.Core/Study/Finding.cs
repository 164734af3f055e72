using System.Text.Json.Serialization;

namespace Invariscope.Study;

/// <summary>The verdicts a finding can have.</summary>
public static class Verdict
{
    /// <summary>The claim holds by its rule.</summary>
    public const string Reproduced = "reproduced";
    /// <summary>The data go against the claim by its rule.</summary>
    public const string NotReproduced = "not reproduced";
    /// <summary>Neither: too little evidence, a result near a threshold that float noise could flip, or a precondition missing.</summary>
    public const string Inconclusive = "inconclusive";
}

/// <summary>
/// One qualitative claim of the paper, tested on this study: the measured value with its interval, the verdict, and
/// the rule that gave it (fixed in <see cref="Findings"/> before any data is seen, and written out with the result).
/// </summary>
/// <param name="Id">Stable id, e.g. <c>headline_beyond_baselines</c>.</param>
/// <param name="Claim">The claim in words.</param>
/// <param name="Settings">The settings it was measured on.</param>
/// <param name="Measure">What <paramref name="Value"/> is.</param>
/// <param name="Value">The measured value.</param>
/// <param name="Lower">Lower end of its interval (NaN when there is none).</param>
/// <param name="Upper">Upper end of its interval.</param>
/// <param name="Interval">What the interval is (e.g. "95% Welch over 3 training seeds").</param>
/// <param name="Verdict">reproduced, not reproduced or inconclusive.</param>
/// <param name="Rule">The decision rule.</param>
/// <param name="Detail">The numbers the rule looked at.</param>
public sealed record Finding(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("claim")] string Claim,
    [property: JsonPropertyName("settings")] IReadOnlyList<string> Settings,
    [property: JsonPropertyName("measure")] string Measure,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("lower")] double Lower,
    [property: JsonPropertyName("upper")] double Upper,
    [property: JsonPropertyName("interval")] string Interval,
    [property: JsonPropertyName("verdict")] string Verdict,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("detail")] string Detail);
