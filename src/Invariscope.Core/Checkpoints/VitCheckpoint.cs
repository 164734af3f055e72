using Invariscope.Formats;
using Invariscope.Layout;
using Invariscope.Models;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Checkpoints;

/// <summary>
/// Loads and saves ViT checkpoints as safetensors. Reads timm and Hugging Face key names; the architecture
/// comes from a config file (timm constructor-argument JSON or HF config.json), a preset, or the config that
/// our own checkpoints (and timm-exported files with a <c>ctor</c> entry) carry in their metadata.
/// </summary>
public static class VitCheckpoint
{
    /// <summary>Metadata key under which our checkpoints store their <see cref="VitConfig"/> JSON.</summary>
    public const string ConfigKey = "vit_config";

    /// <summary>
    /// Builds the model and loads <paramref name="weightsPath"/> strictly. Architecture: <paramref name="configPath"/>
    /// if given, else <paramref name="preset"/> (its class count taken from the checkpoint's head), else the
    /// checkpoint's own metadata. The file is checked first (<see cref="CheckpointIntegrity.Load"/>): against the
    /// digest its run's sidecar records, and every floating tensor finite.
    /// </summary>
    public static VisionTransformer Load(string weightsPath, string? configPath = null, string? preset = null)
    {
        using var loaded = CheckpointIntegrity.Load(weightsPath, RunLayout.SidecarOf(weightsPath));
        var raw = loaded.Tensors;
        bool hf = HfVitKeys.Looks(raw.Keys);
        var weights = hf ? HfVitKeys.ToTimm(raw) : raw;
        try
        {
            var config = ResolveConfig(weightsPath, loaded.Metadata, weights, configPath, preset);
            // before the model is built: a wrong preset is one sentence of sizes, not a hundred mis-shaped keys
            if (CheckpointShape.Of(weights).Mismatch(config) is var (has, wants))
            {
                string given = preset is not null ? $"preset {preset}" : configPath is not null ? $"config {configPath}" : "the architecture in its metadata";
                throw new InvariscopeException($"{weightsPath}: the checkpoint has {has}; {given} has {wants}") { Field = preset is not null ? "preset" : null };
            }
            var model = new VisionTransformer(config);
            StrictLoad.Into(model, weights, weightsPath);
            model.eval();
            return model;
        }
        finally
        {
            if (hf) foreach (var (k, t) in weights) if (!raw.ContainsKey(k)) t.Dispose(); // the fused qkv copies
        }
    }

    static VitConfig ResolveConfig(string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, Tensor> weights,
        string? configPath, string? preset)
    {
        if (configPath is not null && preset is not null)
            throw new InvariscopeException($"config {configPath} and preset {preset}: give one, not both") { Field = "preset" };
        if (configPath is not null) return VitConfig.Load(configPath);
        if (preset is not null)
        {
            int classes = weights.TryGetValue("head.weight", out var head) ? (int)head.shape[0] : 0;
            return VitPresets.Get(preset) with { NumClasses = classes };
        }
        if (metadata.TryGetValue(ConfigKey, out var ours)) return VitConfig.FromJson(ours, $"{path} metadata '{ConfigKey}'");
        if (metadata.TryGetValue("ctor", out var ctor)) return VitConfig.FromJson(ctor, $"{path} metadata 'ctor'");
        throw new InvariscopeException($"{path}: the checkpoint does not say its architecture; set config (an architecture JSON) or preset");
    }

    /// <summary>
    /// Writes the model's weights (timm names) with its config in the metadata, atomically.
    /// <paramref name="metadata"/> adds further string entries. Returns the file's SHA-256 (see <see cref="Safetensors.Save"/>).
    /// </summary>
    public static string Save(VisionTransformer model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [ConfigKey] = model.Config.ToJson() };
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var cpu = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu());
        return Safetensors.Save(path, cpu, meta);
    }
}
