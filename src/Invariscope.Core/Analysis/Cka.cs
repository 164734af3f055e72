using TorchSharp;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>Which CKA estimator to compute.</summary>
public enum CkaKind
{
    /// <summary>Linear-kernel CKA with the biased HSIC (Kornblith et al. 2019).</summary>
    Linear,
    /// <summary>Linear-kernel CKA with the unbiased HSIC of Song et al. 2012 (Nguyen et al. 2021).</summary>
    Debiased,
    /// <summary>RBF-kernel CKA with the biased HSIC; bandwidth from the median distance (Kornblith et al. 2019).</summary>
    Rbf,
}

/// <summary>How linear CKA is evaluated; every form gives the same value up to rounding.</summary>
public enum CkaForm
{
    /// <summary>Gram form when N &lt; max(Dx, Dy), feature form otherwise (the cheaper of the two).</summary>
    Auto,
    /// <summary>Feature space: D×D cross-covariances XᵀX, YᵀY, YᵀX. Memory O(D²), time O(N·D²).</summary>
    Features,
    /// <summary>Sample space: N×N Gram matrices XXᵀ, YYᵀ. Memory O(N²), time O(N²·D).</summary>
    Gram,
}

/// <summary>
/// Centered kernel alignment between two representations of the same N samples, as pure functions.
/// Inputs are X (N, Dx) and Y (N, Dy), or any (N, ...) which is flattened to (N, -1) (e.g. ViT tokens
/// (N, T, D) become (N, T·D)). Everything is computed in float64 whatever the input dtype, on the inputs' device.
/// <para>Errors (<see cref="InvariscopeException"/>): NaN or ±inf anywhere in an input; different N; N &lt; 2
/// (N ≤ 3 for <see cref="DebiasedLinear"/>); a constant representation (all samples identical, so a zero
/// normaliser; thrown rather than returning NaN or 0).</para>
/// </summary>
public static class Cka
{
    /// <summary>How far outside [0, 1] rounding may push a bounded estimate before it is reported as is.</summary>
    internal const double ClampSlack = 1e-12;

