using Invariscope.Runtime;

namespace Invariscope.Models;

/// <summary>
/// Named architectures: timm's names (<c>vit_base_patch32_224</c>), big_vision-style variant strings
/// (<c>B/32</c>, <c>Ti/16</c>, with an optional <c>@size</c>), and small sizes for tests and demos.
/// </summary>
public static class VitPresets
{
    static readonly Dictionary<string, (int dim, int depth, int heads)> Widths = new()
    {
        ["mu"] = (64, 4, 4),      // tests and the CPU demo
        ["Ti"] = (192, 12, 3),
        ["S"] = (384, 12, 6),
        ["B"] = (768, 12, 12),
        ["L"] = (1024, 24, 16),
    };

    static readonly Dictionary<string, VitConfig> Named = new(StringComparer.OrdinalIgnoreCase)
    {
        ["vit_tiny_patch16_224"] = Variant("Ti", 16, 224),
        ["vit_tiny_patch32_224"] = Variant("Ti", 32, 224),
        ["vit_small_patch16_224"] = Variant("S", 16, 224),
        ["vit_small_patch32_224"] = Variant("S", 32, 224),
        ["vit_base_patch16_224"] = Variant("B", 16, 224),
        ["vit_base_patch32_224"] = Variant("B", 32, 224),
        ["vit_large_patch16_224"] = Variant("L", 16, 224),
        ["vit_large_patch32_224"] = Variant("L", 32, 224),
        // The parity fixtures' size: 32x32 images, patch 4, D=64, 4 blocks, 10 classes.
        ["vit_test_patch4_32"] = Variant("mu", 4, 32) with { NumClasses = 10 },
        // A CPU-sized analysis model: 16x16 images, patch 4 (16 tokens + cls), D=64, 4 blocks; a STIR step (forward and
        // backward) costs about 20 MFLOP per image, so 128 probe images x 5 layers x 200 steps take ~20 s on 2 cores.
        ["vit_micro_patch4_16"] = Variant("mu", 4, 16) with { NumClasses = 10 },
        // The same 16 tokens at twice the resolution: textures stay resolvable, and the cost per image is ~the same.
        ["vit_micro_patch8_32"] = Variant("mu", 8, 32) with { NumClasses = 10 },
    };

    /// <summary>All named presets.</summary>
    public static IEnumerable<string> Names => Named.Keys.Order();

    /// <summary>A variant at a patch and image size with timm's defaults (token pooling, 1000 classes).</summary>
    public static VitConfig Variant(string width, int patch, int imgSize)
    {
        if (!Widths.TryGetValue(width, out var w))
            throw new InvariscopeException($"unknown ViT width '{width}' (known: {string.Join(", ", Widths.Keys)})");
        return new VitConfig { EmbedDim = w.dim, Depth = w.depth, NumHeads = w.heads, PatchSize = patch, ImgSize = imgSize };
    }

    /// <summary>
    /// Resolves a preset name: a timm-style name, or <c>WIDTH/PATCH[@IMG]</c> (e.g. <c>B/32</c>, <c>mu/4@16</c>).
    /// </summary>
    public static VitConfig Get(string name)
    {
        if (Named.TryGetValue(name, out var c)) return c;
        var at = name.Split('@');
        var parts = at[0].Split('/');
        if (parts.Length == 2 && Widths.ContainsKey(parts[0]) && int.TryParse(parts[1], out var patch) &&
            (at.Length == 1 || (at.Length == 2 && int.TryParse(at[1], out _))))
            return Variant(parts[0], patch, at.Length == 2 ? int.Parse(at[1]) : 224).Validate($"preset {name}");
        throw new InvariscopeException(
            $"unknown preset '{name}' (known: {string.Join(", ", Names)}; or WIDTH/PATCH[@IMG] with WIDTH in {string.Join(", ", Widths.Keys)})");
    }
}
