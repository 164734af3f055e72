using System.Buffers.Binary;
using System.IO.Compression;
using Invariscope.Runtime;

namespace Invariscope.Data;

/// <summary>
/// MNIST-style IDX files, gzipped (<c>.gz</c>) or raw: images with magic <c>0x00000803</c> and big-endian
/// dimensions (N, H, W), labels with magic <c>0x00000801</c> and N. Images are (H, W, 1) grayscale; the
/// decompressed files (47 MB for 60000 28x28 images) are held in memory.
/// </summary>
public sealed class IdxDataset : IImageDataset
{
    /// <summary>Fashion-MNIST's ten class names.</summary>
    public static readonly IReadOnlyList<string> FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>MNIST's class names, the digits "0".."9".</summary>
    public static readonly IReadOnlyList<string> MnistClasses = Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray();

    const int ImageMagic = 0x00000803, LabelMagic = 0x00000801;

    readonly byte[] _images, _labels;
    readonly int _height, _width;

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }
    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>Opens an images file and a labels file (each raw or .gz).</summary>
    public IdxDataset(string name, string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        Name = name;
        ClassNames = classNames;
        _images = ReadAll(imagesPath);
        _labels = ReadAll(labelsPath);
        int n = Header(_images, imagesPath, ImageMagic, 3);
        _height = ReadInt(_images, 8);
        _width = ReadInt(_images, 12);
        long expected = 16 + (long)n * _height * _width;
        if (_height <= 0 || _width <= 0 || _images.Length != expected)
            throw new InvariscopeException(
                $"{imagesPath}: {_images.Length} bytes, but the header promises {n} images of {_height}x{_width} ({expected} bytes): truncated or corrupt");
        int nl = Header(_labels, labelsPath, LabelMagic, 1);
        if (_labels.Length != 8 + (long)nl)
            throw new InvariscopeException(
                $"{labelsPath}: {_labels.Length} bytes, but the header promises {nl} labels ({8 + (long)nl} bytes): truncated or corrupt");
        if (nl != n)
            throw new InvariscopeException($"{labelsPath}: {nl} labels, but {imagesPath} has {n} images");
        for (int i = 0; i < n; i++)
            if (_labels[8 + i] >= classNames.Count)
                throw new InvariscopeException($"{labelsPath}: label {_labels[8 + i]} of example {i} is out of range for {classNames.Count} classes");
        Count = n;
    }

    /// <summary>Opens MNIST or Fashion-MNIST from a folder holding <c>train-images-idx3-ubyte[.gz]</c>,
    /// <c>train-labels-idx1-ubyte[.gz]</c>, <c>t10k-images-idx3-ubyte[.gz]</c>, <c>t10k-labels-idx1-ubyte[.gz]</c>
    /// (a '.' instead of the '-' before <c>idx</c> is accepted too).</summary>
    public static IdxDataset OpenFolder(string scheme, string folder, bool train, IReadOnlyList<string> classNames)
    {
        if (!Directory.Exists(folder))
            throw new InvariscopeException($"{folder}: no such folder (expected the IDX files of {scheme})");
        string prefix = train ? "train" : "t10k";
        return new IdxDataset($"{scheme}:{folder} ({(train ? "train" : "test")})",
            Find(folder, prefix + "-images", "idx3-ubyte"), Find(folder, prefix + "-labels", "idx1-ubyte"), classNames);
    }

    static string Find(string folder, string stem, string kind)
    {
        foreach (var sep in new[] { "-", "." })
            foreach (var ext in new[] { ".gz", "" })
            {
                var path = Path.Combine(folder, stem + sep + kind + ext);
                if (File.Exists(path)) return path;
            }
        throw new InvariscopeException($"{Path.Combine(folder, $"{stem}-{kind}[.gz]")}: file not found");
    }

    static byte[] ReadAll(string path)
    {
        if (!File.Exists(path)) throw new InvariscopeException($"{path}: file not found");
        try
        {
            if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return File.ReadAllBytes(path);
            using var file = File.OpenRead(path);
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            using var mem = new MemoryStream();
            gz.CopyTo(mem);
            return mem.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvariscopeException($"{path}: cannot read gzip data: {e.Message}", e);
        }
    }

    static int ReadInt(byte[] b, int offset) => BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(offset, 4));

    /// <summary>Checks the magic number and returns the item count N.</summary>
    static int Header(byte[] b, string path, int magic, int dims)
    {
        if (b.Length < 4 + 4 * dims)
            throw new InvariscopeException($"{path}: {b.Length} bytes is too short for an IDX header: truncated or not an IDX file");
        int found = ReadInt(b, 0);
        if (found != magic)
            throw new InvariscopeException(
                $"{path}: magic number 0x{found:X8}, expected 0x{magic:X8} ({(dims == 3 ? "IDX images" : "IDX labels")})");
        int n = ReadInt(b, 4);
        if (n < 0) throw new InvariscopeException($"{path}: negative item count {n}");
        return n;
    }

    /// <inheritdoc/>
    public int GetLabel(int index) => _labels[8 + index];

    /// <summary>The (H, W, 1) grayscale image of example <paramref name="index"/>.</summary>
    public Image8 GetImage(int index)
    {
        int size = _height * _width;
        return new Image8(_height, _width, 1, _images.AsSpan(16 + index * size, size).ToArray());
    }
}
