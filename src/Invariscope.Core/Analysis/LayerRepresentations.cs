using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>
/// STIR's layers of a ViT: layer l &lt; Depth is block l's output, layer Depth is the pooled final feature
/// (<c>pre_logits</c>: final norm, pool, fc_norm). Inputs are images in [0, 1]; the normalisation is applied
/// inside, so gradients (for inversion) are taken in pixel space.
/// </summary>
public static class LayerRepresentations
{
    /// <summary>Names accepted for the block representation.</summary>
    public static readonly IReadOnlyList<string> RepresentationNames = ["tokens", "cls", "mean"];

    /// <summary>
    /// Representation of each requested layer for images in [0, 1] (N,3,H,W): normalises, runs the model once in
    /// batches (eval mode, no grad, stopping after the deepest layer asked for), and returns layer → (N, F) float32
    /// CPU tensors. F = T·D for blocks with <c>tokens</c> (all tokens flattened), D for <c>cls</c> (class token),
    /// <c>mean</c> (mean of the patch tokens) and for layer Depth (<c>pre_logits</c>, whatever the representation).
    /// </summary>
    public static Dictionary<int, Tensor> Compute(VisionTransformer model, Tensor images01, IReadOnlyList<int> layers,
        Normalization norm, Device device, string representation = "tokens", int batchSize = 256)
    {
        var take = CheckLayers(layers, model.Config.Depth, nameof(layers));
        CheckImages(model.Config, images01, nameof(images01));
        CheckRepresentation(model, representation);
        if (batchSize < 1) throw new InvariscopeException($"batchSize must be positive, got {batchSize}");
        model.eval();
        model.to(device);
        long n = images01.shape[0];
        var parts = take.ToDictionary(l => l, _ => new List<Tensor>());
        try
        {
            using var _ = no_grad();
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var x = images01.narrow(0, start, Math.Min(batchSize, n - start)).to(float32).to(device);
                var h = model.Embed(Normalize(x, norm));
                for (int b = 0; b < model.Config.Depth && b <= take[^1]; b++)
                {
                    h = model.Block(b, h);
                    if (Array.BinarySearch(take, b) >= 0)
                        parts[b].Add(Represent(model, h, b, representation).cpu().MoveToOuterDisposeScope());
                }
                if (take[^1] == model.Config.Depth)
                    parts[model.Config.Depth].Add(Represent(model, h, model.Config.Depth, representation).cpu().MoveToOuterDisposeScope());
            }
            var result = new Dictionary<int, Tensor>();
            foreach (var (layer, list) in parts)
                result[layer] = list.Count == 1 ? list[0].alias() : cat(list, dim: 0);
            return result;
        }
        finally
        {
            foreach (var list in parts.Values) foreach (var t in list) t.Dispose();
        }
    }

    /// <summary>The layer's name: <c>block{l}</c> for l &lt; <paramref name="depth"/>, <c>pre_logits</c> for l = depth.</summary>
    public static string Name(int layer, int depth)
    {
        if (layer < 0 || layer > depth)
            throw new InvariscopeException($"layer {layer}: out of range for a {depth}-block model (valid: 0..{depth}, {depth} = pre_logits)");
        return layer == depth ? "pre_logits" : $"block{layer}";
    }

    /// <summary>(x − mean) / std per channel, for x (B,3,H,W) in [0, 1].</summary>
    internal static Tensor Normalize(Tensor x, Normalization norm)
    {
        if (norm.Mean.Length != x.shape[1] || norm.Std.Length != x.shape[1])
            throw new InvariscopeException($"normalisation '{norm.Name}': {norm.Mean.Length} channel statistics for {x.shape[1]}-channel images");
        using var scope = NewDisposeScope();
        var mean = tensor(norm.Mean, device: x.device).view(1, -1, 1, 1);
        var std = tensor(norm.Std, device: x.device).view(1, -1, 1, 1);
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Layer <paramref name="layer"/>'s representation (B, F) from <paramref name="h"/>: block l's output (B,T,D) for
    /// l &lt; Depth, the last block's output for l = Depth (then final norm, pool, fc_norm are applied here).
    /// </summary>
    internal static Tensor Represent(VisionTransformer model, Tensor h, int layer, string representation)
    {
        if (layer == model.Config.Depth)
        {
            using var scope = NewDisposeScope();
            return model.ForwardHead(model.FinalNorm(h), preLogits: true).MoveToOuterDisposeScope();
        }
        return representation switch
        {
            "tokens" => h.flatten(1),
            "cls" => h.select(1, 0),
            "mean" => h.narrow(1, model.PrefixTokens, h.shape[1] - model.PrefixTokens).mean([1]),
            _ => throw new InvariscopeException($"representation '{representation}': unknown; use {string.Join(", ", RepresentationNames)}"),
        };
    }

    /// <summary>Sorted distinct layers, each in [0, depth].</summary>
    internal static int[] CheckLayers(IReadOnlyList<int> layers, int depth, string name)
    {
        if (layers is null || layers.Count == 0) throw new InvariscopeException($"{name}: no layers given");
        foreach (var l in layers)
            if (l < 0 || l > depth)
                throw new InvariscopeException($"{name}: layer {l} is out of range for a {depth}-block model (valid: 0..{depth}, {depth} = pre_logits)");
        return layers.Distinct().Order().ToArray();
    }

    /// <summary>Images must be float (N, in_chans, img_size, img_size), N ≥ 1, with values in [0, 1] (±1e-6).</summary>
    internal static void CheckImages(VitConfig config, Tensor images, string name)
    {
        Representations.CheckInput(config, images, name);
        if (images.shape[0] < 1) throw new InvariscopeException($"{name}: no images");
        using var scope = NewDisposeScope();
        double lo = images.min().to(float64).item<double>(), hi = images.max().to(float64).item<double>();
        if (double.IsNaN(lo) || double.IsNaN(hi) || lo < -1e-6 || hi > 1 + 1e-6)
            throw new InvariscopeException($"{name}: expected pixel values in [0, 1] (normalisation is applied inside), got [{lo:G4}, {hi:G4}]");
    }

    internal static void CheckRepresentation(VisionTransformer model, string representation)
    {
        if (!RepresentationNames.Contains(representation))
            throw new InvariscopeException($"representation '{representation}': unknown; use {string.Join(", ", RepresentationNames)}");
        if (representation == "cls" && !model.Config.ClassToken)
            throw new InvariscopeException("representation 'cls': this model has no class token");
    }
}
