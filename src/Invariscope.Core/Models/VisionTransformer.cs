using Invariscope.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Invariscope.Models;

#pragma warning disable IDE1006 // fields are named like timm's state_dict keys

/// <summary>
/// A Vision Transformer with timm's module names (<c>patch_embed.proj</c>, <c>cls_token</c>, <c>pos_embed</c>,
/// <c>blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}</c>, <c>norm</c>, <c>fc_norm</c>, <c>head</c>),
/// so timm checkpoints load strictly and Hugging Face ones after a key rename. Forward runs in timm's
/// stages: <see cref="ForwardFeatures"/> → <see cref="ForwardHead"/>; <see cref="ForwardIntermediates"/>
/// gives the output of any layer (see <see cref="LayerId"/>).
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter? cls_token;
    private readonly Parameter pos_embed;
    private readonly PatchEmbed patch_embed;
    private readonly ModuleList<Block> blocks;
    private readonly LayerNorm? norm;     // absent when fc_norm is used (timm's nn.Identity)
    private readonly LayerNorm? fc_norm;
    private readonly Linear? head;

    /// <summary>The architecture.</summary>
    public VitConfig Config { get; }

    /// <summary>Tokens before the patch tokens (the class token, if any).</summary>
    public int PrefixTokens => Config.ClassToken ? 1 : 0;

    /// <summary>
    /// Builds the model with timm's initialisation (trunc-normal 0.02 linear weights and position embedding,
    /// zero biases, PyTorch's default for the patch convolution), drawn from a generator seeded with
    /// <paramref name="seed"/>: the same seed gives the same weights whatever else uses the global RNG.
    /// </summary>
    public VisionTransformer(VitConfig config, long seed = 0) : base(nameof(VisionTransformer))
    {
        Config = config.Validate();
        int d = config.EmbedDim;
        if (config.ClassToken) cls_token = new Parameter(zeros(1, 1, d));
        pos_embed = new Parameter(zeros(1, config.NumTokens, d));
        patch_embed = new PatchEmbed(config);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Depth).Select(_ => new Block(config)).ToArray());
        if (config.UseFcNorm) fc_norm = nn.LayerNorm(d, eps: config.LayerNormEps);
        else norm = nn.LayerNorm(d, eps: config.LayerNormEps);
        if (config.NumClasses > 0) head = nn.Linear(d, config.NumClasses);
        RegisterComponents();
        InitWeights(seed);
    }

    void InitWeights(long seed)
    {
        using var _ = no_grad();
        using var g = new Generator((ulong)seed);
        TruncNormal(pos_embed, 0.02, g);
        cls_token?.normal_(0, 1e-6, generator: g);
        foreach (var (_, module) in named_modules())
        {
            if (module is Linear linear)
            {
                TruncNormal(linear.weight!, 0.02, g);
                linear.bias?.zero_();
            }
            else if (module is Conv2d conv) // kaiming_uniform(a=√5) and its bias rule: both U(±1/√fan_in)
            {
                double bound = 1 / Math.Sqrt(conv.weight!.shape.Skip(1).Aggregate(1L, (a, b) => a * b));
                conv.weight!.uniform_(-bound, bound, generator: g);
                conv.bias?.uniform_(-bound, bound, generator: g);
            }
        }
    }

    /// <summary>
    /// In-place normal(0, std²) truncated to [-2, 2] as timm's trunc_normal_ (inverse-CDF sampling), drawn from
    /// <paramref name="g"/>.
    /// </summary>
    static void TruncNormal(Tensor t, double std, Generator g, double a = -2, double b = 2)
    {
        static double Cdf(double x) => (1 + Erf(x / Math.Sqrt(2))) / 2;
        double lo = Cdf(a / std), hi = Cdf(b / std);
        using Scalar scale = (std * Math.Sqrt(2)).ToScalar(), min = a.ToScalar(), max = b.ToScalar(); // see Runtime/Scalars
        t.uniform_(2 * lo - 1, 2 * hi - 1, generator: g).erfinv_().mul_(scale).clamp_(min, max);
    }

    static double Erf(double x)
    {
        // Abramowitz-Stegun 7.1.26 is too coarse near the tails; the bounds only need ~1e-7, which this gives.
        double t = 1 / (1 + 0.5 * Math.Abs(x));
        double y = 1 - t * Math.Exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
                   t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? y : -y;
    }

    /// <summary>Patch tokens plus class token plus position embedding: (B,C,H,W) → (B,T,D).</summary>
    public Tensor Embed(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = patch_embed.call(images); // (B,N,D)
        if (cls_token is not null) x = cat([cls_token.expand(x.shape[0], -1, -1), x], dim: 1);
        return x.add(pos_embed, Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Block <paramref name="index"/> alone, (B,T,D) → (B,T,D), for callers that step through the blocks
    /// themselves (e.g. STIR's inversion, which stops each row at its own layer).
    /// </summary>
    public Tensor Block(int index, Tensor tokens)
    {
        if (index < 0 || index >= Config.Depth)
            throw new ArgumentOutOfRangeException(nameof(index), $"block {index} of a {Config.Depth}-block model");
        return blocks[index].call(tokens);
    }

    /// <summary>All blocks then the final norm: (B,C,H,W) → (B,T,D).</summary>
    public Tensor ForwardFeatures(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = Embed(images);
        foreach (var block in blocks) x = block.call(x);
        return FinalNorm(x).MoveToOuterDisposeScope();
    }

    /// <summary>The final token norm (identity when fc_norm is used instead), (B,T,D) → (B,T,D).</summary>
    public Tensor FinalNorm(Tensor tokens) => norm is null ? tokens.alias() : norm.call(tokens);

    /// <summary>
    /// Pools normed tokens (class token or mean of patch tokens), applies fc_norm, then the head:
    /// (B,T,D) → (B,K), or the pooled (B,D) when <paramref name="preLogits"/> or when there is no head.
    /// </summary>
    public Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        using var scope = NewDisposeScope();
        var pooled = Config.GlobalPool == "avg"
            ? features[.., PrefixTokens..].mean([1])
            : features[.., 0];
        if (fc_norm is not null) pooled = fc_norm.call(pooled);
        var result = preLogits || head is null ? pooled : head.call(pooled);
        return result.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return ForwardHead(ForwardFeatures(images)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The outputs of <paramref name="layers"/> for normalised images (B,C,H,W): block i and <c>final_norm</c> (B,T,D),
    /// <c>pre_logits</c> (B,D); null asks for every layer (<see cref="LayerId.Every"/>). Blocks after the deepest layer
    /// asked for are not run. With <paramref name="logits"/>, the head's output (B,K) comes too whenever the pass
    /// reaches the head (final_norm or pre_logits asked for) and the model has one.
    /// </summary>
    /// <exception cref="InvariscopeException">A layer this model does not have.</exception>
    public VitIntermediates ForwardIntermediates(Tensor images, IEnumerable<LayerId>? layers = null, bool logits = true)
    {
        var take = LayerId.Sorted(layers ?? LayerId.Every(Config.Depth), Config.Depth, "layers");
        using var scope = NewDisposeScope();
        var outputs = new SortedDictionary<LayerId, Tensor>();
        void Keep(LayerId layer, Tensor t) { if (Array.BinarySearch(take, layer) >= 0) outputs[layer] = t.MoveToOuterDisposeScope(); }
        var x = Embed(images);
        for (int i = 0; i <= take[^1].LastBlock(Config.Depth); i++)
        {
            x = blocks[i].call(x);
            Keep(LayerId.OfBlock(i), x);
        }
        if (take[^1].IsBlock) return new VitIntermediates(outputs, null);
        var final = FinalNorm(x);
        Keep(LayerId.FinalNorm, final);
        bool wantLogits = logits && head is not null;
        if (!wantLogits && take[^1] != LayerId.PreLogits) return new VitIntermediates(outputs, null);
        var pooled = ForwardHead(final, preLogits: true);
        Keep(LayerId.PreLogits, pooled);
        return new VitIntermediates(outputs, wantLogits ? head!.call(pooled).MoveToOuterDisposeScope() : null);
    }

    /// <summary>
    /// A layer's output from <paramref name="tokens"/>, the output (B,T,D) of block <see cref="LayerId.LastBlock"/>:
    /// for a block those tokens themselves, for <c>final_norm</c> the final norm of them, for <c>pre_logits</c> their
    /// pooled, fc-normed feature (B,D). For callers that step through the blocks themselves (STIR's inversion).
    /// </summary>
    public Tensor LayerOutput(LayerId layer, Tensor tokens)
    {
        layer.Check(Config.Depth, "layer");
        if (layer.IsBlock) return tokens.alias();
        using var scope = NewDisposeScope();
        var final = FinalNorm(tokens);
        return (layer == LayerId.FinalNorm ? final : ForwardHead(final, preLogits: true)).MoveToOuterDisposeScope();
    }
}

/// <summary>Outputs of <see cref="VisionTransformer.ForwardIntermediates"/>. Disposing frees them all.</summary>
/// <param name="Layers">Each layer asked for → its output, in depth order: (B,T,D) for blocks and final_norm, (B,D) for pre_logits.</param>
/// <param name="Logits">Head output (B,K), or null when not asked for, without a head, or when the pass stopped before it.</param>
public sealed record VitIntermediates(IReadOnlyDictionary<LayerId, Tensor> Layers, Tensor? Logits) : IDisposable
{
    /// <summary>The output of <paramref name="layer"/>, which must have been asked for.</summary>
    public Tensor this[LayerId layer] => Layers.TryGetValue(layer, out var t) ? t
        : throw new KeyNotFoundException($"{layer.Name} was not among the layers asked for");

    /// <summary>Block <paramref name="index"/>'s output (B,T,D).</summary>
    public Tensor Block(int index) => this[LayerId.OfBlock(index)];

    /// <summary>Tokens after the final norm (B,T,D), or null if not asked for.</summary>
    public Tensor? FinalNorm => Layers.GetValueOrDefault(LayerId.FinalNorm);

    /// <summary>Pooled features after fc_norm (B,D), or null if not asked for.</summary>
    public Tensor? PreLogits => Layers.GetValueOrDefault(LayerId.PreLogits);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in Layers.Values) t.Dispose();
        Logits?.Dispose();
    }
}
