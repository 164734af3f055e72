using Invariscope.Models;
using static TorchSharp.torch;

namespace Invariscope.Checkpoints;

/// <summary>
/// The architecture a timm-named state dict's shapes say: token width from <c>patch_embed.proj.weight</c> (D, C, P, P),
/// depth from the highest <c>blocks.N</c>, image side from <c>pos_embed</c>'s token count, MLP width from the first
/// block's <c>mlp.fc1</c>. Compared with the config a checkpoint is loaded with, it turns a wrong preset's hundred
/// mis-shaped keys into one sentence: the checkpoint has dim 64, depth 5; preset X has dim 768, depth 12. Null
/// where the file does not say (a key is missing).
/// </summary>
public sealed record CheckpointShape(int? Dim, int? Depth, int? Patch, int? Image, int? Mlp, int? Channels)
{
    /// <summary>Reads the shapes of <paramref name="weights"/> (timm key names); reads no tensor data.</summary>
    public static CheckpointShape Of(IReadOnlyDictionary<string, Tensor> weights)
    {
        long[]? Shape(string key) => weights.TryGetValue(key, out var t) ? t.shape : null;
        var proj = Shape("patch_embed.proj.weight");
        var pos = Shape("pos_embed");
        var fc1 = Shape("blocks.0.mlp.fc1.weight");
        int? depth = weights.Keys.Select(k => k.StartsWith("blocks.", StringComparison.Ordinal) && int.TryParse(k.Split('.')[1], out int i) ? i + 1 : 0)
            .DefaultIfEmpty(0).Max() is > 0 and var d ? d : null;
        int? image = null;
        if (proj is [_, _, var p, _] && pos is [_, var tokens, _])
        {
            long patches = tokens - (weights.ContainsKey("cls_token") ? 1 : 0);
            long grid = (long)Math.Round(Math.Sqrt(patches));
            if (grid * grid == patches) image = (int)(grid * p);
        }
        return new(proj is [var dim, ..] ? (int)dim : null, depth, proj is [_, _, var patch, _] ? (int)patch : null,
            image, fc1 is [var hidden, ..] ? (int)hidden : null, proj is [_, var c, ..] ? (int)c : null);
    }

    /// <summary>The same properties of <paramref name="config"/>.</summary>
    public static CheckpointShape Of(VitConfig config) =>
        new(config.EmbedDim, config.Depth, config.PatchSize, config.ImgSize, config.MlpHidden, config.InChans);

    /// <summary>
    /// Null when <paramref name="config"/> agrees with every property this checkpoint says; else both descriptions
    /// (<c>dim 64, depth 5</c> against <c>dim 768, depth 12</c>), naming dim and depth always and the rest where they differ.
    /// </summary>
    public (string Checkpoint, string Config)? Mismatch(VitConfig config)
    {
        var other = Of(config);
        var rows = new (string name, int? mine, int? theirs)[]
        {
            ("dim", Dim, other.Dim), ("depth", Depth, other.Depth), ("patch", Patch, other.Patch),
            ("image size", Image, other.Image), ("MLP width", Mlp, other.Mlp), ("channels", Channels, other.Channels),
        };
        bool Differs((string name, int? mine, int? theirs) r) => r.mine is not null && r.mine != r.theirs;
        if (!rows.Any(Differs)) return null;
        var shown = rows.Where(r => r.name is "dim" or "depth" || Differs(r)).Where(r => r.mine is not null).ToList();
        return (string.Join(", ", shown.Select(r => $"{r.name} {r.mine}")), string.Join(", ", shown.Select(r => $"{r.name} {r.theirs}")));
    }
}
