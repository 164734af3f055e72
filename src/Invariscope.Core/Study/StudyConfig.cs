using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Invariscope.Analysis;
using Invariscope.Evaluation;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Study;

/// <summary>One setting of a study: a training run (common train fields plus these overrides), then its analysis.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StudySetting
{
    /// <summary>Folder name of the run (letters, digits, '-', '_').</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    /// <summary>Legend label in the report; defaults to the name.</summary>
    [JsonPropertyName("label")] public string? Label { get; init; }
    /// <summary>Train-config fields that override the study's common <c>train</c> ones; <c>"init": "@pretrain"</c> starts from the study's pretrained model.</summary>
    [JsonPropertyName("train")] public JsonObject Train { get; init; } = [];
    /// <summary>Whether to run the invariance analysis on every epoch of this run.</summary>
    [JsonPropertyName("analyze")] public bool Analyze { get; init; } = true;
    /// <summary>Whether to evaluate every epoch on the robustness suite.</summary>
    [JsonPropertyName("robustness")] public bool Robustness { get; init; } = true;
    /// <summary>
    /// Training seeds (e.g. [0, 1, 2]): each is its own run, <c>NAME/seed_S/</c>, trained with <c>seed</c> = S and
    /// analysed on its own; statistics are then given per seed and across seeds. Null: one run, <c>NAME/</c>, with
    /// the train config's seed.
    /// </summary>
    [JsonPropertyName("seeds")] public IReadOnlyList<int>? Seeds { get; init; }

    /// <summary>The runs of this setting: (training seed or null, folder relative to the study).</summary>
    [JsonIgnore] public IReadOnlyList<(int? Seed, string Dir)> Runs =>
        Seeds is null ? [(null, StudyLayout.RunDir(Name, null))] : [.. Seeds.Select(k => ((int?)k, StudyLayout.RunDir(Name, k)))];

    /// <summary>The label shown in reports.</summary>
    [JsonIgnore] public string DisplayName => Label ?? Name;
}

/// <summary>
/// The analysis of every run of a study: all of <see cref="AnalysisOptions"/> (same fields, same defaults), plus
/// whether runs share their inversions on p. What is the run's own (its checkpoints, its normalisation) comes from
/// the run (see <see cref="StudyConfig.AnalysisFor"/>).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StudyAnalysis : AnalysisOptions
{
    /// <summary>Share the inversions on p between runs that start from the same backbone (in <c>inversions/</c> of the study).</summary>
    [JsonPropertyName("share_inversions"), JsonPropertyOrder(3)] public bool ShareInversions { get; init; } = true;

    /// <summary>The defaults; <see cref="AnalysisOptions.Data"/> empty means the robustness ID test data.</summary>
    public StudyAnalysis() { }

    /// <summary>A study's analysis of <paramref name="options"/>.</summary>
    public StudyAnalysis(AnalysisOptions options) : base(options) { }
}

/// <summary>Options of the correlation analysis.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StudyStatisticsOptions
{
    /// <summary>Family-wise significance level.</summary>
    [JsonPropertyName("alpha")] public double Alpha { get; init; } = 0.05;
    /// <summary>Whether epoch 0 (the starting point, before any finetuning) is one of the correlated points.</summary>
    [JsonPropertyName("include_epoch0")] public bool IncludeEpoch0 { get; init; }
    /// <summary>
    /// When a finding over training seeds counts as robust, declared before the data: <c>all</c> (it holds in every
    /// seed) or <c>majority</c> (in more than half of them).
    /// </summary>
    [JsonPropertyName("robust")] public string Robust { get; init; } = "all";
    /// <summary>Permutations of the difference-permutation test (the autocorrelation-aware p-value).</summary>
    [JsonPropertyName("permutations")] public int Permutations { get; init; } = 9999;
}

