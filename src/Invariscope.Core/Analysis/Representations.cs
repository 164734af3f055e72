using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>What the images handed to <see cref="Representations"/> are: already normalised, or pixels normalised inside.</summary>
public sealed record ImageInput
{
    ImageInput(Normalization? normalize) => Normalize = normalize;

    /// <summary>The normalisation applied inside, or null when the images come normalised.</summary>
    public Normalization? Normalize { get; }

    /// <summary>Images already normalised (any float values), fed to the model as they are.</summary>
    public static ImageInput Normalized { get; } = new((Normalization?)null);

    /// <summary>
    /// Images in [0, 1] (checked, with 1e-6 slack), normalised inside by <paramref name="norm"/>, so that gradients
    /// (STIR's inversion) are taken in pixel space.
    /// </summary>
    public static ImageInput Pixels(Normalization norm) => new(norm ?? throw new ArgumentNullException(nameof(norm)));
}

/// <summary>
/// The per-layer extractor: the outputs of chosen layers (<see cref="LayerId"/>) of a ViT over a set of images, through
/// <see cref="VisionTransformer.ForwardIntermediates"/>, in batches; optionally reduced to one vector per image.
/// <c>extract</c>, the invariance analysis, CKA divergence and feature change all read layers through it; only STIR's
/// inversion steps through the blocks itself (it needs pixel gradients and cuts each row off at its own layer).
/// </summary>
public static class Representations
{
    /// <summary>
    /// Reductions of a token layer (block or final_norm, (B,T,D)) to (B,F): <c>tokens</c> (all tokens flattened,
    /// F = T·D), <c>cls</c> (the class token, F = D), <c>mean</c> (mean of the patch tokens, F = D). pre_logits (B,D)
    /// is already one vector per image and stays as it is.
    /// </summary>
    public static readonly IReadOnlyList<string> Names = ["tokens", "cls", "mean"];

    /// <summary>
    /// Runs <paramref name="model"/> (eval mode, no grad, on the batch's device) over one batch (B,C,H,W) in the caller's
    /// dispose scope, and returns the outputs of <paramref name="layers"/> reduced by <paramref name="representation"/>
    /// (null: as the model gives them, (B,T,D) or (B,D)), with the logits (B,K) when <paramref name="logits"/> and the
    /// pass reaches the head.
    /// </summary>
    public static VitIntermediates Forward(VisionTransformer model, Tensor batch, IReadOnlyList<LayerId> layers, ImageInput input,
        string? representation = null, bool logits = false)
    {
        var x = input.Normalize is { } norm ? Normalize(batch, norm) : batch;
        var raw = model.ForwardIntermediates(x, layers, logits);
        if (representation is null) return raw;
        var reduced = new SortedDictionary<LayerId, Tensor>();
        foreach (var (layer, t) in raw.Layers)
        {
            reduced[layer] = Represent(model, layer, t, representation);
            if (!ReferenceEquals(reduced[layer], t)) t.Dispose();
        }
        return new VitIntermediates(reduced, raw.Logits);
    }

    /// <summary>
    /// <see cref="Forward"/> over all of <paramref name="images"/> (N,C,H,W), N ≥ 1, in batches of
    /// <paramref name="batchSize"/> on <paramref name="device"/> (eval mode, no grad). Returns CPU float32 tensors with N
    /// rows for each layer (and the logits if asked for and reached); the caller disposes them.
    /// </summary>
    /// <exception cref="InvariscopeException">Images of the wrong shape or range, an unknown representation or layer, a bad batch size.</exception>
    public static VitIntermediates Extract(VisionTransformer model, Tensor images, IReadOnlyList<LayerId> layers, ImageInput input,
        Device device, string? representation = null, bool logits = false, int batchSize = 256,
        IProgress<(int done, int total)>? progress = null, string name = "images")
    {
        var take = LayerId.Sorted(layers, model.Config.Depth, "layers");
        if (input.Normalize is null) CheckInput(model.Config, images, name);
        else CheckImages(model.Config, images, name);
        if (images.shape[0] < 1) throw new InvariscopeException($"{name}: no images");
        if (representation is not null) CheckRepresentation(model, representation);
        if (batchSize < 1) throw new InvariscopeException($"batch size must be positive, got {batchSize}");
        model.eval();
        model.to(device);
        long n = images.shape[0];
        var parts = take.ToDictionary(l => l, _ => new List<Tensor>());
        var logitParts = new List<Tensor>();
        try
        {
            using var _ = no_grad();
            for (long start = 0; start < n; start += batchSize)
            {
                CpuGovernor.Tick();
                using var scope = NewDisposeScope();
                var batch = images.narrow(0, start, Math.Min(batchSize, n - start)).to(float32).to(device);
                using var outputs = Forward(model, batch, take, input, representation, logits);
                foreach (var (layer, t) in outputs.Layers) parts[layer].Add(t.cpu().MoveToOuterDisposeScope());
                if (outputs.Logits is { } l) logitParts.Add(l.cpu().MoveToOuterDisposeScope());
                progress?.Report(((int)Math.Min(n, start + batchSize), (int)n));
            }
            static Tensor Concat(List<Tensor> list) => list.Count == 1 ? list[0].alias() : cat(list, dim: 0);
            return new VitIntermediates(new SortedDictionary<LayerId, Tensor>(parts.ToDictionary(kv => kv.Key, kv => Concat(kv.Value))),
                logitParts.Count > 0 ? Concat(logitParts) : null);
        }
        finally
        {
            foreach (var t in parts.Values.SelectMany(list => list).Concat(logitParts)) t.Dispose();
        }
    }

