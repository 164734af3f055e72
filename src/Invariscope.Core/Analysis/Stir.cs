using Invariscope.Data;
using Invariscope.Models;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>
/// The settings STIR's inversion loop reads, taken from an analysis's settings (<see cref="Of"/>): they have no
/// defaults of their own, so an inversion always runs with the analysis's (the paper's unless overridden).
/// </summary>
public sealed record StirSettings
{
    /// <summary>Gradient steps per image (<see cref="AnalysisOptions.Steps"/>).</summary>
    public int Steps { get; init; }
    /// <summary>Pixel-space L2 length of each normalised gradient step; images live in [0, 1] (<see cref="AnalysisOptions.StepSize"/>).</summary>
    public double StepSize { get; init; }
    /// <summary>Image×layer rows optimised together in one chunk; bounds memory, not the result (<see cref="AnalysisOptions.MaxRows"/>).</summary>
    public int MaxRows { get; init; }
    /// <summary>Block representation: <c>tokens</c> (all tokens flattened), <c>cls</c>, or <c>mean</c> (patch tokens).</summary>
    public string Representation { get; init; } = "";

    StirSettings() { }

    /// <summary>The inversion settings of <paramref name="analysis"/>.</summary>
    public static StirSettings Of(AnalysisOptions analysis) => new()
    {
        Steps = analysis.Steps, StepSize = analysis.StepSize, MaxRows = analysis.MaxRows, Representation = analysis.Representation,
    };

    /// <summary>Throws <see cref="InvariscopeException"/> naming the first bad field (the analysis's field names).</summary>
    public StirSettings Validate()
    {
        void Require(bool ok, string field, string message) { if (!ok) throw new InvariscopeException(message) { Field = field }; }
        Require(Steps >= 1, "steps", $"steps {Steps}: must be at least 1");
        Require(StepSize > 0 && !double.IsInfinity(StepSize), "step_size", $"step_size {StepSize}: must be a positive number");
        Require(MaxRows >= 1, "max_rows", $"max_rows {MaxRows}: must be at least 1");
        return this;
    }
}

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
/// STIR's representation inversion (Nanda et al. 2022): for targets t = m_l(X), finds X′ in [0, 1] with m_l(X′) ≈ t
/// by normalised gradient descent from "super-noise", as the reference does it (STIR's <c>seed='super-noise'</c>
/// start, the robustness library's unconstrained attack with the relative L2 loss and <c>use_best</c>):
/// <list type="bullet">
/// <item>x′₀ = N(0, 1), not clamped;</item>
/// <item>the forward sees clamp(x′, 0, 1), as the reference's input normaliser clamps before normalising, so the
/// loss is ℓ_i = ‖m_l(clamp(x′_i)) − t_i‖ / ‖t_i‖ and the first gradient is zero at every pixel whose start noise
/// lies outside [0, 1];</item>
/// <item>per step g = ∇ mean_i ℓ_i, x′ ← clamp(x′ − s·g/(‖g‖ + 1e-10), 0, 1) with ‖g‖ per image: the post-step clamp
/// is the reference's projection onto [0, 1]ⁿ (its <c>UnconstrainedStep.project</c>), so after the first step x′ is
/// in [0, 1] and the clamp in the forward changes nothing;</item>
/// <item>the best iterate of each image (lowest loss seen, the last one included) is returned as the image the
/// forward saw, clamp(x′), so in [0, 1]. (The reference returns the unclamped x′ when the start was best, and
/// its models clamp their input first, so the two are the same input.)</item>
/// </list>
/// <para>Many layers are inverted in one optimisation: image×layer rows are ordered by layer and the forward is cut
/// at each row's own layer (rows of layer l leave the batch after block l), so the deepest layer bounds the work.
/// Rows are processed in independent chunks of at most <see cref="StirSettings.MaxRows"/>. The start noise of image i
/// depends only on (seed, i), so a layer inverted alone, with others, or in any chunking starts identically and ends
/// the same up to float reassociation.</para>
/// </summary>
public static class StirInversion
{
    /// <summary>
    /// Names the algorithm (start, loss, step): part of every inversion-cache key, so a change to it, such as the move
    /// from a clamped start to the reference's, never reuses inversions made the old way.
    /// </summary>
    public const string Method = "super-noise N(0,1) start, clamp in the forward, normalised L2 step, projection onto [0,1]";