/// <summary>
/// A study: several settings (e.g. pretrained vs. scratch, classification vs. reconstruction, FT vs. LP-FT vs. HP-FT),
/// each a training run, evaluated per epoch on the robustness suite and analysed per epoch, then compared in one report.
/// Loaded from JSON (snake_case, unknown fields are errors) and validated before anything runs.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StudyConfig
{
    /// <summary>Title of the report.</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "study";
    /// <summary>Train-config fields common to every run.</summary>
    [JsonPropertyName("train")] public JsonObject Train { get; init; } = [];
    /// <summary>Optional pretraining run (train fields over the common ones); settings start from it with <c>"init": "@pretrain"</c>.</summary>
    [JsonPropertyName("pretrain")] public JsonObject? Pretrain { get; init; }
    /// <summary>The settings compared.</summary>
    [JsonPropertyName("settings")] public IReadOnlyList<StudySetting> Settings { get; init; } = [];
    /// <summary>The analysis of every run.</summary>
    [JsonPropertyName("analysis")] public StudyAnalysis Analysis { get; init; } = new();
    /// <summary>Robustness suite; null = none.</summary>
    [JsonPropertyName("robustness")] public RobustnessSettings? Robustness { get; init; }
    /// <summary>Correlation analysis options.</summary>
    [JsonPropertyName("statistics")] public StudyStatisticsOptions Statistics { get; init; } = new();

    /// <summary>The value of <c>init</c> that means "the study's pretrained model".</summary>
    public const string PretrainRef = "@pretrain";

    /// <summary>The config as JSON.</summary>
    public string ToJson() => Json.Serialize(this);

    /// <summary>Reads and validates a study file.</summary>
    public static StudyConfig Load(string path)
    {
        if (!File.Exists(path)) throw new InvariscopeException($"{path}: study config not found");
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates; <paramref name="source"/> names the file in errors.</summary>
    public static StudyConfig FromJson(string json, string source) => Json.Deserialize<StudyConfig>(json, source).Validate(source);

    /// <summary>The train config of the pretraining run, or null when the study has none.</summary>
    public TrainConfig? PretrainConfig(string source = "study") =>
        Pretrain is null ? null : Merge(Train, Pretrain, $"{source}: pretrain");

    /// <summary>The train config of a setting; <c>@pretrain</c> resolves to <paramref name="pretrainWeights"/>; a training <paramref name="seed"/> overrides the config's.</summary>
    public TrainConfig SettingConfig(StudySetting setting, string? pretrainWeights, string source = "study", int? seed = null)
    {
        var config = Merge(Train, setting.Train, $"{source}: setting '{setting.Name}'", validate: false);
        if (seed is int k) config = config with { Seed = k };
        if (config.Init == PretrainRef)
        {
            if (Pretrain is null) throw new InvariscopeException($"{source}: setting '{setting.Name}' starts from @pretrain but the study has no 'pretrain'");
            config = config with { Init = pretrainWeights ?? PretrainRef };
        }
        return config.Validate($"{source}: setting '{setting.Name}'");
    }

    /// <summary>Throws <see cref="InvariscopeException"/> naming the first problem.</summary>
    public StudyConfig Validate(string source = "study")
    {
        void Require(bool ok, string what) { if (!ok) throw new InvariscopeException($"{source}: {what}"); }
        Require(Settings.Count > 0, "'settings' is empty: name at least one run");
        var names = new HashSet<string>();
        foreach (var s in Settings)
        {
            Require(s.Name.Length > 0 && s.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'),
                $"setting name '{s.Name}' must be letters, digits, '-' or '_'");
            Require(s.Name != StudyLayout.PretrainName, $"setting name '{StudyLayout.PretrainName}' is reserved for the pretraining run");
            Require(names.Add(s.Name), $"setting '{s.Name}' appears twice");
            Require(s.Seeds is null || (s.Seeds.Count > 0 && s.Seeds.Distinct().Count() == s.Seeds.Count && s.Seeds.All(k => k >= 0)),
                $"setting '{s.Name}': seeds must be a non-empty list of distinct non-negative integers");
            SettingConfig(s, null, source);
        }
        PretrainConfig(source);
        Require(ProbeData is not null || Settings.All(s => !s.Analyze),
            "analysis needs probe images: set analysis.data or robustness.data");
        Robustness?.Validate();
        Require(Statistics.Alpha is > 0 and < 1, $"statistics.alpha must be in (0, 1), got {Statistics.Alpha}");
        Require(Statistics.Robust is "all" or "majority", $"statistics.robust must be all or majority, got '{Statistics.Robust}'");
        Require(Statistics.Permutations >= 99, $"statistics.permutations must be at least 99, got {Statistics.Permutations}");
        try { Analysis.ValidateFields(); }
        catch (InvariscopeException e) when (e.Field is not null) { throw e.Within("analysis", source); }
        return this;
    }

    /// <summary>The analysis's probe images: <c>analysis.data</c>, or the robustness ID test data when it is empty; null when neither is set.</summary>
    [JsonIgnore] public string? ProbeData => string.IsNullOrEmpty(Analysis.Data) ? Robustness?.Data : Analysis.Data;

    /// <summary>The analysis settings of one run: p = the run's epoch 0 (its starting point), f = every epoch.</summary>
    /// <param name="pretrainedWeights">p.</param>
    /// <param name="runFolder">The run analysed.</param>
    /// <param name="normalize">The run's normalisation.</param>
    /// <param name="studyRoot">The study folder (its <c>inversions/</c> is the shared cache), or null for none.</param>
    public AnalysisSettings AnalysisFor(string pretrainedWeights, string runFolder, string normalize, string? studyRoot) => new(Analysis)
    {
        Pretrained = pretrainedWeights, Finetuned = runFolder, Normalize = normalize,
        Data = ProbeData ?? "",
        InversionCache = Analysis.ShareInversions && studyRoot is not null ? new StudyLayout(studyRoot).Inversions : null,
    };

    static TrainConfig Merge(JsonObject common, JsonObject overrides, string source, bool validate = true)
    {
        var merged = (JsonObject)common.DeepClone();
        foreach (var (k, v) in overrides) merged[k] = v?.DeepClone();
        var config = Json.Deserialize<TrainConfig>(merged.ToJsonString(), source);
        return validate ? config.Validate(source) : config;
    }
}
