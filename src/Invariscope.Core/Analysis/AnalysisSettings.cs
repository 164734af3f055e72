using System.Text.Json.Serialization;
using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Analysis;

/// <summary>
/// What an analysis measures and how, with the paper's defaults (500 probe images, 3 STIR seeds, 500 steps of size
/// 0.5): everything but which checkpoints it compares. A study's <c>analysis</c> section is this record (every field
/// can be set there), shared by all its runs; <see cref="AnalysisSettings"/> adds the run's checkpoints.
/// <para>Validation names the field (<c>steps 0: …</c>, with <see cref="InvariscopeException.Field"/> set), never
/// a command-line flag: the CLI says which of its flags sets the field, and a study prefixes its section.</para>
/// </summary>
public record AnalysisOptions
{
    /// <summary>Dataset spec of the probe images X.</summary>
    [JsonPropertyName("data")] public string Data { get; init; } = "";
    /// <summary>Probe images N (a seeded random subset of the dataset).</summary>
    [JsonPropertyName("samples")] public int Samples { get; init; } = 500;
    /// <summary>Seed of the probe subset.</summary>
    [JsonPropertyName("sample_seed")] public int SampleSeed { get; init; }
    /// <summary>STIR repetitions (inversion seeds 0..seeds−1); results are mean and std over them.</summary>
    [JsonPropertyName("seeds")] public int Seeds { get; init; } = 3;
    /// <summary>Inversion iterations (the paper's 500; the reference library's default is 1000).</summary>
    [JsonPropertyName("steps")] public int Steps { get; init; } = 500;
    /// <summary>Pixel-space L2 length of each normalised inversion step (the reference's 0.5).</summary>
    [JsonPropertyName("step_size")] public double StepSize { get; init; } = 0.5;
    /// <summary>Layers, in the grammar of <see cref="LayerSelection.Parse"/>: all (every block and pre_logits), last:N, or a list of indices and names.</summary>
    [JsonPropertyName("layers")] public string Layers { get; init; } = "all";
    /// <summary>Metrics (see <see cref="MetricNames.All"/>): stir, learning, forgetting, cka_divergence, flow.</summary>
    [JsonPropertyName("metrics")] public IReadOnlyList<string> Metrics { get; init; } = MetricNames.All;
    /// <summary>Block representation: tokens (all tokens flattened, the reference), cls or mean.</summary>
    [JsonPropertyName("representation"), JsonPropertyOrder(2)] public string Representation { get; init; } = "tokens";
    /// <summary>Per-layer 95% confidence intervals over probe images (jackknife) and seeds (see <see cref="LayerIntervals"/>).</summary>
    [JsonPropertyName("intervals"), JsonPropertyOrder(2)] public bool Intervals { get; init; } = true;
    /// <summary>Image-layer rows per inversion batch (memory bound).</summary>
    [JsonPropertyName("max_rows"), JsonPropertyOrder(2)] public int MaxRows { get; init; } = 512;
    /// <summary>
    /// Checkpoints (by epoch) whose learning is measured: <c>all</c>, <c>final</c> (the last epoch), or a list such
    /// as <c>0,5,10</c>. Learning costs one inversion per checkpoint and seed; forgetting, flow and CKA divergence
    /// reuse the inversions on p and cost forward passes only, so they are measured at every checkpoint. Epoch 0 (p
    /// itself, whose learning is STIR(p|p), the noise floor) is always measured: it reuses the inversions on p.
    /// </summary>
    [JsonPropertyName("learning_epochs"), JsonPropertyOrder(2)] public string LearningEpochs { get; init; } = "all";

    /// <summary>Creates the defaults.</summary>
    public AnalysisOptions() { }

    /// <summary>Whether <paramref name="metric"/> (a <see cref="MetricNames"/> constant) was asked for.</summary>
    public bool Wants(string metric) => Metrics.Contains(metric);

    /// <summary>Throws <see cref="InvariscopeException"/> naming the first bad field; touches no file.</summary>
    public void ValidateFields()
    {
        Require(Samples >= 4, "samples", $"samples {Samples}: need at least 4 probe images");
        Require(Seeds >= 1, "seeds", $"seeds {Seeds}: need at least 1");
        StirSettings.Of(this).Validate();
        foreach (var m in Metrics)
            if (MetricNames.Problem(m) is { } problem) Require(false, "metrics", $"metrics: {problem}");
        Require(Metrics.Count > 0, "metrics", "metrics: nothing to compute");
        LayerSelection.Parse(Layers, "layers"); // the syntax; the range needs the model's depth
        Require(Representation is "tokens" or "cls" or "mean", "representation", $"representation {Representation}: expected tokens, cls or mean");
        LearningAt(1, 1); // epoch 0 and single checkpoints never read the list: ask about another epoch so a bad list fails here
    }

