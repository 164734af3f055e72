using Invariscope.Runtime;

namespace Invariscope.Data.Corruptions;

/// <summary>
/// Writes a corrupted copy of any dataset in the CIFAR-10-C layout, readable by <see cref="CifarCDataset"/>:
/// per corruption <c>&lt;name&gt;.npy</c> uint8 (5·N, H, W, C) with severities 1..5 stacked, and <c>labels.npy</c>
/// int64 (5·N), the labels repeated per severity as in the published files.
/// </summary>
public static class CifarCWriter
{
    private const long ChunkBytes = 16 << 20;

    /// <summary>
    /// Writes the files into <paramref name="folder"/> (created if needed). Image i at severity s is
    /// <c>Corruptions.Apply(name, image_i, s, seed + i)</c>, the same as <see cref="CorruptedDataset"/> gives.
    /// Each file is written to a temporary name and renamed when complete. Each clean image is read once.
    /// </summary>
    /// <param name="dataset">The clean images; all must have the same height, width and channels.</param>
    /// <param name="folder">The output folder.</param>
    /// <param name="corruptions">The corruptions to write; default all 15.</param>
    /// <param name="seed">The base seed.</param>
    /// <param name="progress">Optional progress, in corrupted images (done, total = corruptions·5·N).</param>
    /// <exception cref="InvariscopeException">Unknown corruption, empty dataset, or images of different sizes.</exception>
    public static void Write(IImageDataset dataset, string folder, IReadOnlyList<string>? corruptions = null, int seed = 0,
        IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var names = corruptions ?? Corruptions.All;
        foreach (var name in names) Corruptions.Validate(name, Corruptions.MinSeverity);
        int n = dataset.Count;
        if (n == 0) throw new InvariscopeException($"{dataset.Name}: the dataset is empty; nothing to corrupt.");
        var first = dataset.GetImage(0);
        int imageBytes = first.Height * first.Width * first.Channels;
        const int severities = Corruptions.MaxSeverity - Corruptions.MinSeverity + 1;
        long[] shape = [(long)n * severities, first.Height, first.Width, first.Channels];
        Directory.CreateDirectory(folder);

        var pending = new List<(string Final, string Temp)>();
        var outputs = new List<(FileStream Stream, long DataOffset)>();
        try
        {
            foreach (var name in names)
            {
                string final = Path.Combine(folder, name + ".npy"), temp = final + ".tmp";
                pending.Add((final, temp));
                var stream = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
                outputs.Add((stream, 0));
                NpyFile.WriteHeader(stream, "|u1", shape);
                outputs[^1] = (stream, stream.Position);
                stream.SetLength(stream.Position + shape[0] * imageBytes);
            }

            var labels = new long[n * severities];
            int chunk = (int)Math.Clamp(ChunkBytes / imageBytes, 1, n), done = 0, total = names.Count * severities * n;
            for (int start = 0; start < n; start += chunk)
            {
                int count = Math.Min(chunk, n - start);
                var clean = new Image8[count];
                for (int j = 0; j < count; j++)
                {
                    int i = start + j;
                    clean[j] = i == 0 ? first : dataset.GetImage(i);
                    if (clean[j].Height != first.Height || clean[j].Width != first.Width || clean[j].Channels != first.Channels)
                        throw new InvariscopeException($"{dataset.Name}: image {i} is {clean[j].Height}x{clean[j].Width}x{clean[j].Channels} but image 0 is {first.Height}x{first.Width}x{first.Channels}; CIFAR-C files need one size.");
                    long label = dataset.GetLabel(i);
                    for (int s = 0; s < severities; s++) labels[s * n + i] = label;
                }
                var buffer = new byte[count * imageBytes];
                for (int k = 0; k < names.Count; k++)
                    for (int severity = Corruptions.MinSeverity; severity <= Corruptions.MaxSeverity; severity++)
                    {
                        string name = names[k];
                        Parallel.For(0, count, j =>
                        {
                            var corrupted = Corruptions.Apply(name, clean[j], severity, unchecked(seed + start + j));
                            corrupted.Pixels.CopyTo(buffer, j * imageBytes);
                        });
                        long row = (long)(severity - 1) * n + start;
                        RandomAccess.Write(outputs[k].Stream.SafeFileHandle, buffer, outputs[k].DataOffset + row * imageBytes);
                        done += count;
                        progress?.Report((done, total));
                    }
            }

            foreach (var o in outputs) o.Stream.Dispose();
            string labelsPath = Path.Combine(folder, "labels.npy");
            pending.Add((labelsPath, labelsPath + ".tmp"));
            NpyFile.WriteInt64(labelsPath + ".tmp", labels);
            foreach (var (final, temp) in pending) File.Move(temp, final, overwrite: true);
        }
        catch
        {
            foreach (var o in outputs) o.Stream.Dispose();
            foreach (var (_, temp) in pending)
                if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
    }
}
