namespace Invariscope.Data;

/// <summary>
/// A dataset decoded (or generated, e.g. corrupted) once into memory, so repeated evaluations of many checkpoints
/// on it cost no decoding or corruption. Images are produced in parallel; each is a pure function of its index in
/// the source, so the copy does not depend on thread timing. Meant for evaluation subsets (8-bit pixels:
/// 3 KiB per 32×32 RGB image).
/// </summary>
public sealed class MaterializedDataset : IImageDataset
{
    readonly Image8[] _images;
    readonly int[] _labels;

    /// <summary>Copies every image and label of <paramref name="source"/>.</summary>
    public MaterializedDataset(IImageDataset source, string? name = null)
    {
        Name = name ?? source.Name;
        ClassNames = source.ClassNames;
        _images = new Image8[source.Count];
        _labels = new int[source.Count];
        Parallel.For(0, source.Count, i =>
        {
            _images[i] = source.GetImage(i);
            _labels[i] = source.GetLabel(i);
        });
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }
    /// <inheritdoc/>
    public int Count => _images.Length;
    /// <inheritdoc/>
    public Image8 GetImage(int index) => _images[index];
    /// <inheritdoc/>
    public int GetLabel(int index) => _labels[index];
}
