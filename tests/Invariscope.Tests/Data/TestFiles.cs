using System.Buffers.Binary;
using System.IO.Compression;
using Invariscope.Data;

namespace Invariscope.Tests.Data;

/// <summary>A temporary folder deleted on dispose, plus writers of tiny files in the real on-disk formats.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("invariscope-data-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Sub(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

public static class TestFiles
{
    /// <summary>A deterministic 32x32 RGB image whose pixels encode (seed, y, x, c).</summary>
    public static byte[] CifarPixelsHwc(int seed)
    {
        var px = new byte[32 * 32 * 3];
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                for (int c = 0; c < 3; c++)
                    px[(y * 32 + x) * 3 + c] = (byte)(seed * 31 + y * 7 + x * 3 + c * 85);
        return px;
    }

    /// <summary>A CIFAR record: label bytes then the R, G, B planes of <paramref name="hwc"/>.</summary>
    public static byte[] CifarRecord(byte[] labels, byte[] hwc)
    {
        var rec = new byte[labels.Length + 3072];
        labels.CopyTo(rec, 0);
        for (int p = 0; p < 1024; p++)
            for (int c = 0; c < 3; c++)
                rec[labels.Length + c * 1024 + p] = hwc[p * 3 + c];
        return rec;
    }

    /// <summary>Writes a CIFAR-10 folder: 5 train batches with <paramref name="perBatch"/> records each, a test batch of 3.</summary>
    public static void WriteCifar10(string dir, int perBatch = 2)
    {
        System.IO.File.WriteAllLines(System.IO.Path.Combine(dir, "batches.meta.txt"),
            ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", "", ""]);
        int seed = 0;
        for (int b = 1; b <= 5; b++)
            System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, $"data_batch_{b}.bin"),
                Enumerable.Range(0, perBatch).SelectMany(_ => CifarRecord([(byte)(seed % 10)], CifarPixelsHwc(seed++))).ToArray());
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "test_batch.bin"),
            Enumerable.Range(100, 3).SelectMany(s => CifarRecord([(byte)(s % 10)], CifarPixelsHwc(s))).ToArray());
    }

    /// <summary>Writes a CIFAR-100 folder: train.bin with 4 records (coarse = i % 20, fine = (3 i) % 100), test.bin with 2.</summary>
    public static void WriteCifar100(string dir)
    {
        System.IO.File.WriteAllLines(System.IO.Path.Combine(dir, "fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"fine{i}"));
        System.IO.File.WriteAllLines(System.IO.Path.Combine(dir, "coarse_label_names.txt"), Enumerable.Range(0, 20).Select(i => $"coarse{i}"));
        byte[] Records(int n, int offset) => Enumerable.Range(offset, n)
            .SelectMany(i => CifarRecord([(byte)(i % 20), (byte)(3 * i % 100)], CifarPixelsHwc(i))).ToArray();
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "train.bin"), Records(4, 0));
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "test.bin"), Records(2, 50));
    }

    static byte[] BigEndian(params int[] values)
    {
        var b = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    /// <summary>IDX images file bytes: n images of h x w where pixel = (i * 17 + y * w + x) mod 256.</summary>
    public static byte[] IdxImages(int n, int h, int w, int magic = 0x803) =>
        BigEndian(magic, n, h, w).Concat(Enumerable.Range(0, n * h * w).Select(k => (byte)((k / (h * w)) * 17 + k % (h * w)))).ToArray();

    /// <summary>IDX labels file bytes: label i = i mod 10.</summary>
    public static byte[] IdxLabels(int n, int magic = 0x801) =>
        BigEndian(magic, n).Concat(Enumerable.Range(0, n).Select(i => (byte)(i % 10))).ToArray();

    /// <summary>Writes bytes, gzipped when the name ends in .gz.</summary>
    public static string Write(string path, byte[] bytes)
    {
        if (!path.EndsWith(".gz")) System.IO.File.WriteAllBytes(path, bytes);
        else
        {
            using var file = System.IO.File.Create(path);
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        return path;
    }

    /// <summary>A small RGB image with a per-seed pattern.</summary>
    public static Image8 Pattern(int h, int w, int seed)
    {
        var px = new byte[h * w * 3];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(seed * 40 + i * 13);
        return new Image8(h, w, 3, px);
    }
}
