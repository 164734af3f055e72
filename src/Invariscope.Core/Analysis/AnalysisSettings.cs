using System.Text.Json.Serialization;
using Invariscope.Runtime;

namespace Invariscope.Analysis;

/// <summary>
/// What <c>invariscope analyze</c> computes, written to <c>analysis.json</c> in the output folder. A resumed
/// analysis must use the same settings, so cached inversions and finished cells stay valid.
/// </summary>
public sealed record AnalysisSettings
{
    /// <summary>The pretrained checkpoint p.</summary>
    [JsonPropertyName("pretrained")] public string Pretrained { get; init; } = "";
    /// <summary>A finetuned checkpoint, or a run folder (then every complete epoch is analysed).</summary>
    [JsonPropertyName("finetuned")] public string Finetuned { get; init; } = "";
    /// <summary>Dataset spec of the probe images X.</summary>
    [JsonPropertyName("data")] public string Data { get; init; } = "";
    /// <summary>Probe images N (a seeded random subset of the dataset).</summary>
    [JsonPropertyName("samples")] public int Samples { get; init; } = 500;
    /// <summary>Seed of the probe subset.</summary>
    [JsonPropertyName("sample_seed")] public int SampleSeed { get; init; }
    /// <summary>STIR repetitions (inversion seeds 0..seeds−1); results are mean and std over them.</summary>
    [JsonPropertyName("seeds")] public int Seeds { get; init; } = 3;
    /// <summary>Inversion iterations (STIR's default 1000; the paper used 500).</summary>
    [JsonPropertyName("steps")] public int Steps { get; init; } = 500;
    /// <summary>Inversion step size.</summary>
    [JsonPropertyName("step_size")] public double StepSize { get; init; } = 0.5;
    /// <summary>Layers: all (blocks and the pooled feature), N = the last N, or a list (negatives from the end).</summary>
    [JsonPropertyName("layers")] public string Layers { get; init; } = "all";
    /// <summary>Metrics: stir, learning, forgetting, cka-divergence, flow.</summary>
    [JsonPropertyName("metrics")] public IReadOnlyList<string> Metrics { get; init; } = AllMetrics;
    /// <summary>Normalisation applied inside the forward pass (the images themselves are in [0, 1]).</summary>
    [JsonPropertyName("normalize")] public string Normalize { get; init; } = "vit";
    /// <summary>Block representation: tokens (all tokens flattened, the reference), cls or mean.</summary>
    [JsonPropertyName("representation")] public string Representation { get; init; } = "tokens";
    /// <summary>Per-layer 95% confidence intervals over probe images (jackknife) and seeds (see <see cref="LayerIntervals"/>).</summary>
    [JsonPropertyName("intervals")] public bool Intervals { get; init; } = true;
    /// <summary>Image-layer rows per inversion batch (memory bound).</summary>
    [JsonPropertyName("max_rows")] public int MaxRows { get; init; } = 512;
    /// <summary>
    /// Checkpoints (by epoch) whose learning is measured: <c>all</c>, <c>final</c> (the last epoch), or a list such
    /// as <c>0,5,10</c>. Learning costs one inversion per checkpoint and seed; forgetting, flow and CKA divergence
    /// reuse the inversions on p and cost forward passes only, so they are measured at every checkpoint. Epoch 0 (p
    /// itself, whose learning is STIR(p|p), the noise floor) is always measured: it reuses the inversions on p.
    /// </summary>
    [JsonPropertyName("learning_epochs")] public string LearningEpochs { get; init; } = "all";
    /// <summary>
    /// A folder where inversions on p are cached under a key of p's backbone weights and the inversion settings, so
    /// analyses that start from the same backbone (settings finetuned from one pretrained model, training seeds)
    /// invert it once; null keeps them in this analysis's own folder.
    /// </summary>
    [JsonPropertyName("inversion_cache")] public string? InversionCache { get; init; }
    /// <summary>Architecture JSON for checkpoints that carry none.</summary>
    [JsonPropertyName("config")] public string? Config { get; init; }
    /// <summary>Architecture preset for checkpoints that carry none.</summary>
    [JsonPropertyName("preset")] public string? Preset { get; init; }

    /// <summary>Every metric name.</summary>
    public static readonly IReadOnlyList<string> AllMetrics = ["stir", "learning", "forgetting", "cka-divergence", "flow"];

    /// <summary>Whether <paramref name="metric"/> was asked for.</summary>
    public bool Wants(string metric) => Metrics.Contains(metric);

    /// <summary>Throws <see cref="InvariscopeException"/> naming the first bad field; <paramref name="checkFiles"/>: also that the checkpoints exist.</summary>
    public AnalysisSettings Validate(bool checkFiles = true)
    {
        void Require(bool ok, string what) { if (!ok) throw new InvariscopeException(what); }
        Require(!checkFiles || File.Exists(Pretrained), $"--pretrained {Pretrained}: file not found");
        Require(!checkFiles || File.Exists(Finetuned) || Directory.Exists(Finetuned), $"--finetuned {Finetuned}: no such checkpoint or run folder");
        Require(Samples >= 4, $"--samples {Samples}: need at least 4 probe images");
        Require(Seeds >= 1, $"--seeds {Seeds}: need at least 1");
        Require(Steps >= 1 && StepSize > 0, $"--steps {Steps} / step_size {StepSize}: must be positive");
        Require(MaxRows >= 1, $"max_rows {MaxRows}: must be positive");
        foreach (var m in Metrics)
            Require(AllMetrics.Contains(m), $"--metrics: unknown metric '{m}' (known: {string.Join(", ", AllMetrics)})");
        Require(Metrics.Count > 0, "--metrics: nothing to compute");
        Require(Representation is "tokens" or "cls" or "mean", $"--representation {Representation}: expected tokens, cls or mean");
        LearningAt(1, 1); // epoch 0 and single checkpoints never read the list: ask about another epoch so a bad list fails here
        return this;
    }

    /// <summary>Whether learning is measured at <paramref name="epoch"/> of a run whose last epoch is <paramref name="final"/> (null epoch: a single checkpoint, always).</summary>
    public bool LearningAt(int? epoch, int final)
    {
        if (epoch is not int e || e == 0 || LearningEpochs == "all") return true;
        if (LearningEpochs == "final") return e == final;
        var list = LearningEpochs.Split(',', StringSplitOptions.TrimEntries);
        foreach (var item in list)
            if (!int.TryParse(item, out var k) || k < 0)
                throw new InvariscopeException($"learning_epochs '{LearningEpochs}': expected all, final or a list of epochs such as 0,5,10");
        return list.Select(int.Parse).Contains(e);
    }

    /// <summary>The settings as JSON.</summary>
    public string ToJson() => Json.Serialize(this);

    /// <summary>Reads settings written by <see cref="ToJson"/>.</summary>
    public static AnalysisSettings FromJson(string json, string source) => Json.Deserialize<AnalysisSettings>(json, source);
}
