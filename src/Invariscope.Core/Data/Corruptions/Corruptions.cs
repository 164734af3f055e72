using Invariscope.Runtime;

namespace Invariscope.Data.Corruptions;

/// <summary>
/// The 15 corruptions of Hendrycks &amp; Dietterich (ICLR 2019) with the CIFAR-10-C parameters of their
/// <c>make_cifar_c.py</c> (not ImageNet-C's), severities 1-5. Each is a pure function of (image, severity, seed):
/// its randomness comes from a generator seeded by the seed and the corruption's name. Deviations from the
/// reference are documented on each corruption's implementation; the largest is frost (procedural texture).
/// </summary>
public static class Corruptions
{
    private delegate Image8 Corruption(Image8 image, int severity, CorruptionRng rng);

    private static readonly (string Name, Corruption Apply)[] Table =
    [
        ("gaussian_noise", Noise.Gaussian),
        ("shot_noise", Noise.Shot),
        ("impulse_noise", Noise.Impulse),
        ("defocus_blur", Blur.Defocus),
        ("glass_blur", Blur.Glass),
        ("motion_blur", Blur.Motion),
        ("zoom_blur", Blur.Zoom),
        ("snow", Weather.Snow),
        ("frost", Weather.Frost),
        ("fog", Weather.Fog),
        ("brightness", Digital.Brightness),
        ("contrast", Digital.Contrast),
        ("elastic_transform", Digital.Elastic),
        ("pixelate", Digital.Pixelate),
        ("jpeg_compression", Digital.Jpeg),
    ];

    /// <summary>The corruption names (CIFAR-10-C's file names) in canonical order: noise, blur, weather, digital.</summary>
    public static IReadOnlyList<string> All { get; } = Array.AsReadOnly(Table.Select(t => t.Name).ToArray());

    /// <summary>The lowest severity.</summary>
    public const int MinSeverity = 1;

    /// <summary>The highest severity.</summary>
    public const int MaxSeverity = 5;

    /// <summary>
    /// Corrupts <paramref name="image"/> (H×W×C, C = 1 or 3, any size) with corruption <paramref name="name"/> at
    /// <paramref name="severity"/>; the result has the input's shape. Same arguments give identical bytes.
    /// </summary>
    /// <exception cref="InvariscopeException">Unknown name or severity outside 1-5 (the message lists the valid values).</exception>
    public static Image8 Apply(string name, Image8 image, int severity, int seed)
    {
        ArgumentNullException.ThrowIfNull(image);
        var corruption = Lookup(name, severity);
        if (image.Channels is not (1 or 3) || image.Height < 1 || image.Width < 1 || image.Pixels.Length != image.Height * image.Width * image.Channels)
            throw new ArgumentException($"Image must be H×W×C with C = 1 or 3 and H·W·C bytes; got {image.Height}×{image.Width}×{image.Channels} with {image.Pixels.Length} bytes.", nameof(image));
        return corruption(image, severity, new CorruptionRng(seed, name));
    }

    /// <summary>Checks a (name, severity) pair without applying it.</summary>
    /// <exception cref="InvariscopeException">Unknown name or severity outside 1-5.</exception>
    public static void Validate(string name, int severity) => Lookup(name, severity);

    private static Corruption Lookup(string name, int severity)
    {
        int index = Array.FindIndex(Table, t => t.Name == name);
        if (index < 0)
            throw new InvariscopeException($"Unknown corruption '{name}'; valid: {string.Join(", ", All)}.");
        if (severity is < MinSeverity or > MaxSeverity)
            throw new InvariscopeException($"Corruption severity {severity} for '{name}' is out of range; valid: 1, 2, 3, 4, 5.");
        return Table[index].Apply;
    }
}