    /// <summary>Throws <see cref="InvariscopeException"/> for <paramref name="field"/> with <paramref name="message"/> (which begins with the field's name) unless <paramref name="ok"/>.</summary>
    protected static void Require(bool ok, string field, string message)
    {
        if (!ok) throw new InvariscopeException(message) { Field = field };
    }

    /// <summary>Whether learning is measured at <paramref name="epoch"/> of a run whose last epoch is <paramref name="final"/> (null epoch: a single checkpoint, always).</summary>
    public bool LearningAt(int? epoch, int final)
    {
        if (epoch is not int e || e == 0 || LearningEpochs == "all") return true;
        if (LearningEpochs == "final") return e == final;
        var list = LearningEpochs.Split(',', StringSplitOptions.TrimEntries);
        foreach (var item in list)
            Require(int.TryParse(item, out var k) && k >= 0, "learning_epochs",
                $"learning_epochs '{LearningEpochs}': expected all, final or a list of epochs such as 0,5,10");
        return list.Select(int.Parse).Contains(e);
    }
}

/// <summary>
/// What <c>invariscope analyze</c> computes, written to <c>analysis.json</c> in the output folder: the
/// <see cref="AnalysisOptions"/> plus the checkpoints compared and how to read them. A resumed analysis must use the
/// same settings, so cached inversions and finished cells stay valid.
/// </summary>
public sealed record AnalysisSettings : AnalysisOptions
{
    /// <summary>The pretrained checkpoint p.</summary>
    [JsonPropertyName("pretrained"), JsonPropertyOrder(-1)] public string Pretrained { get; init; } = "";
    /// <summary>A finetuned checkpoint, or a run folder (then every complete epoch is analysed).</summary>
    [JsonPropertyName("finetuned"), JsonPropertyOrder(-1)] public string Finetuned { get; init; } = "";
    /// <summary>Normalisation applied inside the forward pass, the one the models were trained with (the images themselves are in [0, 1]).</summary>
    [JsonPropertyName("normalize"), JsonPropertyOrder(1)] public string Normalize { get; init; } = "vit";
    /// <summary>
    /// A folder where inversions on p are cached under a key of p's backbone weights and the inversion settings, so
    /// analyses that start from the same backbone (settings finetuned from one pretrained model, training seeds)
    /// invert it once; null keeps them in this analysis's own folder.
    /// </summary>
    [JsonPropertyName("inversion_cache"), JsonPropertyOrder(3)] public string? InversionCache { get; init; }
    /// <summary>Architecture JSON for checkpoints that carry none.</summary>
    [JsonPropertyName("config"), JsonPropertyOrder(3)] public string? Config { get; init; }
    /// <summary>Architecture preset for checkpoints that carry none.</summary>
    [JsonPropertyName("preset"), JsonPropertyOrder(3)] public string? Preset { get; init; }

    /// <summary>The defaults, with no checkpoints.</summary>
    public AnalysisSettings() { }

    /// <summary>The settings that measure <paramref name="options"/> (every field copied; the checkpoints still to be set).</summary>
    public AnalysisSettings(AnalysisOptions options) : base(options) { }

    /// <summary>Throws <see cref="InvariscopeException"/> naming the first bad field; <paramref name="checkFiles"/>: also that the checkpoints exist.</summary>
    public AnalysisSettings Validate(bool checkFiles = true)
    {
        Require(!checkFiles || File.Exists(Pretrained), "pretrained", $"pretrained {Pretrained}: file not found");
        Require(!checkFiles || File.Exists(Finetuned) || Directory.Exists(Finetuned), "finetuned", $"finetuned {Finetuned}: no such checkpoint or run folder");
        Require(Normalization.PresetNames.Contains(Normalize.ToLowerInvariant()), "normalize",
            $"normalize {Normalize}: unknown; presets: {string.Join(", ", Normalization.PresetNames)}");
        ValidateFields();
        return this;
    }

    /// <summary>The settings as JSON.</summary>
    public string ToJson() => Json.Serialize(this);

    /// <summary>Reads settings written by <see cref="ToJson"/>.</summary>
    public static AnalysisSettings FromJson(string json, string source) => Json.Deserialize<AnalysisSettings>(json, source);
}
