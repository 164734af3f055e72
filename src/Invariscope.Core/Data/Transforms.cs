using Invariscope.Runtime;

namespace Invariscope.Data;

/// <summary>Per-channel normalisation <c>(x - Mean) / Std</c> applied to RGB values in [0, 1].</summary>
public sealed record Normalization(string Name, float[] Mean, float[] Std)
{
    /// <summary>ImageNet statistics (torchvision models).</summary>
    public static readonly Normalization Imagenet = new("imagenet", [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);
    /// <summary>Mean 0.5, std 0.5: inputs in [-1, 1], as timm's ViTs and the paper use.</summary>
    public static readonly Normalization Half = new("vit", [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);
    /// <summary>CIFAR-10 training-set statistics.</summary>
    public static readonly Normalization Cifar10 = new("cifar10", [0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);
    /// <summary>No normalisation: values stay in [0, 1].</summary>
    public static readonly Normalization None = new("none", [0f, 0f, 0f], [1f, 1f, 1f]);

    /// <summary>Preset names accepted by <see cref="Parse"/>.</summary>
    public static readonly IReadOnlyList<string> PresetNames = ["imagenet", "vit", "half", "cifar10", "none"];

    /// <summary>Looks a preset up by name (<c>imagenet</c>, <c>vit</c> or <c>half</c>, <c>cifar10</c>, <c>none</c>).</summary>
    public static Normalization Parse(string name) => name.ToLowerInvariant() switch
    {
        "imagenet" => Imagenet,
        "vit" or "half" => Half,
        "cifar10" => Cifar10,
        "none" => None,
        _ => throw new InvariscopeException($"normalisation '{name}': unknown; presets: {string.Join(", ", PresetNames)}"),
    };
}

/// <summary>
/// A transform pipeline as configs hold it. Applied in this order: gray to 3 channels; random crop at the
/// image's own size after zero padding by <paramref name="Pad"/> pixels (0 = no crop; e.g. 4 for CIFAR's
/// 32-crop with padding 4); random horizontal flip when <paramref name="Flip"/>; conversion to [0, 1] and
/// normalisation by the preset <paramref name="Normalize"/>; bilinear resize to <paramref name="Size"/> x
/// <paramref name="Size"/> (torchvision's default: align_corners=false, antialiased when shrinking; e.g. 224
/// for the paper's upsampled CIFAR). Random choices are seeded per (epoch, example) by the loader.
/// </summary>
public sealed record TransformSpec(int Size = 32, int Pad = 0, bool Flip = false, string Normalize = "vit")
{
    /// <summary>Deterministic evaluation transform: resize and normalise only.</summary>
    public static TransformSpec Eval(int size = 32, string normalize = "vit") => new(size, 0, false, normalize);

    /// <summary>The usual training augmentation: pad-and-crop plus horizontal flip.</summary>
    public static TransformSpec Train(int size = 32, int pad = 4, string normalize = "vit") => new(size, pad, true, normalize);
}
