using static TorchSharp.torch;

namespace Invariscope.Checkpoints;

/// <summary>
/// Renames a Hugging Face ViT state dict (ViTForImageClassification or ViTModel) to timm's names.
/// Both transformers naming schemes are read: 5.x (<c>vit.layers.N.attention.q_proj</c>, <c>mlp.fc1</c>) and
/// 4.x (<c>vit.encoder.layer.N.attention.attention.query</c>, <c>intermediate.dense</c>). Separate q, k, v
/// projections are concatenated into timm's fused <c>qkv</c>. HF's optional pooler is not part of a ViT
/// classifier and is dropped.
/// </summary>
public static class HfVitKeys
{
    /// <summary>Whether <paramref name="keys"/> are Hugging Face ViT names.</summary>
    public static bool Looks(IEnumerable<string> keys) =>
        keys.Any(k => k.EndsWith("embeddings.patch_embeddings.projection.weight", StringComparison.Ordinal));

    static readonly (string hf, string timm)[] Renames =
    [
        ("embeddings.cls_token", "cls_token"),
        ("embeddings.position_embeddings", "pos_embed"),
        ("embeddings.patch_embeddings.projection.", "patch_embed.proj."),
        ("layernorm.", "norm."),
        ("classifier.", "head."),
    ];

    static readonly (string hf, string timm)[] BlockRenames =
    [
        ("layernorm_before.", "norm1."),
        ("layernorm_after.", "norm2."),
        ("attention.o_proj.", "attn.proj."),          // transformers 5.x
        ("attention.output.dense.", "attn.proj."),    // transformers 4.x
        ("mlp.fc1.", "mlp.fc1."),
        ("mlp.fc2.", "mlp.fc2."),
        ("intermediate.dense.", "mlp.fc1."),
        ("output.dense.", "mlp.fc2."),
    ];

    static readonly string[][] QkvNames =
    [
        ["attention.q_proj", "attention.k_proj", "attention.v_proj"],                     // transformers 5.x
        ["attention.attention.query", "attention.attention.key", "attention.attention.value"], // transformers 4.x
    ];

    /// <summary>
    /// The timm-named dict. Tensors are shared with the input, except the new <c>qkv</c> tensors (owned by
    /// the result; dispose them with the rest). Keys it cannot place are kept under their HF name so that a
    /// strict load reports them.
    /// </summary>
    public static Dictionary<string, Tensor> ToTimm(IReadOnlyDictionary<string, Tensor> hf)
    {
        var result = new Dictionary<string, Tensor>();
        var qkvParts = new Dictionary<string, (string key, Tensor value)?[]>();
        foreach (var (key, value) in hf)
        {
            var k = key.StartsWith("vit.", StringComparison.Ordinal) ? key[4..] : key;
            if (k.StartsWith("pooler.", StringComparison.Ordinal)) continue;
            var mapped = MapBlockKey(key, k, value, qkvParts) ?? MapTopKey(k);
            if (mapped is not null) result[mapped] = value;
            else if (!IsQkvPart(k)) result[key] = value;
        }
        foreach (var (name, parts) in qkvParts)
        {
            if (parts.All(p => p is not null))
                result[name] = cat(parts.Select(p => p!.Value.value).ToArray(), dim: 0);
            else // incomplete q/k/v: keep the parts under their HF names for the strict load to report
                foreach (var p in parts.OfType<(string key, Tensor value)>()) result[p.key] = p.value;
        }
        return result;
    }

    static string? MapTopKey(string k)
    {
        foreach (var (hf, timm) in Renames)
            if (k.StartsWith(hf, StringComparison.Ordinal) || k == hf) return timm + k[hf.Length..];
        return null;
    }

    static bool IsQkvPart(string k) => QkvNames.Any(names => names.Any(n => k.Contains("." + n + ".", StringComparison.Ordinal)));

    static string? MapBlockKey(string key, string k, Tensor value, Dictionary<string, (string key, Tensor value)?[]> qkvParts)
    {
        string? rest = null;
        int index = -1;
        foreach (var prefix in new[] { "layers.", "encoder.layer." })
        {
            if (!k.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var tail = k[prefix.Length..];
            var dot = tail.IndexOf('.');
            if (dot > 0 && int.TryParse(tail[..dot], out index)) rest = tail[(dot + 1)..];
        }
        if (rest is null) return null;
        var blockPrefix = $"blocks.{index}.";
        foreach (var names in QkvNames)
            for (int part = 0; part < 3; part++)
                if (rest.StartsWith(names[part] + ".", StringComparison.Ordinal))
                {
                    var param = rest[(names[part].Length + 1)..]; // weight | bias
                    var fused = blockPrefix + "attn.qkv." + param;
                    if (!qkvParts.TryGetValue(fused, out var slots)) qkvParts[fused] = slots = new (string, Tensor)?[3];
                    slots[part] = (key, value);
                    return null;
                }
        foreach (var (hf, timm) in BlockRenames)
            if (rest.StartsWith(hf, StringComparison.Ordinal)) return blockPrefix + timm + rest[hf.Length..];
        return null;
    }
}
