using System.Globalization;
using System.Text.Json.Nodes;
using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>Which representations to compare: some blocks (each flattened over tokens) and/or the pooled features.</summary>
/// <param name="Blocks">Block indices (negatives count from the end), or null for none.</param>
/// <param name="Pooled">Whether to compare the pooled features (<c>pre_logits</c>).</param>
public sealed record FeatureLayers(IReadOnlyList<int>? Blocks, bool Pooled)
{
    /// <summary>The default: the pooled features only.</summary>
    public static FeatureLayers PooledOnly { get; } = new(null, true);

    /// <summary>
    /// Parses <c>--layers</c>: empty or <c>pre_logits</c> (alias <c>pooled</c>) = the pooled features only;
    /// <c>all</c> = every block and the pooled features; otherwise a comma list of block indices (negatives count
    /// from the end) and optionally <c>pre_logits</c>, e.g. <c>0,5,-1,pre_logits</c>.
    /// </summary>
    /// <exception cref="InvariscopeException">An entry that is neither an integer nor a known name.</exception>
    public static FeatureLayers Parse(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) return PooledOnly;
        if (text.Equals("all", StringComparison.OrdinalIgnoreCase)) return new FeatureLayers(null, true) { AllBlocks = true };
        var blocks = new List<int>();
        bool pooled = false;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Equals("pre_logits", StringComparison.OrdinalIgnoreCase) || part.Equals("pooled", StringComparison.OrdinalIgnoreCase))
                pooled = true;
            else if (part.StartsWith("block", StringComparison.OrdinalIgnoreCase) && int.TryParse(part[5..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b1))
                blocks.Add(b1);
            else if (int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b2))
                blocks.Add(b2);
            else
                throw new InvariscopeException($"--layers '{text}': '{part}' is not a block index or pre_logits (use e.g. 0,5,-1,pre_logits or all)");
        }
        if (blocks.Count == 0 && !pooled) throw new InvariscopeException($"--layers '{text}': nothing selected");
        return new FeatureLayers(blocks.Count == 0 ? null : blocks, pooled);
    }

    /// <summary>Every block (set by <c>all</c>), regardless of <see cref="Blocks"/>.</summary>
    public bool AllBlocks { get; init; }

    /// <summary>The selected block indices resolved for <paramref name="depth"/> blocks: sorted, distinct, non-negative.</summary>
    /// <exception cref="InvariscopeException">An index out of range.</exception>
    public int[] ResolveBlocks(int depth) =>
        AllBlocks ? Enumerable.Range(0, depth).ToArray()
        : Blocks is null ? [] : LayerSelection.Of([.. Blocks]).Resolve(depth);
}

/// <summary>Extracts features of two ViTs over a dataset in batches and compares them with <see cref="FeatureChange"/>.</summary>
public static class FeatureChangeRun
{
    /// <summary>
    /// Throws unless the two configs describe the same architecture apart from the head (<c>num_classes</c>).
    /// The message names both files and the differing fields.
    /// </summary>
    /// <exception cref="InvariscopeException">The architectures differ.</exception>
    public static void CheckSameArchitecture(VitConfig finetuned, string finetunedPath, VitConfig start, string startPath)
    {
        var a = JsonNode.Parse(finetuned.ToJson())!.AsObject();
        var b = JsonNode.Parse(start.ToJson())!.AsObject();
        var diffs = a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key))
            .Where(k => k != "num_classes" && !JsonNode.DeepEquals(a[k], b[k]))
            .Select(k => $"{k} {a[k]?.ToJsonString() ?? "null"} vs {b[k]?.ToJsonString() ?? "null"}")
            .ToList();
        if (diffs.Count > 0)
            throw new InvariscopeException(
                $"{finetunedPath} and {startPath} have different architectures ({string.Join(", ", diffs)}); only the head may differ");
    }

    /// <summary>
    /// Runs both models (eval mode, no grad) over <paramref name="data"/> through <paramref name="transform"/> in
    /// batches on <paramref name="device"/> and returns, in order (blocks ascending, then <c>pre_logits</c>), the
    /// statistics of each selected layer: <c>block{i}</c> flattened to (N, T·D), <c>pre_logits</c> (N, D).
    /// <paramref name="progress"/> counts images.
    /// </summary>
    /// <exception cref="InvariscopeException">Different architectures, a bad layer index, an empty dataset.</exception>
    public static List<(string Layer, FeatureChangeStats Stats)> Compare(VisionTransformer finetuned, VisionTransformer start,
        IImageDataset data, TransformSpec transform, FeatureLayers layers, int batchSize, Device device,
        IProgress<(int done, int total)>? progress = null, string finetunedName = "finetuned", string startName = "start")
    {
        CheckSameArchitecture(finetuned.Config, finetunedName, start.Config, startName);
        if (batchSize < 1) throw new InvariscopeException($"--batch-size must be positive, got {batchSize}");
        var blocks = layers.ResolveBlocks(finetuned.Config.Depth);
        // with no block wanted, ask for the last one only (it is computed anyway on the way to pre_logits)
        var selection = LayerSelection.Of(blocks.Length > 0 ? blocks : [finetuned.Config.Depth - 1]);
        var names = blocks.Select(i => $"block{i}").ToList();
        if (layers.Pooled) names.Add("pre_logits");
        var acc = names.ToDictionary(n => n, _ => new FeatureChangeAccumulator());

        finetuned.eval();
        start.eval();
        finetuned.to(device);
        start.to(device);
        using var loader = new DataLoader(data, transform, new LoaderOptions(batchSize, Shuffle: false));
        using var _ = no_grad();
        int seen = 0;
        foreach (var batch in loader.Epoch(0))
        {
            using var scope = NewDisposeScope();
            using (batch)
            {
                var images = batch.Images.to(device);
                using var f = finetuned.ForwardIntermediates(images, selection, stopEarly: !layers.Pooled);
                using var g = start.ForwardIntermediates(images, selection, stopEarly: !layers.Pooled);
                foreach (var i in blocks) acc[$"block{i}"].Add(f.Blocks[i], g.Blocks[i]);
                if (layers.Pooled) acc["pre_logits"].Add(f.PreLogits!, g.PreLogits!);
                seen += (int)batch.Labels.shape[0];
                progress?.Report((seen, data.Count));
            }
        }
        return names.Select(n => (n, acc[n].Result())).ToList();
    }
}
