using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>
/// Exact linear CKA (biased HSIC) over N samples fed in minibatches, for N too large to hold at once.
/// Accumulates, in float64, XᵀX (Dx, Dx), YᵀY (Dy, Dy), YᵀX (Dy, Dx) and the column sums, and centres once
/// at the end, so <see cref="Value"/> equals <see cref="Cka.Linear"/> on the concatenated inputs up to
/// rounding (however the samples are split). Memory O((Dx + Dy)²), independent of N.
/// Rows are shifted by the first batch's column means before accumulating (CKA is shift invariant), which
/// keeps the final centring free of cancellation when features have large means.
/// </summary>
public sealed class LinearCkaAccumulator : IDisposable
{
    Tensor? _shiftX, _shiftY, _xtx, _yty, _ytx, _sx, _sy, _firstX, _firstY;
    bool _constX = true, _constY = true;
    int _batches;

    /// <summary>Samples accumulated so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds a batch: X (B, ...) and Y (B, ...) for the same B samples, flattened to (B, Dx), (B, Dy).</summary>
    public void Add(Tensor x, Tensor y)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var (a, b) = Batch.Prepare(x, y, _batches, minRows: 1);
        if (_xtx is null)
        {
            _shiftX = a.mean([0L], keepdim: true).DetachFromDisposeScope();
            _shiftY = b.mean([0L], keepdim: true).DetachFromDisposeScope();
            _firstX = a[..1].clone().DetachFromDisposeScope();
            _firstY = b[..1].clone().DetachFromDisposeScope();
            _xtx = zeros(a.shape[1], a.shape[1], float64, a.device).DetachFromDisposeScope();
            _yty = zeros(b.shape[1], b.shape[1], float64, a.device).DetachFromDisposeScope();
            _ytx = zeros(b.shape[1], a.shape[1], float64, a.device).DetachFromDisposeScope();
            _sx = zeros(1, a.shape[1], float64, a.device).DetachFromDisposeScope();
            _sy = zeros(1, b.shape[1], float64, a.device).DetachFromDisposeScope();
        }
        else if (a.shape[1] != _xtx.shape[0] || b.shape[1] != _yty!.shape[0])
        {
            throw new InvariscopeException(
                $"batch {_batches}: feature sizes ({a.shape[1]}, {b.shape[1]}) differ from the first batch's ({_xtx.shape[0]}, {_yty!.shape[0]})");
        }
        _constX = _constX && a.eq(_firstX!).all().item<bool>();
        _constY = _constY && b.eq(_firstY!).all().item<bool>();
        var xs = a - _shiftX!;
        var ys = b - _shiftY!;
        _xtx.add_(xs.t().mm(xs), Scalars.One);
        _yty!.add_(ys.t().mm(ys), Scalars.One);
        _ytx!.add_(ys.t().mm(xs), Scalars.One);
        _sx!.add_(xs.sum([0L], keepdim: true), Scalars.One);
        _sy!.add_(ys.sum([0L], keepdim: true), Scalars.One);
        Count += a.shape[0];
        _batches++;
    }

    /// <summary>Linear CKA of everything added so far; same errors as <see cref="Cka.Linear"/>.</summary>
    public double Value()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Count < 2) throw new InvariscopeException($"CKA needs at least 2 samples, got N={Count}");
        if (_constX) throw new InvariscopeException($"first input (X) is constant (all {Count} samples identical): CKA is undefined for a zero-variance representation");
        if (_constY) throw new InvariscopeException($"second input (Y) is constant (all {Count} samples identical): CKA is undefined for a zero-variance representation");
        using var scope = NewDisposeScope();
        double n = Count;
        var cxx = _xtx! - _sx!.t().mm(_sx!).Over(n);
        var cyy = _yty! - _sy!.t().mm(_sy!).Over(n);
        var cyx = _ytx! - _sy!.t().mm(_sx!).Over(n);
        double Sq(Tensor t) => (t * t).sum().item<double>();
        return Cka.ClampBounded(Sq(cyx) / Cka.Normaliser(Sq(cxx), Sq(cyy)));
    }

    bool _disposed;

    /// <summary>Frees the accumulated matrices.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in new[] { _shiftX, _shiftY, _xtx, _yty, _ytx, _sx, _sy, _firstX, _firstY }) t?.Dispose();
    }
}

/// <summary>
/// Minibatch debiased linear CKA as in Nguyen et al. 2021: for each minibatch (B &gt; 3 samples) the unbiased
/// HSIC_u(K,L), HSIC_u(K,K), HSIC_u(L,L) are computed and averaged over minibatches; the value is
/// mean HSIC_u(K,L) / sqrt(mean HSIC_u(K,K) · mean HSIC_u(L,L)).
/// Note: this is a different estimator from <see cref="Cka.DebiasedLinear"/> on all N samples (pairs of
/// samples in different minibatches never enter), and its value depends on the split and the batch size.
/// For an exact full-N value use <see cref="LinearCkaAccumulator"/>.
/// </summary>
public sealed class MinibatchDebiasedCka
{
    double _kl, _kk, _ll;

    /// <summary>Minibatches added so far.</summary>
    public int Batches { get; private set; }

    /// <summary>Adds a minibatch X (B, ...), Y (B, ...) with B &gt; 3 samples.</summary>
    public void Add(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var (a, b) = Batch.Prepare(x, y, Batches, minRows: 4);
        var xc = CkaInput.Centre(a);
        var yc = CkaInput.Centre(b);
        double n = a.shape[0];
        var (kl, kk, ll) = Cka.UseGram(CkaForm.Auto, xc, yc) ? Cka.UnbiasedGram(xc, yc) : Cka.UnbiasedFeatures(xc, yc);
        double scale = n * (n - 3);
        _kl += kl / scale;
        _kk += kk / scale;
        _ll += ll / scale;
        Batches++;
    }

    /// <summary>The minibatch debiased CKA; throws when no batch was added or a mean self-HSIC is ≤ 0.</summary>
    public double Value()
    {
        if (Batches == 0) throw new InvariscopeException("minibatch CKA: no batches were added");
        return Cka.DebiasedRatio(_kl, _kk, _ll);
    }
}

/// <summary>Per-batch checks for the minibatch estimators; errors name the batch.</summary>
static class Batch
{
    internal static (Tensor x, Tensor y) Prepare(Tensor x, Tensor y, int index, int minRows)
    {
        try
        {
            if (minRows >= 4) return CkaInput.Prepare(x, y, minRows);
            var a = CkaInput.Single(x, "first input (X)");
            var b = CkaInput.Single(y, "second input (Y)");
            if (a.shape[0] != b.shape[0])
                throw new InvariscopeException(
                    $"CKA needs the same number of samples N in both inputs, got X with N={a.shape[0]} and Y with N={b.shape[0]}");
            if (a.shape[0] < minRows) throw new InvariscopeException("empty batch");
            return (a, b);
        }
        catch (InvariscopeException e)
        {
            throw new InvariscopeException($"batch {index}: {e.Message}", e);
        }
    }
}
