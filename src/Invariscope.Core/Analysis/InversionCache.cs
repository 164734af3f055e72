using System.Security.Cryptography;
using System.Text;
using Invariscope.Models;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>
/// Where the inversions on a pretrained model p live. X'(p, i, s) depends only on p's backbone, the probe images and
/// the inversion settings, so analyses that share them (settings finetuned from one pretrained model, or the training
/// seeds of one setting) can share one file per seed: the key hashes exactly those inputs. The classifier head is not
/// part of the key: no analysed layer (the blocks and the pooled feature) depends on it.
/// </summary>
public static class InversionCache
{
    /// <summary>SHA-256 (hex, first 16 bytes) of p's backbone weights and of every setting the inversions depend on.</summary>
    public static string Key(VisionTransformer p, AnalysisSettings settings)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s + "\n"));
        Text((p.Config with { NumClasses = 0 }).ToJson()); // the class count only shapes the head, which is not in the key
        Text(StirInversion.Method);
        Text(string.Join("|", settings.Data, settings.Samples, settings.SampleSeed, settings.Steps, settings.StepSize.ToString("R"),
            LayerNames(p, settings), settings.Normalize, settings.Representation, settings.MaxRows));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, t) in p.state_dict().Where(kv => !kv.Key.StartsWith("head.")).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Text(name);
            var flat = t.detach().cpu().to(ScalarType.Float32).contiguous();
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(flat.data<float>().ToArray().AsSpan()));
        }
        return Convert.ToHexString(sha.GetHashAndReset()[..16]).ToLowerInvariant();
    }

    /// <summary>The resolved layers, so that <c>all</c> and the same layers listed one by one share their inversions.</summary>
    static string LayerNames(VisionTransformer p, AnalysisSettings settings) =>
        string.Join(",", LayerSelection.Parse(settings.Layers, "layers").Resolve(p.Config.Depth).Select(l => l.Name));
}
