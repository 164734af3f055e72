using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>
/// Linear CKA with each probe sample left out in turn (the jackknife), in closed form.
/// <para>Why the jackknife and not the bootstrap: a bootstrap resample repeats probe images, and a repeated image
/// adds identical rows to both Gram matrices, which raises CKA. Bootstrap replicates of STIR and CKA therefore sit
/// systematically below the full-sample dissimilarity (on the demo, 95–99% of them for CKA divergence), and their
/// percentile interval can exclude its own estimate. Leaving one sample out repeats nothing.</para>
/// <para>The computation: with uncentred Gram matrices K = XXᵀ, L = YYᵀ and m = n − 1 samples left, the centred
/// inner product of the reduced matrices is tr(K′L′) − (2/m)·1ᵀK′L′1 + (1/m²)(1ᵀK′1)(1ᵀL′1), and each term of the
/// reduced matrices is the full-matrix term minus the left-out row's contribution. That gives all n values in
/// O(n²) after the Gram matrices, instead of O(n³).</para>
/// </summary>
public static class CkaJackknife
{
    /// <summary>CKA(X without row i, Y without row i) for every i (n values); NaN where either side is constant.</summary>
    public static double[] LeaveOneOut(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var (a, b) = CkaInput.Prepare(x, y, minRows: 3);
        var k = a.to(float64).matmul(a.to(float64).T);
        var l = b.to(float64).matmul(b.to(float64).T);
        long n = k.shape[0];
        var kl = Centred(k, l, n);
        var kk = Centred(k, k, n);
        var ll = Centred(l, l, n);
        var values = (kl / (kk * ll).sqrt()).cpu().data<double>().ToArray();
        return values.Select(v => double.IsFinite(v) ? Math.Clamp(v, 0, 1) : double.NaN).ToArray();
    }

    /// <summary>⟨HK′H, HL′H⟩ for every left-out sample i, where K′, L′ drop row and column i: a vector of n.</summary>
    static Tensor Centred(Tensor k, Tensor l, long n)
    {
        double m = n - 1;
        var rowK = k.sum(1);
        var rowL = l.sum(1);
        var diagK = k.diagonal();
        var diagL = l.diagonal();
        var cross = (k * l).sum(1);                                     // Σ_j K_ij L_ij
        var trace = (cross.sum() - cross.Times(2)).Plus(diagK * diagL);  // tr(K′L′)
        var kRowL = k.matmul(rowL);
        var lRowK = l.matmul(rowK);
        var ones = (rowK.dot(rowL) - kRowL - lRowK).Plus(cross)          // Σ_j (rK_j − K_ji)(rL_j − L_ji), all j
                   - (rowK - diagK) * (rowL - diagL);                   // less j = i: 1ᵀK′L′1
        var sumK = (rowK.sum() - rowK.Times(2)).Plus(diagK);             // 1ᵀK′1
        var sumL = (rowL.sum() - rowL.Times(2)).Plus(diagL);
        return (trace - ones.Times(2 / m)).Plus((sumK * sumL).Over(m * m));
    }
}
