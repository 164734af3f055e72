using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Data;

/// <summary>A whole (small) dataset as tensors, for analysis passes that need every image at once.</summary>
public static class DatasetTensors
{
    /// <summary>
    /// Every example of <paramref name="dataset"/> through <paramref name="transform"/> (no augmentation seeds)
    /// as images (N, 3, S, S) float32 and labels (N) int64. Memory is N·3·S² floats: meant for analysis sets
    /// of hundreds to a few thousand images, not for training sets.
    /// </summary>
    public static (Tensor Images, Tensor Labels) Stack(IImageDataset dataset, TransformSpec transform)
    {
        if (dataset.Count == 0) throw new InvariscopeException($"{dataset.Name}: no examples");
        var tf = new ImageTransform(transform);
        const int chunk = 256;
        var parts = new List<Tensor>();
        var labels = new long[dataset.Count];
        try
        {
            for (int start = 0; start < dataset.Count; start += chunk)
            {
                int count = Math.Min(chunk, dataset.Count - start);
                var batch = new Image8[count];
                Parallel.For(0, count, j => batch[j] = dataset.GetImage(start + j));
                for (int j = 0; j < count; j++) labels[start + j] = dataset.GetLabel(start + j);
                parts.Add(tf.Apply(batch, new ulong[count]));
            }
            var images = parts.Count == 1 ? parts[0] : cat(parts, dim: 0);
            if (parts.Count > 1) foreach (var p in parts) p.Dispose();
            parts.Clear();
            return (images, tensor(labels, [labels.Length]));
        }
        catch
        {
            foreach (var p in parts) p.Dispose();
            throw;
        }
    }
}
