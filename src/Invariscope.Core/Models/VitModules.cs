using Invariscope.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Invariscope.Models;

// Submodule fields are named exactly like timm's state_dict keys so that checkpoints load strictly.
#pragma warning disable IDE1006

/// <summary>
/// Image to patch tokens, (B,C,H,W) → (B,N,D): timm's strided convolution (<c>patch_embed.proj</c>, weight [D,C,P,P]),
/// computed as a reshape and one matmul, which is the same map; measured on the micro ViT (1 thread, interleaved, with
/// the in-place residuals of <see cref="Block"/>): forward +25%, train step +14%, STIR +11%.
/// </summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    /// <summary>Creates the embedding for <paramref name="config"/>.</summary>
    public PatchEmbed(VitConfig config) : base(nameof(PatchEmbed))
    {
        proj = nn.Conv2d(config.InChans, config.EmbedDim, config.PatchSize, stride: config.PatchSize);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], p = proj.weight!.shape[2], h = x.shape[2] / p, w = x.shape[3] / p;
        var patches = x.reshape(b, c, h, p, w, p).permute(0, 2, 4, 1, 3, 5).reshape(b, h * w, c * p * p); // (B,N,C·P·P)
        return nn.functional.linear(patches, proj.weight!.flatten(1), proj.bias).MoveToOuterDisposeScope();
    }
}

/// <summary>Multi-head self-attention with a fused qkv projection, (B,T,D) → (B,T,D).</summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int _heads;
    private readonly Scalar _scale; // held for the module's lifetime (see Runtime/Scalars)

    /// <summary>Creates the attention for <paramref name="config"/>.</summary>
    public Attention(VitConfig config) : base(nameof(Attention))
    {
        _heads = config.NumHeads;
        _scale = (1 / Math.Sqrt(config.EmbedDim / config.NumHeads)).ToScalar();
        qkv = nn.Linear(config.EmbedDim, 3 * config.EmbedDim, hasBias: config.QkvBias);
        proj = nn.Linear(config.EmbedDim, config.EmbedDim);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, t, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var qkvOut = qkv.call(x).reshape(b, t, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4); // (3,B,H,T,hd)
        // On the CPU libtorch 2.10's fused kernel wins alone (forward + backward 1.75x at micro shapes, 0.90x at B/32) but
        // not in the model: micro ViT forward 1.03x, train step 1.00x, STIR 0.95x (1 thread, interleaved; issue 16). On
        // CUDA the fused (flash) kernel wins. On the CPU q, k, v are made contiguous once and split with unbind: indexing
        // the permuted view three times made each bmm copy its operand and the backward fill and add three full-size
        // zero tensors (select's backward); unbind's is one stack. Same numbers, the qkv projection and attention
        // core 0.90x the time at STIR's micro shapes (scripts/profile/block_parts.sh).
        Tensor y;
        if (x.device_type == DeviceType.CUDA)
        {
            var p = qkvOut.unbind(0);
            y = nn.functional.scaled_dot_product_attention(p[0], p[1], p[2]);
        }
        else
        {
            var p = qkvOut.contiguous().unbind(0);
            y = matmul(softmax(matmul(p[0], p[1].transpose(-2, -1)).mul_(_scale), -1), p[2]); // (B,H,T,hd)
        }
        return proj.call(y.transpose(1, 2).reshape(b, t, d)).MoveToOuterDisposeScope();
    }
}

/// <summary>The transformer MLP: fc1 → exact GELU → fc2.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly GELU act;
    private readonly Linear fc2;

    /// <summary>Creates the MLP for <paramref name="config"/>.</summary>
    public Mlp(VitConfig config) : base(nameof(Mlp))
    {
        fc1 = nn.Linear(config.EmbedDim, config.MlpHidden);
        act = nn.GELU();
        fc2 = nn.Linear(config.MlpHidden, config.EmbedDim);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.call(act.call(fc1.call(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>A pre-norm transformer block: x = x + attn(norm1(x)); x = x + mlp(norm2(x)).</summary>
public sealed class Block : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly Attention attn;
    private readonly LayerNorm norm2;
    private readonly Mlp mlp;

    /// <summary>Creates the block for <paramref name="config"/>.</summary>
    public Block(VitConfig config) : base(nameof(Block))
    {
        norm1 = nn.LayerNorm(config.EmbedDim, eps: config.LayerNormEps);
        attn = new Attention(config);
        norm2 = nn.LayerNorm(config.EmbedDim, eps: config.LayerNormEps);
        mlp = new Mlp(config);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // the residual adds into the branch's fresh output (its backward needs neither operand): no new buffer
        x = attn.call(norm1.call(x)).add_(x, Scalars.One);
        x = mlp.call(norm2.call(x)).add_(x, Scalars.One);
        return x.MoveToOuterDisposeScope();
    }
}
