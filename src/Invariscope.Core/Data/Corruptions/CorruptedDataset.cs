namespace Invariscope.Data.Corruptions;

/// <summary>
/// Corrupts another dataset on the fly: image i is <c>Corruptions.Apply(corruption, inner.GetImage(i), severity,
/// seed + i)</c>, so every image gets its own deterministic noise. Labels and class names pass through.
/// </summary>
public sealed class CorruptedDataset : IImageDataset
{
    private readonly IImageDataset _inner;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <exception cref="Invariscope.Runtime.InvariscopeException">Unknown corruption or severity outside 1-5.</exception>
    public CorruptedDataset(IImageDataset inner, string corruption, int severity, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Corruptions.Validate(corruption, severity);
        _inner = inner;
        Corruption = corruption;
        Severity = severity;
        Seed = seed;
    }

    /// <summary>The corruption name.</summary>
    public string Corruption { get; }

    /// <summary>The severity, 1-5.</summary>
    public int Severity { get; }

    /// <summary>The base seed; image i uses seed + i.</summary>
    public int Seed { get; }

    /// <inheritdoc/>
    public string Name => $"{_inner.Name} [{Corruption} {Severity}, seed {Seed}]";

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => _inner.ClassNames;

    /// <inheritdoc/>
    public int Count => _inner.Count;

    /// <inheritdoc/>
    public Image8 GetImage(int index) => Corruptions.Apply(Corruption, _inner.GetImage(index), Severity, unchecked(Seed + index));

    /// <inheritdoc/>
    public int GetLabel(int index) => _inner.GetLabel(index);
}
