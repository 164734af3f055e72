using Invariscope.Runtime;

namespace Invariscope.Data;

/// <summary>
/// CIFAR-10 / CIFAR-100 in the official binary format. CIFAR-10: <c>data_batch_1.bin</c> ..
/// <c>data_batch_5.bin</c> (train) and <c>test_batch.bin</c>, records of 1 label byte + 3072 pixel bytes
/// (1024 R, 1024 G, 1024 B, each 32x32 row-major), class names in <c>batches.meta.txt</c>. CIFAR-100:
/// <c>train.bin</c> / <c>test.bin</c>, records of coarse label, fine label, 3072 pixel bytes, names in
/// <c>fine_label_names.txt</c> / <c>coarse_label_names.txt</c>. The raw files (≤150 MB) are held in memory;
/// images are decoded to (32, 32, 3) on access.
/// </summary>
public sealed class CifarDataset : IImageDataset
{
    const int Side = 32, PixelBytes = 3 * Side * Side;

    readonly List<byte[]> _files = new();
    readonly List<(int file, int offset)> _records = new();
    readonly byte[] _labels;
    readonly int _labelSkip, _recordSize;

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }
    /// <inheritdoc/>
    public int Count => _records.Count;

    CifarDataset(string name, string folder, string[] files, string namesFile, int labelBytes, int labelSkip)
    {
        Name = name;
        _recordSize = labelBytes + PixelBytes;
        _labelSkip = labelSkip;
        if (!Directory.Exists(folder))
            throw new InvariscopeException($"{folder}: no such folder (expected the CIFAR binary files)");
        ClassNames = ReadNames(Path.Combine(folder, namesFile));
        var labels = new List<byte>();
        foreach (var file in files)
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path))
                throw new InvariscopeException($"{path}: file not found (expected CIFAR binary batch {file})");
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % _recordSize != 0)
                throw new InvariscopeException(
                    $"{path}: size {bytes.Length} bytes is not a positive multiple of the {_recordSize}-byte record (truncated or not a CIFAR file)");
            for (int off = 0; off < bytes.Length; off += _recordSize)
            {
                byte label = bytes[off + labelSkip];
                if (label >= ClassNames.Count)
                    throw new InvariscopeException(
                        $"{path}: record {off / _recordSize} has label {label}, but {namesFile} lists {ClassNames.Count} classes");
                labels.Add(label);
                _records.Add((_files.Count, off));
            }
            _files.Add(bytes);
        }
        _labels = labels.ToArray();
    }

    /// <summary>Opens CIFAR-10 from <paramref name="folder"/> (e.g. <c>cifar-10-batches-bin</c>).</summary>
    public static CifarDataset Cifar10(string folder, bool train) => new(
        $"cifar10:{folder} ({(train ? "train" : "test")})", folder,
        train ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray() : ["test_batch.bin"],
        "batches.meta.txt", labelBytes: 1, labelSkip: 0);

    /// <summary>Opens CIFAR-100 from <paramref name="folder"/> (e.g. <c>cifar-100-binary</c>) with fine (default) or coarse labels.</summary>
    public static CifarDataset Cifar100(string folder, bool train, bool coarse = false) => new(
        $"cifar100:{folder} ({(train ? "train" : "test")}, {(coarse ? "coarse" : "fine")})", folder,
        [train ? "train.bin" : "test.bin"],
        coarse ? "coarse_label_names.txt" : "fine_label_names.txt", labelBytes: 2, labelSkip: coarse ? 0 : 1);

    static string[] ReadNames(string path)
    {
        if (!File.Exists(path))
            throw new InvariscopeException($"{path}: file not found (expected the class names, one per line)");
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length == 0) throw new InvariscopeException($"{path}: no class names in the file");
        return names;
    }

    /// <inheritdoc/>
    public int GetLabel(int index) => _labels[index];

    /// <summary>The (32, 32, 3) RGB image of example <paramref name="index"/>.</summary>
    public Image8 GetImage(int index)
    {
        var (file, offset) = _records[index];
        var src = _files[file].AsSpan(offset + _recordSize - PixelBytes, PixelBytes);
        var pixels = new byte[PixelBytes];
        const int plane = Side * Side;
        for (int p = 0; p < plane; p++)
        {
            pixels[3 * p] = src[p];
            pixels[3 * p + 1] = src[plane + p];
            pixels[3 * p + 2] = src[2 * plane + p];
        }
        return new Image8(Side, Side, 3, pixels);
    }
}
