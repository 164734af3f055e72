namespace Invariscope.Analysis;

/// <summary>
/// The analysis's metric names, with one spelling (snake_case) wherever a metric is named: in a request
/// (<see cref="AnalysisOptions.Metrics"/>, <c>analyze --metrics</c>, a study's <c>analysis.metrics</c>) and in the
/// results (the per-layer keys of results.json and per_layer.csv, statistics.json, the report).
/// </summary>
public static class MetricNames
{
    /// <summary>Both STIR directions, per layer: <see cref="StirFGivenP"/> and <see cref="StirPGivenF"/>.</summary>
    public const string Stir = "stir";
    /// <summary>Learning = 1 − STIR(p | f): invariances the finetuned layer gained.</summary>
    public const string Learning = "learning";
    /// <summary>Forgetting = 1 − STIR(f | p): pretrained invariances the finetuned layer lost.</summary>
    public const string Forgetting = "forgetting";
    /// <summary>1 − linear CKA of p and f on the probe images.</summary>
    public const string CkaDivergence = "cka_divergence";
    /// <summary>The invariance flow matrix (results.json's flow_mean, flow_std, flow_summary; flow.csv).</summary>
    public const string Flow = "flow";
    /// <summary>Result key of STIR(f | p) per layer (requested as <see cref="Stir"/>).</summary>
    public const string StirFGivenP = "stir_f_given_p";
    /// <summary>Result key of STIR(p | f) per layer (requested as <see cref="Stir"/>).</summary>
    public const string StirPGivenF = "stir_p_given_f";

    /// <summary>Every metric an analysis can be asked for.</summary>
    public static readonly IReadOnlyList<string> All = [Stir, Learning, Forgetting, CkaDivergence, Flow];

    /// <summary>The per-layer metrics compared between settings (statistics) and drawn per layer and over epochs (report).</summary>
    public static readonly IReadOnlyList<string> Compared = [Learning, Forgetting, CkaDivergence];

    /// <summary>Null when <paramref name="name"/> is a metric; else the problem, naming the right spelling when it is a misspelling of one.</summary>
    public static string? Problem(string name)
    {
        if (All.Contains(name)) return null;
        var spelled = name.Trim().ToLowerInvariant().Replace('-', '_');
        return All.Contains(spelled)
            ? $"unknown metric '{name}': did you mean '{spelled}'? (metric names are snake_case)"
            : $"unknown metric '{name}' (known: {string.Join(", ", All)})";
    }
}
