using System.Text.Json;
using Invariscope.Runtime;

namespace Invariscope.Models;

/// <summary>Maps a Hugging Face <c>ViTConfig</c> (config.json) onto <see cref="VitConfig"/>.</summary>
public static class HfVitConfig
{
    /// <summary>Whether a JSON object looks like an HF ViT config rather than timm constructor arguments.</summary>
    public static bool Looks(JsonElement root) =>
        root.TryGetProperty("hidden_size", out _) || root.TryGetProperty("model_type", out _);

    /// <summary>
    /// Converts an HF ViT config. HF ViTs always use a class token and classify from it after the final
    /// LayerNorm; the head size comes from <c>num_labels</c> or <c>id2label</c>.
    /// </summary>
    public static VitConfig ToVitConfig(JsonElement root, string source)
    {
        if (root.TryGetProperty("model_type", out var mt) && mt.ValueKind == JsonValueKind.String && mt.GetString() != "vit")
            throw new InvariscopeException($"{source}: model_type '{mt.GetString()}' is not supported (only 'vit')");
        if (root.TryGetProperty("hidden_act", out var act) && act.GetString() != "gelu")
            throw new InvariscopeException($"{source}: hidden_act '{act.GetString()}' is not supported (only exact 'gelu')");
        int Int(string name, int fallback) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;
        int hidden = Int("hidden_size", 768);
        int classes = root.TryGetProperty("id2label", out var labels) && labels.ValueKind == JsonValueKind.Object
            ? labels.EnumerateObject().Count()
            : Int("num_labels", 2);
        return new VitConfig
        {
            ImgSize = Int("image_size", 224),
            PatchSize = Int("patch_size", 16),
            InChans = Int("num_channels", 3),
            NumClasses = classes,
            EmbedDim = hidden,
            Depth = Int("num_hidden_layers", 12),
            NumHeads = Int("num_attention_heads", 12),
            MlpRatio = (double)Int("intermediate_size", 4 * hidden) / hidden,
            QkvBias = !root.TryGetProperty("qkv_bias", out var qb) || qb.ValueKind != JsonValueKind.False,
            ClassToken = true,
            GlobalPool = "token",
            LayerNormEps = root.TryGetProperty("layer_norm_eps", out var eps) ? eps.GetDouble() : 1e-12,
        }.Validate(source);
    }
}
