using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Runtime;

/// <summary>
/// Long-lived TorchSharp scalars, and tensor arithmetic that keeps its scalars alive. TorchSharp frees a
/// <see cref="Scalar"/> in its finalizer and does not keep a temporary one alive across the native call it was made
/// for, so an implicit conversion (<c>x + y</c> passes a temporary alpha = 1; <c>2 * t</c>, <c>t / n</c> and
/// <c>t.mul_(0.5)</c> a temporary number) can be freed by the GC while libtorch reads it. That crashed runs here
/// ("Expected false to be true" in Scalar::toFloat / toDouble), rarely and only under load. Code that runs often
/// therefore passes these statics, a <c>using</c> scalar that lives until the call returns, or the helpers below.
/// </summary>
public static class Scalars
{
    /// <summary>0.</summary>
    public static readonly Scalar Zero = 0.ToScalar();
    /// <summary>1 (the alpha of a plain add or sub).</summary>
    public static readonly Scalar One = 1.ToScalar();
    /// <summary>−1.</summary>
    public static readonly Scalar MinusOne = (-1).ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/> with a held alpha.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><paramref name="a"/> · <paramref name="k"/>, the scalar held until the call returns.</summary>
    public static Tensor Times(this Tensor a, double k)
    {
        using var s = k.ToScalar();
        return a.mul(s);
    }

    /// <summary><paramref name="a"/> / <paramref name="k"/> (a true division, not a product with 1/k), the scalar held until the call returns.</summary>
    public static Tensor Over(this Tensor a, double k)
    {
        using var s = k.ToScalar();
        return a.div(s);
    }

    /// <summary><paramref name="a"/> + <paramref name="k"/>, the scalar held until the call returns.</summary>
    public static Tensor PlusNumber(this Tensor a, double k)
    {
        using var s = k.ToScalar();
        return a.add(s);
    }
}
