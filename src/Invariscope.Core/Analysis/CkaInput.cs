using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>
/// Input checks and preparation shared by every CKA variant: flatten to (N, D), convert to float64,
/// reject non-finite values, mismatched N, too few rows and constant representations.
/// </summary>
public static class CkaInput
{
    /// <summary>Flattens a representation (N, ...) to (N, D) with D the product of the other dims; (N,) becomes (N, 1).</summary>
    public static Tensor Flatten(Tensor x)
    {
        if (x.dim() == 0) throw new InvariscopeException("representation must have a leading sample dimension N, got a scalar");
        return x.reshape(x.shape[0], -1);
    }

    /// <summary>
    /// Checks a pair of representations and returns them as float64 (N, Dx) and (N, Dy) tensors (new tensors;
    /// caller disposes). Conversion to float64 happens before any arithmetic.
    /// </summary>
    /// <param name="x">First representation (N, ...), any real dtype.</param>
    /// <param name="y">Second representation (N, ...), any real dtype.</param>
    /// <param name="minRows">Smallest N the estimator is defined for (2, or 4 for the debiased one).</param>
    internal static (Tensor x, Tensor y) Prepare(Tensor x, Tensor y, int minRows = 2)
    {
        var a = Single(x, "first input (X)");
        Tensor b;
        try { b = Single(y, "second input (Y)"); }
        catch { a.Dispose(); throw; }
        try
        {
            if (a.shape[0] != b.shape[0])
                throw new InvariscopeException(
                    $"CKA needs the same number of samples N in both inputs, got X with N={a.shape[0]} and Y with N={b.shape[0]}");
            if (a.shape[0] < minRows)
                throw new InvariscopeException(minRows > 2
                    ? $"debiased CKA needs N > 3 samples (the unbiased HSIC divides by n(n-3)), got N={a.shape[0]}"
                    : $"CKA needs at least 2 samples, got N={a.shape[0]}");
            CheckNotConstant(a, "first input (X)");
            CheckNotConstant(b, "second input (Y)");
            return (a, b);
        }
        catch
        {
            a.Dispose();
            b.Dispose();
            throw;
        }
    }

    /// <summary>Flattens, converts to float64 and checks finiteness of one input (N, ...).</summary>
    internal static Tensor Single(Tensor t, string name)
    {
        if (t.dim() == 0) throw new InvariscopeException($"{name}: expected a (N, ...) representation, got a scalar");
        if (t.is_complex()) throw new InvariscopeException($"{name}: complex tensors are not supported ({t.dtype})");
        var f = Flatten(t).to(float64);
        try
        {
            using var finite = isfinite(f).all();
            if (!finite.item<bool>())
                throw new InvariscopeException($"{name} contains NaN or infinite values");
        }
        catch
        {
            f.Dispose();
            throw;
        }
        return f;
    }

    /// <summary>
    /// Throws when every row of <paramref name="t"/> (N, D) is identical (zero variance): CKA's normaliser is
    /// then zero and the value undefined. Checked exactly, before any centring rounding.
    /// </summary>
    internal static void CheckNotConstant(Tensor t, string name)
    {
        if (t.shape[1] == 0) throw new InvariscopeException($"{name} has no features (shape ({t.shape[0]}, 0))");
        using var same = t.eq(t[..1]).all();
        if (same.item<bool>())
            throw new InvariscopeException($"{name} is constant (all {t.shape[0]} samples identical): CKA is undefined for a zero-variance representation");
    }

    /// <summary>Column-centres a float64 (N, D) matrix: X − mean over samples.</summary>
    internal static Tensor Centre(Tensor t) => t - t.mean([0L], keepdim: true);
}