    sealed record Group(LayerId Layer, long ImageStart, long Count);

    /// <summary>
    /// Inverts <paramref name="model"/> at each of <paramref name="layers"/> for the same
    /// images <paramref name="images01"/> (N,3,H,W) in [0, 1], normalised inside by <paramref name="norm"/>. Returns
    /// layer → <see cref="Inversion"/> (caller disposes). <paramref name="progress"/> gets (steps done, total steps) over
    /// all chunks. The model is put in eval mode on <paramref name="device"/>.
    /// </summary>
    public static Dictionary<LayerId, Inversion> Invert(VisionTransformer model, Tensor images01, IReadOnlyList<LayerId> layers,
        Normalization norm, StirSettings settings, long seed, Device device, IProgress<(int done, int total)>? progress = null,
        CancellationToken cancel = default)
    {
        if (settings is null) throw new InvariscopeException("settings: null");
        settings.Validate();
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
                var (best, loss) = RunChunk(model, noise, targets, groups, norm, settings, device, () => progress?.Report((++done, total)), cancel);
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
    internal static Tensor StartNoise(long seed, long[] shape)
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
        List<Group> groups, Normalization norm, StirSettings settings, Device device, Action stepDone, CancellationToken cancel)
    {
        using var chunkScope = NewDisposeScope();
        // A copy: cat of one tensor and .to(its own device) may return views of the shared noise, which x′ must not overwrite.
        var x = cat(groups.Select(g => noise.narrow(0, g.ImageStart, g.Count)).ToList(), dim: 0).to(device).clone();
        var tgt = groups.Select(g => targets[g.Layer].narrow(0, g.ImageStart, g.Count).to(device)).ToArray();
        var tnorm = tgt.Select(t => t.norm(1)).ToArray();
        var best = x.clamp(Scalars.Zero, Scalars.One);
        using var infinity = double.PositiveInfinity.ToScalar();
        var bestLoss = full(x.shape[0], infinity, dtype: float32, device: device);
        x.requires_grad_(true);
        using var stepSize = settings.StepSize.ToScalar(); // scalars outlive the native calls (see Runtime/Scalars)
        using var tiny = 1e-10.ToScalar();

        void Keep(Tensor loss, Tensor seen)
        {
            using var scope = NewDisposeScope();
            var improved = loss < bestLoss;
            best.copy_(where(improved.view(-1, 1, 1, 1), seen, best));
            bestLoss.copy_(where(improved, loss, bestLoss));
        }

        for (int step = 0; step < settings.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested(); // a signalled task stops here, before its next write
            CpuGovernor.Tick();
            using (var scope = NewDisposeScope())
            {
                var seen = x.clamp(Scalars.Zero, Scalars.One); // the forward's clamp: zero gradient outside [0, 1]
                var loss = Losses(model, seen, tgt, tnorm, groups, norm, settings.Representation);
                var grad = autograd.grad([loss.mean()], [x])[0];
                using var _ = no_grad();
                Keep(loss.detach(), seen.detach());
                var gnorm = grad.flatten(1).norm(1).view(-1, 1, 1, 1);
                x.sub_(grad.div(gnorm.add(tiny, Scalars.One)).mul_(stepSize)).clamp_(Scalars.Zero, Scalars.One);
            }
            stepDone();
        }
        using (no_grad())
        using (var scope = NewDisposeScope())
            Keep(Losses(model, x, tgt, tnorm, groups, norm, settings.Representation), x); // the last iterate (in [0, 1]), as the reference
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
}
