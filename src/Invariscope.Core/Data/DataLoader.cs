using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Data;

/// <summary>Loader settings. <paramref name="Workers"/> = 0 builds batches synchronously on the caller's
/// thread; -1 picks min(4, cores - 1), at least 1. <paramref name="Prefetch"/> bounds the batches built ahead.</summary>
public sealed record LoaderOptions(int BatchSize = 128, bool Shuffle = true, bool DropLast = false, int Seed = 0,
    int Workers = -1, int Prefetch = 4);

/// <summary>One batch: images (B, 3, H, W) float32, labels (B) int64, and the dataset indices they came from.
/// The tensors belong to no DisposeScope; dispose the batch when done.</summary>
public sealed class Batch : IDisposable
{
    /// <summary>(B, 3, H, W) float32 transformed images.</summary>
    public Tensor Images { get; }
    /// <summary>(B) int64 labels.</summary>
    public Tensor Labels { get; }
    /// <summary>The dataset index of each row.</summary>
    public IReadOnlyList<int> Indices { get; }

    internal Batch(Tensor images, Tensor labels, int[] indices)
    {
        Images = images;
        Labels = labels;
        Indices = indices;
    }

    /// <summary>Frees both tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// Batches a dataset through a transform, with seeded per-epoch shuffling and background prefetch.
/// Batch b of epoch e is a pure function of (dataset, transform, options, e, b): the order is a permutation
/// seeded by (Seed, e) and each example's augmentation is seeded by (Seed, e, index), so prefetching and
/// thread timing never change contents. Datasets must allow concurrent reads (all in Invariscope.Data do).
/// </summary>
public sealed class DataLoader : IDisposable
{
    readonly IImageDataset _dataset;
    readonly ImageTransform _transform;
    readonly List<IDisposable> _running = new();
    bool _disposed;

    /// <summary>The settings in use (Workers resolved).</summary>
    public LoaderOptions Options { get; }

    /// <summary>Creates a loader; nothing runs until an epoch is enumerated.</summary>
    public DataLoader(IImageDataset dataset, TransformSpec transform, LoaderOptions? options = null)
    {
        TorchRuntime.Initialize();
        options ??= new LoaderOptions();
        if (options.BatchSize < 1) throw new InvariscopeException($"loader: batch size {options.BatchSize} must be >= 1");
        if (dataset.Count == 0) throw new InvariscopeException($"{dataset.Name}: the dataset is empty");
        _dataset = dataset;
        _transform = new ImageTransform(transform);
        Options = options.Workers >= 0 ? options : options with { Workers = Math.Clamp(Environment.ProcessorCount - 1, 1, 4) };
    }

    /// <summary>Batches per epoch: ceil(N / B), or floor(N / B) with DropLast.</summary>
    public int BatchesPerEpoch => Options.DropLast
        ? _dataset.Count / Options.BatchSize
        : (_dataset.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the dataset's indices.</summary>
    public int[] EpochOrder(int epoch) => Options.Shuffle
        ? SeedRng.Permutation(_dataset.Count, SeedRng.Mix((ulong)Options.Seed, 0xE90C, (ulong)epoch))
        : Enumerable.Range(0, _dataset.Count).ToArray();

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, in order. The caller owns and disposes each batch;
    /// leaving the loop early (or disposing the loader) stops the workers and frees batches built ahead.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var order = EpochOrder(epoch);
        int count = BatchesPerEpoch;
        if (Options.Workers == 0)
        {
            for (int b = 0; b < count; b++) yield return Build(order, epoch, b);
            yield break;
        }
        var prefetcher = new Prefetcher<Batch>(b => Build(order, epoch, b), count, Options.Workers, Options.Prefetch);
        lock (_running) _running.Add(prefetcher);
        try
        {
            for (int b = 0; b < count; b++) yield return prefetcher.Take(b);
        }
        finally
        {
            lock (_running) _running.Remove(prefetcher);
            prefetcher.Dispose();
        }
    }

    /// <summary>Builds batch <paramref name="batch"/> of an epoch whose visiting order is <paramref name="order"/>.</summary>
    Batch Build(int[] order, int epoch, int batch)
    {
        int start = batch * Options.BatchSize, n = Math.Min(Options.BatchSize, order.Length - start);
        var indices = order.AsSpan(start, n).ToArray();
        var images = new Image8[n];
        var seeds = new ulong[n];
        var labels = new long[n];
        for (int k = 0; k < n; k++)
        {
            images[k] = _dataset.GetImage(indices[k]);
            labels[k] = _dataset.GetLabel(indices[k]);
            seeds[k] = SeedRng.Mix((ulong)Options.Seed, 0xA06, (ulong)epoch, (ulong)indices[k]);
        }
        var x = _transform.Apply(images, seeds).DetachFromDisposeScope();
        try
        {
            return new Batch(x, tensor(labels).DetachFromDisposeScope(), indices);
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }

    /// <summary>Stops any running workers and frees the batches they built ahead.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        IDisposable[] running;
        lock (_running) running = _running.ToArray();
        foreach (var r in running) r.Dispose();
    }
}
