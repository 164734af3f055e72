using Invariscope.Runtime;
using Microsoft.Win32.SafeHandles;

namespace Invariscope.Data.Corruptions;

/// <summary>
/// One (corruption, severity) slice of a CIFAR-10-C / CIFAR-100-C folder: <c>&lt;corruption&gt;.npy</c> of shape
/// (5·N, H, W, 3) or (5·N, H, W) uint8, severities 1..5 in consecutive blocks of N, and <c>labels.npy</c> of length
/// 5·N. Images are read by offset from the open file (thread-safe); labels are loaded once. Dispose to close the file.
/// </summary>
public sealed class CifarCDataset : IImageDataset, IDisposable
{
    /// <summary>The CIFAR-10 class names, the default.</summary>
    public static IReadOnlyList<string> Cifar10ClassNames { get; } =
        Array.AsReadOnly(new[] { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" });

    private readonly SafeFileHandle _file;
    private readonly long _blockOffset;
    private readonly int _imageBytes;
    private readonly int[] _labels;

    /// <summary>Opens <paramref name="folder"/>'s <c>&lt;corruption&gt;.npy</c> at <paramref name="severity"/> (1-5).</summary>
    /// <param name="folder">The folder holding the .npy files.</param>
    /// <param name="corruption">A file stem, e.g. <c>fog</c> (any name with a file is accepted, e.g. CIFAR-10-C's extra <c>speckle_noise</c>).</param>
    /// <param name="severity">1 to 5.</param>
    /// <param name="classNames">Class names by label; default the CIFAR-10 names (pass the 100 names for CIFAR-100-C).</param>
    /// <exception cref="InvariscopeException">Missing files, bad shapes or dtypes, N not divisible by 5, label count or range mismatch.</exception>
    public CifarCDataset(string folder, string corruption, int severity, IReadOnlyList<string>? classNames = null)
    {
        if (severity is < Corruptions.MinSeverity or > Corruptions.MaxSeverity)
            throw new InvariscopeException($"CIFAR-C severity {severity} is out of range; valid: 1, 2, 3, 4, 5.");
        string imagesPath = Path.Combine(folder, corruption + ".npy"), labelsPath = Path.Combine(folder, "labels.npy");
        if (!File.Exists(imagesPath))
        {
            var present = Directory.Exists(folder)
                ? Directory.GetFiles(folder, "*.npy").Select(Path.GetFileNameWithoutExtension).Where(n => n != "labels").Order().ToArray()
                : [];
            throw new InvariscopeException($"{imagesPath}: file not found (corruptions present: {string.Join(", ", present.DefaultIfEmpty("none"))}).");
        }
        var header = NpyFile.ReadHeader(imagesPath);
        if (header.Descr is not ("|u1" or "<u1" or "=u1"))
            throw new InvariscopeException($"{imagesPath}: expected uint8 images (|u1), got dtype '{header.Descr}'.");
        var shape = header.Shape;
        if (shape.Count is not (3 or 4) || (shape.Count == 4 && shape[3] is not (1 or 3)))
            throw new InvariscopeException($"{imagesPath}: expected shape (N, H, W, 3) or (N, H, W), got ({string.Join(", ", shape)}).");
        if (shape[0] == 0 || shape[0] % 5 != 0)
            throw new InvariscopeException($"{imagesPath}: {shape[0]} images is not 5 severities of equal size (not divisible by 5).");

        Count = checked((int)(shape[0] / 5));
        Height = checked((int)shape[1]);
        Width = checked((int)shape[2]);
        Channels = shape.Count == 4 ? (int)shape[3] : 1;
        _imageBytes = Height * Width * Channels;
        _blockOffset = header.DataOffset + (long)(severity - 1) * Count * _imageBytes;

        var labels = NpyFile.ReadIntegers(labelsPath);
        if (labels.Length != shape[0])
            throw new InvariscopeException($"{labelsPath}: {labels.Length} labels but {imagesPath} has {shape[0]} images.");
        ClassNames = classNames ?? Cifar10ClassNames;
        _labels = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            long label = labels[(severity - 1) * Count + i];
            if (label < 0 || label >= ClassNames.Count)
                throw new InvariscopeException($"{labelsPath}: label {label} at index {(severity - 1) * Count + i} is outside the {ClassNames.Count} class names (CIFAR-100-C needs its 100 names).");
            _labels[i] = (int)label;
        }
        Corruption = corruption;
        Severity = severity;
        Name = $"cifar-c:{folder} ({corruption}, severity {severity})";
        _file = File.OpenHandle(imagesPath);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>The corruption (file stem).</summary>
    public string Corruption { get; }

    /// <summary>The severity, 1-5.</summary>
    public int Severity { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Channels: 3, or 1 for an (N, H, W) file.</summary>
    public int Channels { get; }

    /// <inheritdoc/>
    public Image8 GetImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var pixels = new byte[_imageBytes];
        RandomAccess.Read(_file, pixels, _blockOffset + (long)index * _imageBytes);
        return new Image8(Height, Width, Channels, pixels);
    }

    /// <inheritdoc/>
    public int GetLabel(int index) => _labels[index];

    /// <summary>Closes the image file.</summary>
    public void Dispose() => _file.Dispose();
}
