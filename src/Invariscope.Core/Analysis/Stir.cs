using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>Settings of STIR's representation inversion (Nanda et al. 2022; the reference's defaults).</summary>
/// <param name="Steps">Gradient steps per image (the reference library's default 1000; the paper's scripts used 500).</param>
/// <param name="StepSize">Pixel-space L2 length of each normalised gradient step (images live in [0, 1]).</param>
/// <param name="MaxRows">Image×layer rows optimised together in one chunk; bounds memory, not the result.</param>
/// <param name="Representation">Block representation: <c>tokens</c> (all tokens flattened), <c>cls</c>, or <c>mean</c> (patch tokens).</param>
public sealed record StirSettings(int Steps = 1000, double StepSize = 0.5, int MaxRows = 512, string Representation = "tokens");

/// <summary>Inverted images of one layer and how well each matches its target.</summary>
/// <param name="Images">(N,3,H,W) float32 on the CPU, values in [0, 1]: the best iterate of each image.</param>
/// <param name="RelativeError">Per image, ‖m(x′) − m(x)‖₂ / ‖m(x)‖₂ at the returned iterate.</param>
public sealed record Inversion(Tensor Images, double[] RelativeError) : IDisposable
{
    /// <summary>Mean of <see cref="RelativeError"/>.</summary>
    public double MeanRelativeError => RelativeError.Average();

    /// <inheritdoc/>
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// STIR's representation inversion: for targets t = m_l(X), finds X′ in [0, 1] with m_l(X′) ≈ t by normalised
/// gradient descent from "super-noise" (as the reference's unconstrained L2 attack with the relative L2 loss):
/// x′₀ = clamp(N(0, 1), 0, 1); per step g = ∇ mean_i ‖m_l(x′_i) − t_i‖ / ‖t_i‖, x′ ← clamp(x′ − s·g/(‖g‖ + 1e-10), 0, 1)
/// with ‖g‖ per image; the best iterate of each image (lowest loss seen) is returned.
/// <para>Many layers are inverted in one optimisation: image×layer rows are ordered by layer and the forward is cut
/// at each row's own layer (rows of layer l leave the batch after block l), so the deepest layer bounds the work.
/// Rows are processed in independent chunks of at most <see cref="StirSettings.MaxRows"/>. The start noise of image i
/// depends only on (seed, i), so a layer inverted alone, with others, or in any chunking starts identically and ends
/// the same up to float reassociation.</para>
/// </summary>
public static class StirInversion
{
    sealed record Group(LayerId Layer, long ImageStart, long Count);

    /// <summary>
    /// Inverts <paramref name="model"/> at each of <paramref name="layers"/> for the same
    /// images <paramref name="images01"/> (N,3,H,W) in [0, 1], normalised inside by <paramref name="norm"/>. Returns
    /// layer → <see cref="Inversion"/> (caller disposes). <paramref name="progress"/> gets (steps done, total steps) over
    /// all chunks. The model is put in eval mode on <paramref name="device"/>.
    /// </summary>
    public static Dictionary<LayerId, Inversion> Invert(VisionTransformer model, Tensor images01, IReadOnlyList<LayerId> layers,
        Normalization norm, StirSettings settings, long seed, Device device, IProgress<(int done, int total)>? progress = null)
    {
        CheckSettings(settings);
        var take = LayerId.Sorted(layers, model.Config.Depth, nameof(layers));
        Representations.CheckImages(model.Config, images01, nameof(images01));
        Representations.CheckRepresentation(model, settings.Representation);

        long n = images01.shape[0];
        var targets = Representations.Extract(model, images01, take, ImageInput.Pixels(norm), device, settings.Representation);
        var images = take.ToDictionary(l => l, _ => zeros(images01.shape, float32));
        var errors = take.ToDictionary(l => l, _ => new double[n]);
        try
        {
            using var noise = StartNoise(seed, images01.shape);
            long rows = n * take.Length;
            int chunks = (int)((rows + settings.MaxRows - 1) / settings.MaxRows);
            int done = 0, total = chunks * settings.Steps;
            for (long start = 0; start < rows; start += settings.MaxRows)
            {
                long end = Math.Min(rows, start + settings.MaxRows);
                var groups = new List<Group>();
                for (long r = start; r < end;)
                {
                    int li = (int)(r / n);
                    long i = r % n, count = Math.Min(n - i, end - r);
                    groups.Add(new Group(take[li], i, count));
                    r += count;
                }
                using var scope = NewDisposeScope();
                var (best, loss) = RunChunk(model, noise, targets, groups, norm, settings, device, () => progress?.Report((++done, total)));
                var lossValues = loss.to(float64).data<double>().ToArray();
                long row = 0;
                foreach (var g in groups)
                {
                    images[g.Layer].narrow(0, g.ImageStart, g.Count).copy_(best.narrow(0, row, g.Count));
                    Array.Copy(lossValues, row, errors[g.Layer], g.ImageStart, g.Count);
                    row += g.Count;
                }
            }
            return take.ToDictionary(l => l, l => new Inversion(images[l], errors[l]));
        }
        catch
        {
            foreach (var t in images.Values) t.Dispose();
            throw;
        }
        finally
        {
            targets.Dispose();
        }
    }

