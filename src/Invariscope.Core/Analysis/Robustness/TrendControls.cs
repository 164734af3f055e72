using Invariscope.Analysis.Statistics;
using Invariscope.Runtime;

namespace Invariscope.Analysis.Robustness;

/// <summary>
/// Trivial per-epoch series that a hypothesis has to beat, all optional and each one value per epoch row of the table
/// (the same length as the target). Why: every series rises (or falls) with training, so any two correlate over the
/// epochs; clean accuracy alone tracks corrupted accuracy almost perfectly and the epoch index alone matches the
/// paper's headline r. A hypothesis is only informative if it does better than these and survives partialling them out.
/// </summary>
/// <param name="Epoch">Epoch index per row; null uses the table's epoch numbers.</param>
/// <param name="CleanAccuracy">Clean (in-distribution) accuracy per row; null when not known.</param>
/// <param name="TrainLoss">Training loss per row; null when not known for every row.</param>
public sealed record GridCovariates(double[]? Epoch = null, double[]? CleanAccuracy = null, double[]? TrainLoss = null);

/// <summary>
/// The trend controls of one hypothesis family: baselines, partial correlations given the epoch index and given clean
/// accuracy, and the first-difference permutation p (its null prepared once for the target and shared by all
/// hypotheses). Undefined quantities are NaN: fewer than 4 epochs, an absent or constant covariate, no permutations.
/// </summary>
internal sealed class TrendControls
{
    /// <summary>Baselines count as beaten only when |r| exceeds their largest |r| by more than this (rounding of equal series).</summary>
    const double BeatTolerance = 1e-12;

    readonly double[] _y;
    readonly double[]? _epoch, _clean;
    readonly DifferencePermutation.Null? _null;
    readonly double _maxBaselineAbsR;

    /// <summary>The baselines in fixed order: epoch, clean_accuracy, train_loss (NaN entries when absent or constant).</summary>
    public IReadOnlyList<BaselineResult> Baselines { get; }

    TrendControls(double[] y, double[]? epoch, double[]? clean, double[]? loss, DifferencePermutation.Null? nullDist)
    {
        _y = y;
        _null = nullDist;
        _epoch = Usable(epoch);
        _clean = Usable(clean);
        Baselines = [Baseline("epoch", _epoch), Baseline("clean_accuracy", _clean), Baseline("train_loss", Usable(loss))];
        var defined = Baselines.Where(b => !double.IsNaN(b.R)).Select(b => Math.Abs(b.R)).ToList();
        _maxBaselineAbsR = defined.Count == 0 ? double.NegativeInfinity : defined.Max();
    }

    /// <summary>
    /// Validates the covariates against the table (length, finiteness) and prepares the controls over the first
    /// <paramref name="n"/> rows for the target <paramref name="y"/> (already cut to n rows).
    /// </summary>
    public static TrendControls Create(EpochMetricTable table, double[] y, int n, GridCovariates? covariates, int permutations, ulong seed)
    {
        if (permutations < 0) throw new InvariscopeException($"Number of permutations must be >= 0 (0 skips the test), got {permutations}.");
        covariates ??= new GridCovariates();
        var epoch = Check(table, covariates.Epoch ?? [.. table.Epochs.Select(e => (double)e)], "epoch", n);
        var clean = Check(table, covariates.CleanAccuracy, "clean_accuracy", n);
        var loss = Check(table, covariates.TrainLoss, "train_loss", n);
        var nullDist = permutations > 0 && n >= 4 ? DifferencePermutation.Prepare([y], permutations, seed) : null;
        return new TrendControls(y, epoch, clean, loss, nullDist);
    }

    /// <summary>The first-difference permutation p of <paramref name="x"/> against the target; NaN when undefined or skipped.</summary>
    public double PDiff(double[] x) => _null is null ? double.NaN : _null.Test([x]).P;

    /// <summary>Partial r and p of x with the target given the epoch index.</summary>
    public (double R, double P) PartialEpoch(double[] x) => Partial(x, _epoch);

    /// <summary>Partial r and p of x with the target given clean accuracy.</summary>
    public (double R, double P) PartialClean(double[] x) => Partial(x, _clean);

    /// <summary>Whether a defined r beats every defined baseline in |r| (true when no baseline is defined).</summary>
    public bool Beats(double r) => !double.IsNaN(r) && Math.Abs(r) > _maxBaselineAbsR + BeatTolerance;

    (double R, double P) Partial(double[] x, double[]? z)
    {
        if (z is null || x.Length < 4) return (double.NaN, double.NaN);
        var c = PartialCorrelation.Of(x, _y, z);
        return (c.R, c.PValue);
    }

    BaselineResult Baseline(string name, double[]? z)
    {
        if (z is null) return new BaselineResult(name, double.NaN, double.NaN, double.NaN);
        CorrelationResult c;
        try { c = Correlation.Pearson(z, _y); }
        catch (InvariscopeException) { return new BaselineResult(name, double.NaN, double.NaN, double.NaN); } // zero variance after rounding
        return new BaselineResult(name, c.R, c.PValue, PDiff(z));
    }

    /// <summary>The series, or null when absent or constant (a constant covariate controls nothing).</summary>
    static double[]? Usable(double[]? z) => z is null || HypothesisGrid.IsConstant(z) ? null : z;

    static double[]? Check(EpochMetricTable table, double[]? z, string name, int n)
    {
        if (z is null) return null;
        if (z.Length != table.Epochs.Length)
            throw new InvariscopeException($"Covariate '{name}' has {z.Length} values but Epochs has {table.Epochs.Length}.");
        for (int e = 0; e < n; e++)
            if (!double.IsFinite(z[e]))
                throw new InvariscopeException($"Covariate '{name}' is {z[e]} at row {e} (epoch {table.Epochs[e]}); it must be finite.");
        return z[..n];
    }
}
