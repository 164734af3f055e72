using System.Text.Json;
using System.Text.Json.Serialization;
using Invariscope.Runtime;

namespace Invariscope.Training;

/// <summary>
/// One training or finetuning run, as a JSON file with snake_case fields. Unknown fields are errors.
/// A finetune is a config, not new code: set <see cref="Init"/> and a <see cref="Strategy"/>.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TrainConfig
{
    /// <summary><c>classification</c> (linear head, cross-entropy) or <c>reconstruction</c> (conv decoder, L1).</summary>
    [JsonPropertyName("task")] public string Task { get; init; } = "classification";
    /// <summary><c>scratch</c>, <c>ft</c>, <c>lp</c>, <c>lp-ft</c> or <c>hp-ft</c>.</summary>
    [JsonPropertyName("strategy")] public string Strategy { get; init; } = "scratch";
    /// <summary>Architecture preset for <c>scratch</c> (ignored when <see cref="Init"/> carries one).</summary>
    [JsonPropertyName("model")] public string Model { get; init; } = "vit_micro_patch4_16";
    /// <summary>Checkpoint to start from (timm, HF or ours); required for every strategy but <c>scratch</c>.</summary>
    [JsonPropertyName("init")] public string? Init { get; init; }
    /// <summary>Architecture JSON for <see cref="Init"/> when the checkpoint does not carry it.</summary>
    [JsonPropertyName("init_config")] public string? InitConfig { get; init; }
    /// <summary>Training data spec (see <c>invariscope data --help</c>).</summary>
    [JsonPropertyName("data")] public string Data { get; init; } = "synthetic:shapes?size=16&n=4000&seed=1";
    /// <summary>Validation data spec; null splits <see cref="ValFraction"/> off the training data.</summary>
    [JsonPropertyName("val_data")] public string? ValData { get; init; }
    /// <summary>Fraction of the training data held out for validation when <see cref="ValData"/> is null.</summary>
    [JsonPropertyName("val_fraction")] public double ValFraction { get; init; } = 0.1;
    /// <summary>Normalisation preset (<c>vit</c> = mean/std 0.5, <c>imagenet</c>, <c>cifar10</c>, <c>none</c>).</summary>
    [JsonPropertyName("normalize")] public string Normalize { get; init; } = "vit";
    /// <summary>Random crop (pad 4) and horizontal flip during training.</summary>
    [JsonPropertyName("augment")] public bool Augment { get; init; } = true;
    /// <summary>Epochs of the main phase (finetuning for lp-ft/hp-ft).</summary>
    [JsonPropertyName("epochs")] public int Epochs { get; init; } = 10;
    /// <summary>Images per step.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 128;
    /// <summary><c>sgd</c> (momentum) or <c>adamw</c>.</summary>
    [JsonPropertyName("optimizer")] public string Optimizer { get; init; } = "adamw";
    /// <summary>Peak learning rate.</summary>
    [JsonPropertyName("lr")] public double Lr { get; init; } = 1e-3;
    /// <summary>Final learning rate of the cosine schedule.</summary>
    [JsonPropertyName("min_lr")] public double MinLr { get; init; }
    /// <summary>SGD momentum.</summary>
    [JsonPropertyName("momentum")] public double Momentum { get; init; } = 0.9;
    /// <summary>Weight decay (coupled for SGD, decoupled for AdamW).</summary>
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.05;
    /// <summary><c>cosine</c> or <c>constant</c>, after the warm-up.</summary>
    [JsonPropertyName("schedule")] public string Schedule { get; init; } = "cosine";
    /// <summary>Linear warm-up steps.</summary>
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; }
    /// <summary>Max global gradient norm; 0 disables clipping.</summary>
    [JsonPropertyName("grad_clip")] public double GradClip { get; init; }
    /// <summary>Linear-probe epochs before finetuning (lp-ft), or the whole run (lp).</summary>
    [JsonPropertyName("lp_epochs")] public int LpEpochs { get; init; } = 5;
    /// <summary>Learning rate of the probing phase (lp, lp-ft, hp-ft); null uses 10 × <see cref="Lr"/>.</summary>
    [JsonPropertyName("probe_lr")] public double? ProbeLr { get; init; }
    /// <summary>Head-probe epochs before finetuning (hp-ft).</summary>
    [JsonPropertyName("hp_epochs")] public int HpEpochs { get; init; } = 5;
    /// <summary>hp-ft: stop head probing early once training accuracy reaches this (0..1); null = run all hp_epochs.</summary>
    [JsonPropertyName("hp_target_acc")] public double? HpTargetAcc { get; init; }
    /// <summary>Parameter name patterns (<c>*</c> wildcards, e.g. <c>blocks.0.*</c>) kept frozen throughout.</summary>
    [JsonPropertyName("freeze")] public IReadOnlyList<string> Freeze { get; init; } = [];
    /// <summary>
    /// Mixed precision: bf16 weights and activations for forward and backward, fp32 master weights in the
    /// optimiser and an fp32 loss. Checkpoints are then stored in bf16 (the exact fp32 masters are in the
    /// optimiser state, so resume stays exact).
    /// </summary>
    [JsonPropertyName("amp")] public bool Amp { get; init; }
    /// <summary>Seed for initialisation, data order and augmentation.</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>Device: auto, cpu, cuda or cuda:N.</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = "auto";

    /// <summary>The config as JSON (<see cref="Json"/> policy).</summary>
    public string ToJson() => Json.Serialize(this);

    /// <summary>Parses and validates; <paramref name="source"/> names the file in errors.</summary>
    public static TrainConfig FromJson(string json, string source) => Parse(json, source).Validate(source);

    static TrainConfig Parse(string json, string source, bool lines = true) => Json.Deserialize<TrainConfig>(json, source, lines);

    /// <summary>Reads and validates a config file.</summary>
    /// <remarks>A run's config.json (the fields inside a <c>train</c> section, see <see cref="RunFiles.ConfigText"/>) is read as well.</remarks>
    public static TrainConfig Load(string path)
    {
        if (!File.Exists(path)) throw new InvariscopeException($"{path}: config file not found");
        string text = File.ReadAllText(path);
        return Json.Parse(text, path) is System.Text.Json.Nodes.JsonObject { Count: 1 } root && root["train"] is System.Text.Json.Nodes.JsonObject
            ? RunFiles.ParseConfig(text, path)
            : FromJson(text, path);
    }

    /// <summary>
    /// Overrides one field by its JSON name from text (e.g. <c>lr</c>, <c>1e-4</c>); an unknown name or a value
    /// of the wrong type is an error that begins with <paramref name="given"/> (how the value was given, e.g.
    /// <c>--epochs abc</c>; default <c>--set FIELD=VALUE</c>) and names the field and its type
    /// (<c>--epochs abc: epochs: expected an integer</c>). Call <see cref="Validate"/> after the last override.
    /// </summary>
    public TrainConfig With(string field, string value, string? given = null)
    {
        given ??= $"--set {field}={value}";
        var node = System.Text.Json.Nodes.JsonNode.Parse(ToJson())!.AsObject();
        if (!node.ContainsKey(field))
            throw new InvariscopeException($"{given}: unknown config field '{field}' (known: {string.Join(", ", node.Select(kv => kv.Key))})");
        node[field] = ParseValue(value);
        return Parse(node.ToJsonString(), given, lines: false);
    }

    static System.Text.Json.Nodes.JsonNode? ParseValue(string value)
    {
        try { return System.Text.Json.Nodes.JsonNode.Parse(value, documentOptions: Json.StrictDocument); }
        catch (JsonException) { return System.Text.Json.Nodes.JsonValue.Create(value); } // a bare string
    }

    /// <summary>Throws <see cref="InvariscopeException"/> naming the first invalid field.</summary>
    public TrainConfig Validate(string source = "config")
    {
        void Require(bool ok, string what) { if (!ok) throw new InvariscopeException($"{source}: {what}"); }
        // the JSON policy reads "NaN" and "Infinity" (results need them); a config must not hold them
        foreach (var (name, value) in new[] { ("lr", Lr), ("min_lr", MinLr), ("momentum", Momentum), ("weight_decay", WeightDecay),
                     ("grad_clip", GradClip), ("val_fraction", ValFraction), ("probe_lr", ProbeLr ?? 0), ("hp_target_acc", HpTargetAcc ?? 0) })
            Require(double.IsFinite(value), $"{name} must be a finite number, got {value}");
        Require(Momentum is >= 0 and < 1, $"momentum must be in [0, 1), got {Momentum}");
        Require(ProbeLr is null or > 0, $"probe_lr must be > 0, got {ProbeLr}");
        Require(Task is "classification" or "reconstruction", $"task must be classification or reconstruction, got '{Task}'");
        Require(Strategy is "scratch" or "ft" or "lp" or "lp-ft" or "hp-ft", $"strategy must be scratch, ft, lp, lp-ft or hp-ft, got '{Strategy}'");
        Require(Strategy == "scratch" || Init is not null, $"strategy '{Strategy}' needs 'init' (a checkpoint to start from)");
        Require(Task == "classification" || Strategy is "scratch" or "ft", "reconstruction supports strategies scratch and ft");
        Require(Optimizer is "sgd" or "adamw", $"optimizer must be sgd or adamw, got '{Optimizer}'");
        Require(Schedule is "cosine" or "constant", $"schedule must be cosine or constant, got '{Schedule}'");
        Require(Epochs >= 0 && BatchSize > 0, "epochs must be >= 0 and batch_size > 0");
        Require(Lr > 0 && MinLr >= 0 && WarmupSteps >= 0 && GradClip >= 0 && WeightDecay >= 0, "lr must be > 0; min_lr, warmup_steps, grad_clip and weight_decay >= 0");
        Require(ValFraction is >= 0 and < 1, $"val_fraction must be in [0, 1), got {ValFraction}");
        Require(LpEpochs >= 0 && HpEpochs >= 0, "lp_epochs and hp_epochs must be >= 0");
        Require(HpTargetAcc is null or (> 0 and <= 1), "hp_target_acc must be in (0, 1]");
        return this;
    }

    /// <summary>The paper's finetuning settings (Merlin et al. 2023, from its public scripts).</summary>
    public static TrainConfig PaperFinetune { get; } = new()
    {
        Strategy = "ft", Optimizer = "sgd", Lr = 1e-3, Momentum = 0.9, WeightDecay = 0, BatchSize = 256,
        WarmupSteps = 100, GradClip = 1.0, Schedule = "cosine", Epochs = 100, Normalize = "vit", Model = "vit_base_patch32_224",
    };
}
