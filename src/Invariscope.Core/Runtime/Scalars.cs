using TorchSharp;

namespace Invariscope.Runtime;

/// <summary>
/// Long-lived TorchSharp scalars. TorchSharp frees a <see cref="Scalar"/> in its finalizer and does not keep a
/// temporary one alive across the native call it was made for, so an implicit conversion in a hot loop
/// (<c>x + y</c> passes a temporary alpha = 1; <c>t.mul_(0.5)</c> a temporary 0.5) can be freed by the GC while
/// libtorch reads it. That crashed a training run here ("Expected false to be true" in Scalar::toFloat).
/// Hot paths therefore pass these statics, or a <c>using</c> scalar that lives until the call returns.
/// </summary>
public static class Scalars
{
    /// <summary>0.</summary>
    public static readonly Scalar Zero = 0.ToScalar();
    /// <summary>1 (the alpha of a plain add or sub).</summary>
    public static readonly Scalar One = 1.ToScalar();
    /// <summary>−1.</summary>
    public static readonly Scalar MinusOne = (-1).ToScalar();
}
