using System.Text.Json;
using System.Text.Json.Serialization;
using Invariscope.Training;

namespace Invariscope.Analysis;

/// <summary>How close one inversion came to its target: relative L2 error of m1(x') to m1(x) over the N images.</summary>
public sealed record InversionDiagnostics(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("layer")] string Layer,
    [property: JsonPropertyName("median")] double Median,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("mean")] double Mean)
{
    /// <summary>Summarises per-image errors.</summary>
    public static InversionDiagnostics Of(string model, int seed, string layer, double[] errors)
    {
        var sorted = errors.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new InversionDiagnostics(model, seed, layer, median, sorted[^1], sorted.Average());
    }
}

/// <summary>
/// The STIR results of one (checkpoint, seed): the unit of work that a resumed analysis skips when done.
/// <see cref="FlowStir"/>[i][j] = STIR(f_j | p_i) (its diagonal is STIR(f_i | p_i), i.e. 1 − forgetting);
/// <see cref="StirPGivenF"/>[i] = STIR(p_i | f_i) (1 − learning). Null where not asked for. The loo arrays hold,
/// per layer, the same STIR value with each probe image left out in turn ([layer][i], the jackknife).
/// </summary>
public sealed record AnalysisCell(
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName(MetricNames.StirFGivenP)] double[]? StirFGivenP,
    [property: JsonPropertyName("flow_stir")] double[][]? FlowStir,
    [property: JsonPropertyName(MetricNames.StirPGivenF)] double[]? StirPGivenF,
    [property: JsonPropertyName("inversions")] IReadOnlyList<InversionDiagnostics> Inversions,
    [property: JsonPropertyName("loo_stir_f_given_p")] double[][]? LooFGivenP = null,
    [property: JsonPropertyName("loo_stir_p_given_f")] double[][]? LooPGivenF = null);

/// <summary>CKA divergence per layer of one checkpoint (seed-independent), and with each probe image left out ([layer][i]).</summary>
public sealed record CkaDivergenceCell(
    [property: JsonPropertyName("divergence")] double[] Divergence,
    [property: JsonPropertyName("loo_divergence")] double[][]? LeaveOneOut);

/// <summary>The folder layout of an analysis: settings, cached inversions on p, finished cells, results.</summary>
public sealed class AnalysisFolder(string root)
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

    /// <summary>JSON options of every analysis file (NaN and ±inf written as strings, so no result is lost).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes a JSON value atomically.</summary>
    public static void Write<T>(string path, T value) => RunFolder.WriteAtomic(path, JsonSerializer.Serialize(value, Options));

    /// <summary>Reads a JSON value, or default when the file is absent.</summary>
    public static T? Read<T>(string path) => File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) : default;
}
