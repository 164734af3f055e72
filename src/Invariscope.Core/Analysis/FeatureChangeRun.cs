using System.Text.Json.Nodes;
using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

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
    /// Runs both models (eval mode, no grad) over <paramref name="data"/> through <paramref name="transform"/> (whose
    /// normalisation the models are fed) in batches on <paramref name="device"/> and returns, in depth order, the
    /// statistics of each of <paramref name="layers"/>: blocks and final_norm flattened to (N, T·D), pre_logits (N, D).
    /// <paramref name="progress"/> counts images.
    /// </summary>
    /// <exception cref="InvariscopeException">Different architectures, a layer the models lack, an empty dataset.</exception>
    public static List<(string Layer, FeatureChangeStats Stats)> Compare(VisionTransformer finetuned, VisionTransformer start,
        IImageDataset data, TransformSpec transform, IReadOnlyList<LayerId> layers, int batchSize, Device device,
        IProgress<(int done, int total)>? progress = null, string finetunedName = "finetuned", string startName = "start")
    {
        CheckSameArchitecture(finetuned.Config, finetunedName, start.Config, startName);
        if (batchSize < 1) throw new InvariscopeException($"batch size must be positive, got {batchSize}");
        var take = LayerId.Sorted(layers, finetuned.Config.Depth, "layers");
        var acc = take.ToDictionary(l => l, _ => new FeatureChangeAccumulator());

        finetuned.eval();
        start.eval();
        finetuned.to(device);
        start.to(device);
        using var loader = new DataLoader(data, transform, new LoaderOptions(batchSize, Shuffle: false));
        using var _ = no_grad();
        int seen = 0;
        foreach (var batch in loader.Epoch(0))
        {
            Runtime.CpuGovernor.Tick();
            using var scope = NewDisposeScope();
            using (batch)
            {
                var images = batch.Images.to(device);
                using var f = Representations.Forward(finetuned, images, take, ImageInput.Normalized);
                using var g = Representations.Forward(start, images, take, ImageInput.Normalized);
                foreach (var l in take) acc[l].Add(f[l], g[l]);
                seen += (int)batch.Labels.shape[0];
                progress?.Report((seen, data.Count));
            }
        }
        return take.Select(l => (l.Name, acc[l].Result())).ToList();
    }
}