    /// <summary>
    /// <paramref name="layer"/>'s representation (B,F) from <paramref name="tokens"/>, the output (B,T,D) of the block
    /// the layer ends at (<see cref="LayerId.LastBlock"/>), for STIR's inversion, which runs the blocks itself.
    /// </summary>
    internal static Tensor FromTokens(VisionTransformer model, LayerId layer, Tensor tokens, string representation)
    {
        if (layer.IsBlock) return Represent(model, layer, tokens, representation);
        using var scope = NewDisposeScope();
        var output = model.LayerOutput(layer, tokens);
        return Represent(model, layer, output, representation).MoveToOuterDisposeScope();
    }

    /// <summary>A layer's output reduced by <paramref name="representation"/> (see <see cref="Names"/>).</summary>
    static Tensor Represent(VisionTransformer model, LayerId layer, Tensor output, string representation)
    {
        if (layer == LayerId.PreLogits) return output;
        return representation switch
        {
            "tokens" => output.flatten(1),
            "cls" => output.select(1, 0),
            "mean" => output.narrow(1, model.PrefixTokens, output.shape[1] - model.PrefixTokens).mean([1]),
            _ => throw new InvariscopeException($"representation '{representation}': unknown; use {string.Join(", ", Names)}"),
        };
    }

    /// <summary>(x − mean) / std per channel, for x (B,C,H,W) in [0, 1].</summary>
    internal static Tensor Normalize(Tensor x, Normalization norm)
    {
        if (norm.Mean.Length != x.shape[1] || norm.Std.Length != x.shape[1])
            throw new InvariscopeException($"normalisation '{norm.Name}': {norm.Mean.Length} channel statistics for {x.shape[1]}-channel images");
        using var scope = NewDisposeScope();
        var mean = tensor(norm.Mean, device: x.device).view(1, -1, 1, 1);
        var std = tensor(norm.Std, device: x.device).view(1, -1, 1, 1);
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>Checks that <paramref name="images"/> is a float (N, in_chans, img_size, img_size) tensor for the config.</summary>
    public static void CheckInput(VitConfig config, Tensor images, string name)
    {
        var s = images.shape;
        if (s.Length != 4 || s[1] != config.InChans || s[2] != config.ImgSize || s[3] != config.ImgSize)
            throw new InvariscopeException(
                $"{name}: expected shape (N, {config.InChans}, {config.ImgSize}, {config.ImgSize}) for this model, got ({string.Join(", ", s)})");
        if (!images.is_floating_point())
            throw new InvariscopeException($"{name}: expected a float tensor of normalised images, got {images.dtype}");
    }

    /// <summary>Images must be float (N, in_chans, img_size, img_size), N ≥ 1, with values in [0, 1] (±1e-6).</summary>
    internal static void CheckImages(VitConfig config, Tensor images, string name)
    {
        CheckInput(config, images, name);
        if (images.shape[0] < 1) throw new InvariscopeException($"{name}: no images");
        using var scope = NewDisposeScope();
        double lo = images.min().to(float64).item<double>(), hi = images.max().to(float64).item<double>();
        if (double.IsNaN(lo) || double.IsNaN(hi) || lo < -1e-6 || hi > 1 + 1e-6)
            throw new InvariscopeException($"{name}: expected pixel values in [0, 1] (normalisation is applied inside), got [{lo:G4}, {hi:G4}]");
    }

    internal static void CheckRepresentation(VisionTransformer model, string representation)
    {
        if (!Names.Contains(representation))
            throw new InvariscopeException($"representation '{representation}': unknown; use {string.Join(", ", Names)}");
        if (representation == "cls" && !model.Config.ClassToken)
            throw new InvariscopeException("representation 'cls': this model has no class token");
    }
}
