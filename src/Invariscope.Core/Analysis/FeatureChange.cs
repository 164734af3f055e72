using TorchSharp;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>
/// How far features moved during finetuning (Ren et al. 2023, "How to prepare your task head for finetuning"),
/// averaged over examples: f = finetuned features, g = starting-point features of the same example.
/// </summary>
/// <param name="Euclidean">Mean ‖f − g‖.</param>
/// <param name="Cosine">Mean cosine distance 1 − cos(f, g).</param>
/// <param name="Dot">Mean ⟨f, g⟩.</param>
/// <param name="Norm">Mean ‖f‖ of the finetuned features.</param>
/// <param name="StartNorm">Mean ‖g‖ of the starting-point features.</param>
/// <param name="N">Number of examples.</param>
public sealed record FeatureChangeStats(double Euclidean, double Cosine, double Dot, double Norm, double StartNorm, long N);

/// <summary>
/// Accumulates <see cref="FeatureChangeStats"/> over batches: per-example values are computed in float64 and
/// summed, so adding the rows in batches gives the same means as one call on all rows (up to float64 rounding).
/// Pure arithmetic on tensors: no model, no I/O.
/// </summary>
public sealed class FeatureChangeAccumulator
{
    double _euclid, _cosine, _dot, _norm, _startNorm;
    long _n;

    /// <summary>
    /// Adds rows of <paramref name="finetuned"/> and <paramref name="start"/>: (N, D), or (N, ...) flattened to
    /// (N, D) (e.g. block tokens (N, T, D) → (N, T·D)). Shapes must match.
    /// </summary>
    /// <exception cref="InvariscopeException">Shapes differ or have no example axis.</exception>
    public void Add(Tensor finetuned, Tensor start)
    {
        if (!finetuned.shape.SequenceEqual(start.shape))
            throw new InvariscopeException($"feature change: shapes differ, ({string.Join(", ", finetuned.shape)}) vs ({string.Join(", ", start.shape)})");
        if (finetuned.dim() < 1) throw new InvariscopeException("feature change: features need an example axis (N, D)");
        long n = finetuned.shape[0];
        if (n == 0) return;
        using var scope = NewDisposeScope();
        var f = finetuned.detach().to(float64).cpu().reshape(n, -1);
        var g = start.detach().to(float64).cpu().reshape(n, -1);
        var dot = (f * g).sum(1);
        var nf = f.square().sum(1).sqrt();
        var ng = g.square().sum(1).sqrt();
        using var eps = FeatureChange.Eps.ToScalar();
        var cos = dot / (nf * ng).clamp_min(eps);
        _euclid += (f - g).square().sum(1).sqrt().sum().item<double>();
        _cosine += cos.neg().PlusNumber(1).sum().item<double>(); // Σ (1 − cos), exactly as 1 − cos
        _dot += dot.sum().item<double>();
        _norm += nf.sum().item<double>();
        _startNorm += ng.sum().item<double>();
        _n += n;
    }

    /// <summary>The means so far (NaN before any row was added).</summary>
    public FeatureChangeStats Result()
    {
        double d = _n == 0 ? double.NaN : _n;
        return new FeatureChangeStats(_euclid / d, _cosine / d, _dot / d, _norm / d, _startNorm / d, _n);
    }
}

/// <summary>Feature-change statistics between two sets of features of the same examples.</summary>
public static class FeatureChange
{
    /// <summary>Lower bound on ‖f‖·‖g‖ in the cosine, as torch's cosine_similarity: a zero vector has cosine 0 (distance 1).</summary>
    public const double Eps = 1e-8;

    /// <summary>
    /// Statistics of finetuned features <paramref name="finetuned"/> against starting-point features <paramref name="start"/>,
    /// row i of each being example i: (N, D), or (N, ...) flattened per example. Computed in float64.
    /// </summary>
    /// <exception cref="InvariscopeException">Shapes differ or have no example axis.</exception>
    public static FeatureChangeStats Compute(Tensor finetuned, Tensor start)
    {
        var acc = new FeatureChangeAccumulator();
        acc.Add(finetuned, start);
        return acc.Result();
    }
}