    /// <summary>Start noise N(0, 1) (N,C,H,W) on the CPU; image i's is drawn from a generator seeded by (seed, i) only.</summary>
    static Tensor StartNoise(long seed, long[] shape)
    {
        using var scope = NewDisposeScope();
        var parts = new Tensor[shape[0]];
        for (long i = 0; i < shape[0]; i++)
        {
            using var g = new Generator(SeedRng.Mix((ulong)seed, (ulong)i));
            parts[i] = randn(shape[1..], dtype: float32, generator: g);
        }
        return stack(parts).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Optimises one chunk: rows are the groups' images in order (layer ascending). Returns the best iterates (R,C,H,W)
    /// and their losses (R), both on the CPU, in the caller's dispose scope.
    /// </summary>
    static (Tensor best, Tensor loss) RunChunk(VisionTransformer model, Tensor noise, VitIntermediates targets,
        List<Group> groups, Normalization norm, StirSettings settings, Device device, Action stepDone)
    {
        using var chunkScope = NewDisposeScope();
        // Out-of-place clamp: cat of one tensor and .to(its own device) may return views of the shared noise.
        var x = cat(groups.Select(g => noise.narrow(0, g.ImageStart, g.Count)).ToList(), dim: 0).to(device).clamp(Scalars.Zero, Scalars.One);
        var tgt = groups.Select(g => targets[g.Layer].narrow(0, g.ImageStart, g.Count).to(device)).ToArray();
        var tnorm = tgt.Select(t => t.norm(1)).ToArray();
        var best = x.clone();
        using var infinity = double.PositiveInfinity.ToScalar();
        var bestLoss = full(x.shape[0], infinity, dtype: float32, device: device);
        x.requires_grad_(true);
        using var stepSize = settings.StepSize.ToScalar(); // scalars outlive the native calls (see Runtime/Scalars)
        using var tiny = 1e-10.ToScalar();

        void Keep(Tensor loss)
        {
            using var scope = NewDisposeScope();
            var improved = loss < bestLoss;
            best.copy_(where(improved.view(-1, 1, 1, 1), x, best));
            bestLoss.copy_(where(improved, loss, bestLoss));
        }

        for (int step = 0; step < settings.Steps; step++)
        {
            using (var scope = NewDisposeScope())
            {
                var loss = Losses(model, x, tgt, tnorm, groups, norm, settings.Representation);
                var grad = autograd.grad([loss.mean()], [x])[0];
                using var _ = no_grad();
                Keep(loss.detach());
                var gnorm = grad.flatten(1).norm(1).view(-1, 1, 1, 1);
                x.sub_(grad.div(gnorm.add(tiny, Scalars.One)).mul_(stepSize)).clamp_(Scalars.Zero, Scalars.One);
            }
            stepDone();
        }
        using (no_grad())
        using (var scope = NewDisposeScope())
            Keep(Losses(model, x, tgt, tnorm, groups, norm, settings.Representation)); // the last iterate, as the reference
        return (best.cpu().MoveToOuterDisposeScope(), bestLoss.cpu().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Relative L2 error per row (R). Runs the forward progressively: all rows through block 0, then only the rows
    /// of deeper layers onwards, each group leaving (as a prefix, rows being layer-sorted) after its own layer.
    /// </summary>
    static Tensor Losses(VisionTransformer model, Tensor x, Tensor[] tgt, Tensor[] tnorm, List<Group> groups,
        Normalization norm, string representation)
    {
        using var scope = NewDisposeScope();
        int depth = model.Config.Depth, gi = 0;
        var losses = new List<Tensor>();
        var h = model.Embed(Representations.Normalize(x, norm));
        for (int b = 0; b < depth && gi < groups.Count; b++)
        {
            h = model.Block(b, h);
            while (gi < groups.Count && groups[gi].Layer.LastBlock(depth) == b) // final_norm and pre_logits leave after the last block
            {
                long count = groups[gi].Count;
                var rep = Representations.FromTokens(model, groups[gi].Layer, h.narrow(0, 0, count), representation);
                losses.Add(rep.sub(tgt[gi]).norm(1) / tnorm[gi]);
                gi++;
                h = h.narrow(0, count, h.shape[0] - count);
            }
        }
        return cat(losses, dim: 0).MoveToOuterDisposeScope();
    }

    static void CheckSettings(StirSettings s)
    {
        if (s is null) throw new InvariscopeException("settings: null");
        if (s.Steps < 1) throw new InvariscopeException($"settings.Steps must be positive, got {s.Steps}");
        if (!(s.StepSize > 0) || double.IsInfinity(s.StepSize))
            throw new InvariscopeException($"settings.StepSize must be a positive number, got {s.StepSize}");
        if (s.MaxRows < 1) throw new InvariscopeException($"settings.MaxRows must be positive, got {s.MaxRows}");
    }
}

/// <summary>STIR (Nanda et al. 2022): how far a model m2 shares the invariances that inverted representations of m1 encode.</summary>
public static class Stir
{
    /// <summary>
    /// STIR(m2 | m1, X) at <paramref name="m2"/>'s layer <paramref name="layer2"/>, given X′ =
    /// <paramref name="inverted01"/> made on m1 from X = <paramref name="images01"/> (both (N,3,H,W) in [0, 1]):
    /// linear CKA of m2_l2(X) and m2_l2(X′).
    /// </summary>
    public static double Compute(VisionTransformer m2, LayerId layer2, Tensor images01, Tensor inverted01, Normalization norm,
        Device device, string representation = "tokens")
    {
        Representations.CheckImages(m2.Config, images01, nameof(images01));
        Representations.CheckImages(m2.Config, inverted01, nameof(inverted01));
        if (inverted01.shape[0] != images01.shape[0])
            throw new InvariscopeException($"inverted01: {inverted01.shape[0]} images for {images01.shape[0]} originals");
        using var a = Representations.Extract(m2, images01, [layer2], ImageInput.Pixels(norm), device, representation);
        using var b = Representations.Extract(m2, inverted01, [layer2], ImageInput.Pixels(norm), device, representation);
        return Cka.Linear(a[layer2], b[layer2]);
    }
}
