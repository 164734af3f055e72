namespace Invariscope.Layout;

/// <summary>
/// The layout of an invariance analysis: <c>analysis.json</c> (its settings), <c>cache/</c> (inversions on the
/// pretrained model, when not shared), <c>cells/</c> (one file per finished (checkpoint, seed) and per checkpoint's
/// CKA divergence), and the results aggregated from the cells: <c>results.json</c> plus CSV tables.
/// </summary>
public sealed class AnalysisLayout(string root)
{
    /// <summary>The output folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);
    /// <summary>The settings.</summary>
    public string SettingsPath => Path.Combine(Root, "analysis.json");
    /// <summary>Cached inversions on the pretrained model, one file per seed.</summary>
    public string PretrainedInversions(int seed) => Path.Combine(Root, "cache", $"inversions_pretrained_s{seed}.safetensors");
    /// <summary>The STIR cell of a checkpoint and seed.</summary>
    public string Cell(string checkpoint, int seed) => Path.Combine(Root, "cells", $"{checkpoint}_s{seed}.json");
    /// <summary>The CKA divergences of a checkpoint (seed-independent).</summary>
    public string CkaCell(string checkpoint) => Path.Combine(Root, "cells", $"{checkpoint}_cka.json");
    /// <summary>Everything aggregated from the cells.</summary>
    public string Results => Path.Combine(Root, "results.json");
    /// <summary>Per-layer means, stds and intervals as CSV.</summary>
    public string PerLayerCsv => Path.Combine(Root, "per_layer.csv");
    /// <summary>The flow matrices as CSV.</summary>
    public string FlowCsv => Path.Combine(Root, "flow.csv");
    /// <summary>Across-layer aggregates as CSV.</summary>
    public string AggregatesCsv => Path.Combine(Root, "aggregates.csv");
    /// <summary>Every inversion's diagnostics as CSV.</summary>
    public string InversionsCsv => Path.Combine(Root, "inversions.csv");

    /// <summary>
    /// The inversions on p of seed <paramref name="seed"/> in a shared cache folder (see <c>InversionCache</c>), under
    /// the key of p and the inversion settings.
    /// </summary>
    public static string SharedInversions(string cacheRoot, string key, int seed) =>
        Path.Combine(cacheRoot, key, $"inversions_s{seed}.safetensors");
}
