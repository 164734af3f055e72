using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Invariscope.Models;

/// <summary>
/// The reconstruction head of Merlin et al.: patch tokens (B,N,D) are laid out on their grid (B,D,g,g) and
/// upsampled ×2 by transposed convolutions (each followed by GELU, halving channels down to 32) until the
/// patch size is undone, then a 3×3 convolution maps to image channels: (B,N,D) → (B,C,g·p,g·p).
/// Patch sizes must be powers of two.
/// </summary>
public sealed class ConvDecoder : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> ups;
    private readonly Conv2d out_conv;
    private readonly int _grid;

    /// <summary>A decoder for the patch tokens of a ViT of <paramref name="config"/>.</summary>
    public ConvDecoder(VitConfig config, long seed = 0) : base(nameof(ConvDecoder))
    {
        if (config.PatchSize < 1 || (config.PatchSize & (config.PatchSize - 1)) != 0)
            throw new Runtime.InvariscopeException($"reconstruction needs a power-of-two patch size, got {config.PatchSize}");
        _grid = config.GridSize;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        long channels = config.EmbedDim;
        for (int scale = 1; scale < config.PatchSize; scale *= 2)
        {
            long next = Math.Max(32, channels / 2);
            layers.Add(nn.Sequential(nn.ConvTranspose2d(channels, next, 2, stride: 2), nn.GELU()));
            channels = next;
        }
        ups = nn.ModuleList(layers.ToArray());
        out_conv = nn.Conv2d(channels, config.InChans, 3, padding: 1);
        RegisterComponents();
        using var g = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var p in parameters())
        {
            double bound = p.dim() > 1 ? 1 / Math.Sqrt(p.shape.Skip(1).Aggregate(1L, (a, b) => a * b)) : 0.01;
            p.uniform_(-bound, bound, generator: g);
        }
    }

    /// <summary>(B,N,D) patch tokens (no class token) → (B,C,H,W) image.</summary>
    public override Tensor forward(Tensor patchTokens)
    {
        using var scope = NewDisposeScope();
        var (b, n, d) = (patchTokens.shape[0], patchTokens.shape[1], patchTokens.shape[2]);
        var x = patchTokens.transpose(1, 2).reshape(b, d, _grid, _grid); // (B,D,g,g)
        foreach (var up in ups) x = up.call(x);
        return out_conv.call(x).MoveToOuterDisposeScope();
    }
}