    /// <summary>Computes the chosen kind; <paramref name="threshold"/> is used only by <see cref="CkaKind.Rbf"/>.</summary>
    public static double Compute(CkaKind kind, Tensor x, Tensor y, double threshold = 0.5) => kind switch
    {
        CkaKind.Linear => Linear(x, y),
        CkaKind.Debiased => DebiasedLinear(x, y),
        CkaKind.Rbf => Rbf(x, y, threshold),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Linear CKA (biased HSIC) of X (N, Dx) and Y (N, Dy): with column-centred X, Y,
    /// ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F), equivalently ⟨K̃, L̃⟩ / (‖K̃‖ ‖L̃‖) with K̃ = XXᵀ, L̃ = YYᵀ.
    /// In [0, 1]; 1 when Y is an orthogonal transform plus isotropic scaling of X.
    /// </summary>
    public static double Linear(Tensor x, Tensor y, CkaForm form = CkaForm.Auto)
    {
        using var scope = NewDisposeScope();
        var (a, b) = CkaInput.Prepare(x, y);
        var xc = CkaInput.Centre(a);
        var yc = CkaInput.Centre(b);
        var (kl, kk, ll) = UseGram(form, xc, yc) ? GramTraces(xc, yc) : FeatureTraces(xc, yc);
        return ClampBounded(kl / Normaliser(kk, ll));
    }

    /// <summary>
    /// Debiased linear CKA of X (N, Dx) and Y (N, Dy), N &gt; 3: HSIC_u(K,L) / sqrt(HSIC_u(K,K) · HSIC_u(L,L)) with
    /// the unbiased estimator of Song et al. 2012 on K = XXᵀ, L = YYᵀ (diagonals zeroed, written K̃, L̃):
    /// HSIC_u = [tr(K̃L̃) + 1ᵀK̃1 · 1ᵀL̃1 / ((n−1)(n−2)) − 2/(n−2) · 1ᵀK̃L̃1] / (n(n−3)).
    /// May be negative and is never clamped. Throws when HSIC_u(K,K) or HSIC_u(L,L) ≤ 0 (the square root is
    /// undefined: a near-constant representation or very few samples) instead of returning NaN.
    /// </summary>
    public static double DebiasedLinear(Tensor x, Tensor y, CkaForm form = CkaForm.Auto)
    {
        using var scope = NewDisposeScope();
        var (a, b) = CkaInput.Prepare(x, y, minRows: 4);
        var xc = CkaInput.Centre(a);
        var yc = CkaInput.Centre(b);
        var (kl, kk, ll) = UseGram(form, xc, yc) ? UnbiasedGram(xc, yc) : UnbiasedFeatures(xc, yc);
        return DebiasedRatio(kl, kk, ll);
    }

    /// <summary>
    /// RBF CKA (biased HSIC) of X (N, Dx) and Y (N, Dy) with Kornblith et al.'s threshold convention: for each
    /// input, σ = threshold · m where m is the numpy-style median of all N² pairwise Euclidean distances (the
    /// zero diagonal included; an even count takes the mean of the two middle values), K = exp(−d²/(2σ²)), then
    /// ⟨K̃, L̃⟩ / (‖K̃‖ ‖L̃‖) with K̃ = HKH centred. In [0, 1].
    /// <para>σ² = threshold² · m² equals threshold² · (median of squared distances) except when N² is even, where
    /// the two middle values are averaged as distances rather than as squared distances (a relative bandwidth
    /// difference of ~1e-7 on typical data); the former is what reproduces the numpy reference fixture.</para>
    /// </summary>
    /// <param name="x">First representation (N, ...).</param>
    /// <param name="y">Second representation (N, ...).</param>
    /// <param name="threshold">Bandwidth as a fraction of the median distance; must be positive. Default 0.5.</param>
    public static double Rbf(Tensor x, Tensor y, double threshold = 0.5)
    {
        if (!(threshold > 0) || double.IsInfinity(threshold))
            throw new InvariscopeException($"RBF CKA threshold must be a positive number, got {threshold}");
        using var scope = NewDisposeScope();
        var (a, b) = CkaInput.Prepare(x, y);
        var k = CentreGram(RbfGram(a, threshold, "first input (X)"));
        var l = CentreGram(RbfGram(b, threshold, "second input (Y)"));
        double kl = (k * l).sum().item<double>();
        double kk = (k * k).sum().item<double>();
        double ll = (l * l).sum().item<double>();
        return ClampBounded(kl / Normaliser(kk, ll));
    }

    /// <summary>Whether <paramref name="form"/> resolves to the Gram form for inputs (N, Dx), (N, Dy).</summary>
    internal static bool UseGram(CkaForm form, Tensor x, Tensor y) => form switch
    {
        CkaForm.Gram => true,
        CkaForm.Features => false,
        _ => x.shape[0] < Math.Max(x.shape[1], y.shape[1]),
    };

    /// <summary>tr(KL), tr(KK), tr(LL) for centred X, Y via D×D products: ‖YᵀX‖², ‖XᵀX‖², ‖YᵀY‖².</summary>
    internal static (double kl, double kk, double ll) FeatureTraces(Tensor xc, Tensor yc)
    {
        using var scope = NewDisposeScope();
        return (SquaredNorm(yc.t().mm(xc)), SquaredNorm(xc.t().mm(xc)), SquaredNorm(yc.t().mm(yc)));
    }

    /// <summary>tr(KL), tr(KK), tr(LL) for centred X, Y via N×N Gram matrices K = XXᵀ, L = YYᵀ.</summary>
    internal static (double kl, double kk, double ll) GramTraces(Tensor xc, Tensor yc)
    {
        using var scope = NewDisposeScope();
        var k = xc.mm(xc.t());
        var l = yc.mm(yc.t());
        return ((k * l).sum().item<double>(), SquaredNorm(k), SquaredNorm(l));
    }

    /// <summary>
    /// n(n−3)·HSIC_u for (K,L), (K,K), (L,L), literally from the Gram matrices with zeroed diagonals
    /// (no use of centring beyond numerical conditioning).
    /// </summary>
    internal static (double kl, double kk, double ll) UnbiasedGram(Tensor xc, Tensor yc)
    {
        using var scope = NewDisposeScope();
        long n = xc.shape[0];
        var k = xc.mm(xc.t());
        var l = yc.mm(yc.t());
        k.diagonal().zero_();
        l.diagonal().zero_();
        var k1 = k.sum(1);
        var l1 = l.sum(1);
        double sk = k1.sum().item<double>(), sl = l1.sum().item<double>();
        double U(Tensor p, Tensor q, Tensor p1, Tensor q1, double sp, double sq) =>
            (p * q).sum().item<double>() + sp * sq / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * p1.dot(q1).item<double>();
        return (U(k, l, k1, l1, sk, sl), U(k, k, k1, k1, sk, sk), U(l, l, l1, l1, sl, sl));
    }

    /// <summary>
    /// n(n−3)·HSIC_u for (K,L), (K,K), (L,L) from D×D products, valid because X, Y are centred (K1 = 0):
    /// tr(KL) − n/(n−2)·diag(K)·diag(L) + tr(K)tr(L)/((n−1)(n−2)).
    /// </summary>
    internal static (double kl, double kk, double ll) UnbiasedFeatures(Tensor xc, Tensor yc)
    {
        using var scope = NewDisposeScope();
        long n = xc.shape[0];
        var (kl, kk, ll) = FeatureTraces(xc, yc);
        var dk = (xc * xc).sum(1);
        var dl = (yc * yc).sum(1);
        double tk = dk.sum().item<double>(), tl = dl.sum().item<double>();
        double U(double tr, Tensor dp, Tensor dq, double tp, double tq) =>
            tr - n / (n - 2.0) * dp.dot(dq).item<double>() + tp * tq / ((n - 1.0) * (n - 2.0));
        return (U(kl, dk, dl, tk, tl), U(kk, dk, dk, tk, tk), U(ll, dl, dl, tl, tl));
    }

    /// <summary>HSIC_u(K,L) / sqrt(HSIC_u(K,K)·HSIC_u(L,L)); throws when either self-term is ≤ 0 or not finite.</summary>
    internal static double DebiasedRatio(double kl, double kk, double ll)
    {
        if (!(kk > 0) || double.IsInfinity(kk))
            throw new InvariscopeException(
                $"debiased CKA is undefined: the unbiased HSIC of the first input (X) with itself is {kk:G4} (≤ 0); use more samples or linear CKA");
        if (!(ll > 0) || double.IsInfinity(ll))
            throw new InvariscopeException(
                $"debiased CKA is undefined: the unbiased HSIC of the second input (Y) with itself is {ll:G4} (≤ 0); use more samples or linear CKA");
        return kl / Math.Sqrt(kk * ll);
    }

    /// <summary>sqrt(kk · ll); throws when it is zero (a numerically constant representation) or not finite.</summary>
    internal static double Normaliser(double kk, double ll)
    {
        double d = Math.Sqrt(kk) * Math.Sqrt(ll);
        if (!(d > 0) || double.IsInfinity(d))
            throw new InvariscopeException(
                $"CKA is undefined: the {(kk > 0 ? "second input (Y)" : "first input (X)")} has zero variance after centring (numerically constant)");
        return d;
    }

    /// <summary>Moves a bounded estimate back into [0, 1] only when rounding pushed it out by at most 1e-12.</summary>
    internal static double ClampBounded(double v)
    {
        if (v > 1 && v <= 1 + ClampSlack) return 1;
        if (v < 0 && v >= -ClampSlack) return 0;
        return v;
    }

    /// <summary>RBF kernel (N, N) for float64 (N, D) with σ = threshold · median pairwise distance.</summary>
    internal static Tensor RbfGram(Tensor t, double threshold, string name)
    {
        var d = SquaredDistances(t);
        double median = NumpyMedian(d.sqrt());
        if (!(median > 0))
            throw new InvariscopeException(
                $"RBF CKA is undefined for the {name}: the median pairwise distance is 0 (most samples identical)");
        double sigma = threshold * median;
        return d.Over(-2.0 * sigma * sigma).exp_();
    }

    /// <summary>Squared Euclidean distances (N, N) between rows of float64 (N, D), via centred Gram; ≥ 0, zero diagonal.</summary>
    internal static Tensor SquaredDistances(Tensor t)
    {
        var c = CkaInput.Centre(t);
        var g = c.mm(c.t());
        var sq = g.diagonal();
        using var zero = 0.0.ToScalar();
        var d = (sq.unsqueeze(1).Plus(sq.unsqueeze(0)) - g.Times(2)).clamp_min_(zero);
        d.diagonal().zero_();
        return d;
    }

    /// <summary>Median of all entries like numpy: the mean of the two middle values when the count is even.</summary>
    internal static double NumpyMedian(Tensor t)
    {
        using var scope = NewDisposeScope();
        var (sorted, _) = t.flatten().sort();
        long m = sorted.shape[0];
        double hi = sorted[m / 2].item<double>();
        return m % 2 == 1 ? hi : 0.5 * (sorted[m / 2 - 1].item<double>() + hi);
    }

    /// <summary>Double-centres a square kernel: HKH = K − row means − column means + grand mean.</summary>
    internal static Tensor CentreGram(Tensor k) =>
        (k - k.mean([0L], keepdim: true) - k.mean([1L], keepdim: true)).Plus(k.mean());

    static double SquaredNorm(Tensor t) => (t * t).sum().item<double>();
}
