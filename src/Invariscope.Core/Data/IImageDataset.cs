namespace Invariscope.Data;

/// <summary>An 8-bit image stored row-major as (H, W, C), C = 1 (gray) or 3 (RGB).</summary>
public sealed record Image8(int Height, int Width, int Channels, byte[] Pixels)
{
    /// <summary>The byte at row <paramref name="y"/>, column <paramref name="x"/>, channel <paramref name="c"/>.</summary>
    public byte this[int y, int x, int c] => Pixels[(y * Width + x) * Channels + c];
}

/// <summary>
/// An indexable, labelled image dataset. Implementations are cheap to index at random (a loader prefetches
/// in the background) and hold at most the encoded files in memory, never decoded tensors of the whole set.
/// </summary>
public interface IImageDataset
{
    /// <summary>A short name for messages and reports, e.g. <c>cifar10:/data/cifar-10-batches-bin (train)</c>.</summary>
    string Name { get; }

    /// <summary>Class names, indexed by label.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of examples.</summary>
    int Count { get; }

    /// <summary>The image of example <paramref name="index"/>.</summary>
    Image8 GetImage(int index);

    /// <summary>The label of example <paramref name="index"/> (cheap: no decoding).</summary>
    int GetLabel(int index);

    /// <summary>Problems met while opening that did not stop it (e.g. bad files skipped), one line each.</summary>
    IReadOnlyList<string> Warnings => [];
}
