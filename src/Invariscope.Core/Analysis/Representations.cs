using Invariscope.Models;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>Per-layer representations of a ViT over a set of images, computed in batches.</summary>
public static class Representations
{
    /// <summary>
    /// Runs <paramref name="model"/> (eval mode, no grad) over <paramref name="images"/> (N,C,H,W), already
    /// normalised, in batches on <paramref name="device"/>. Returns CPU float32 tensors named
    /// <c>block{i}</c> (N,T,D) for each selected block, and, when the forward pass reaches the last block,
    /// <c>final_norm</c> (N,T,D), <c>pre_logits</c> (N,D) and <c>logits</c> (N,K) if the model has a head.
    /// Blocks after the deepest selected one are skipped when <paramref name="stopEarly"/>.
    /// </summary>
    public static Dictionary<string, Tensor> Extract(
        VisionTransformer model, Tensor images, LayerSelection layers, Device device, int batchSize = 64,
        bool stopEarly = false, IProgress<(int done, int total)>? progress = null)
    {
        CheckInput(model.Config, images, "input");
        if (batchSize < 1) throw new InvariscopeException($"--batch-size must be positive, got {batchSize}");
        model.eval();
        model.to(device);
        long n = images.shape[0];
        var parts = new Dictionary<string, List<Tensor>>();
        using var _ = no_grad();
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = images[TensorIndex.Slice(start, Math.Min(n, start + batchSize))].to(float32).to(device);
            using var outputs = model.ForwardIntermediates(batch, layers, stopEarly);
            void Keep(string name, Tensor? t)
            {
                if (t is null) return;
                if (!parts.TryGetValue(name, out var list)) parts[name] = list = [];
                list.Add(t.cpu().MoveToOuterDisposeScope());
            }
            foreach (var (i, t) in outputs.Blocks) Keep($"block{i}", t);
            Keep("final_norm", outputs.FinalNorm);
            Keep("pre_logits", outputs.PreLogits);
            Keep("logits", outputs.Logits);
            progress?.Report(((int)Math.Min(n, start + batchSize), (int)n));
        }
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, list) in parts)
        {
            result[name] = list.Count == 1 ? list[0] : cat(list, dim: 0);
            if (list.Count > 1) foreach (var t in list) t.Dispose();
        }
        return result;
    }

    /// <summary>Checks that <paramref name="images"/> is (N, in_chans, img_size, img_size) for the config.</summary>
    public static void CheckInput(VitConfig config, Tensor images, string name)
    {
        var s = images.shape;
        if (s.Length != 4 || s[1] != config.InChans || s[2] != config.ImgSize || s[3] != config.ImgSize)
            throw new InvariscopeException(
                $"{name}: expected shape (N, {config.InChans}, {config.ImgSize}, {config.ImgSize}) for this model, got ({string.Join(", ", s)})");
        if (!images.is_floating_point())
            throw new InvariscopeException($"{name}: expected a float tensor of normalised images, got {images.dtype}");
    }
}
