using System.Text.Json;
using System.Text.Json.Serialization;
using Invariscope.Runtime;

namespace Invariscope.Models;

/// <summary>
/// The architecture of a Vision Transformer. Field names (in JSON) are timm's <c>VisionTransformer</c>
/// constructor arguments, so a timm constructor-argument JSON is a valid config as it is.
/// </summary>
public sealed record VitConfig
{
    /// <summary>Input image side, in pixels (images are square).</summary>
    [JsonPropertyName("img_size")] public int ImgSize { get; init; } = 224;
    /// <summary>Patch side, in pixels; must divide <see cref="ImgSize"/>.</summary>
    [JsonPropertyName("patch_size")] public int PatchSize { get; init; } = 16;
    /// <summary>Input channels.</summary>
    [JsonPropertyName("in_chans")] public int InChans { get; init; } = 3;
    /// <summary>Classes of the linear head; 0 means no head.</summary>
    [JsonPropertyName("num_classes")] public int NumClasses { get; init; } = 1000;
    /// <summary>Token width D.</summary>
    [JsonPropertyName("embed_dim")] public int EmbedDim { get; init; } = 768;
    /// <summary>Number of transformer blocks.</summary>
    [JsonPropertyName("depth")] public int Depth { get; init; } = 12;
    /// <summary>Attention heads; must divide <see cref="EmbedDim"/>.</summary>
    [JsonPropertyName("num_heads")] public int NumHeads { get; init; } = 12;
    /// <summary>MLP hidden width as a multiple of D.</summary>
    [JsonPropertyName("mlp_ratio")] public double MlpRatio { get; init; } = 4.0;
    /// <summary>Whether the qkv projection has a bias.</summary>
    [JsonPropertyName("qkv_bias")] public bool QkvBias { get; init; } = true;
    /// <summary>Whether a class token is prepended.</summary>
    [JsonPropertyName("class_token")] public bool ClassToken { get; init; } = true;
    /// <summary>Pooling for the head: <c>token</c> (class token) or <c>avg</c> (mean of patch tokens).</summary>
    [JsonPropertyName("global_pool")] public string GlobalPool { get; init; } = "token";
    /// <summary>
    /// timm's fc_norm: a LayerNorm after pooling instead of before it. Null means timm's default:
    /// on for <c>avg</c> pooling, off for <c>token</c>.
    /// </summary>
    [JsonPropertyName("fc_norm")] public bool? FcNorm { get; init; }
    /// <summary>LayerNorm epsilon (timm 1e-6, Hugging Face 1e-12).</summary>
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-6;

    /// <summary>Whether pooling is followed by a norm (and the final token norm is dropped), as in timm.</summary>
    [JsonIgnore] public bool UseFcNorm => FcNorm ?? GlobalPool == "avg";
    /// <summary>Patch grid side.</summary>
    [JsonIgnore] public int GridSize => ImgSize / PatchSize;
    /// <summary>Tokens per image T: patches plus the class token.</summary>
    [JsonIgnore] public int NumTokens => GridSize * GridSize + (ClassToken ? 1 : 0);
    /// <summary>MLP hidden width.</summary>
    [JsonIgnore] public int MlpHidden => (int)Math.Round(EmbedDim * MlpRatio);

    /// <summary>Throws <see cref="InvariscopeException"/> naming the first invalid field.</summary>
    public VitConfig Validate(string source = "config")
    {
        void Require(bool ok, string what) { if (!ok) throw new InvariscopeException($"{source}: {what}"); }
        Require(ImgSize > 0 && PatchSize > 0, $"img_size ({ImgSize}) and patch_size ({PatchSize}) must be positive");
        Require(ImgSize % PatchSize == 0, $"patch_size {PatchSize} must divide img_size {ImgSize}");
        Require(InChans > 0, $"in_chans must be positive, got {InChans}");
        Require(NumClasses >= 0, $"num_classes must be >= 0, got {NumClasses}");
        Require(EmbedDim > 0 && Depth > 0 && NumHeads > 0, "embed_dim, depth and num_heads must be positive");
        Require(EmbedDim % NumHeads == 0, $"num_heads {NumHeads} must divide embed_dim {EmbedDim}");
        Require(MlpRatio > 0, $"mlp_ratio must be positive, got {MlpRatio}");
        Require(GlobalPool is "token" or "avg", $"global_pool must be 'token' or 'avg', got '{GlobalPool}'");
        Require(GlobalPool != "token" || ClassToken, "global_pool 'token' needs class_token true");
        Require(LayerNormEps > 0, $"layer_norm_eps must be positive, got {LayerNormEps}");
        return this;
    }

    /// <summary>This config as JSON in timm constructor-argument form.</summary>
    public string ToJson() => Json.Serialize(this);

    /// <summary>
    /// Reads a config from JSON text: a timm constructor-argument JSON (ours is a superset of it) or a
    /// Hugging Face ViT <c>config.json</c>. Unknown timm fields are an error, so typos are caught.
    /// </summary>
    public static VitConfig FromJson(string json, string source)
    {
        JsonElement root;
        try { root = JsonDocument.Parse(json, Json.StrictDocument).RootElement; }
        catch (JsonException e) { throw new InvariscopeException($"{source}: not valid JSON ({e.Message})"); }
        if (root.ValueKind != JsonValueKind.Object) throw new InvariscopeException($"{source}: expected a JSON object");
        if (HfVitConfig.Looks(root)) return HfVitConfig.ToVitConfig(root, source);
        return FromTimmJson(root, source);
    }

    /// <summary>Reads a config file (see <see cref="FromJson"/>).</summary>
    public static VitConfig Load(string path)
    {
        if (!File.Exists(path)) throw new InvariscopeException($"{path}: config file not found");
        return FromJson(File.ReadAllText(path), path);
    }

    static readonly HashSet<string> Known = typeof(VitConfig).GetProperties()
        .Select(p => p.GetCustomAttributes(typeof(JsonPropertyNameAttribute), false).OfType<JsonPropertyNameAttribute>().FirstOrDefault()?.Name)
        .OfType<string>().ToHashSet();

    static VitConfig FromTimmJson(JsonElement root, string source)
    {
        foreach (var p in root.EnumerateObject())
            if (!Known.Contains(p.Name))
                throw new InvariscopeException($"{source}: unknown field '{p.Name}' (known: {string.Join(", ", Known.Order())})");
        try
        {
            var config = root.Deserialize<VitConfig>(Json.Options)
                         ?? throw new InvariscopeException($"{source}: empty config");
            return config.Validate(source);
        }
        catch (JsonException e) { throw new InvariscopeException($"{source}: {e.Message}"); }
    }
}
