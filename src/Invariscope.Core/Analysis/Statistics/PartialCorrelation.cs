using Invariscope.Runtime;

namespace Invariscope.Analysis.Statistics;

/// <summary>
/// Partial correlation of x and y given covariates z₁..z_k: Pearson r of the residuals of x and of y after least squares
/// on [1, z₁..z_k], with a two-sided t test on n − 2 − k degrees of freedom.
/// Why: over finetuning epochs every series trends with training, so a raw r between two of them mostly measures that
/// shared trend (epoch index alone correlates with robustness). Partialling out the epoch index, or clean accuracy,
/// asks whether a metric tells us anything beyond "training went on".
/// Errors (<see cref="InvariscopeException"/>): null inputs, different lengths, NaN or ±inf, no covariate, fewer than
/// k + 3 points. Degenerate cases give NaN (r and p), not an error: x or y constant, or x or y (numerically) in the span
/// of the covariates, so that a residual has zero variance. Covariates that are collinear with each other or with the
/// intercept are dropped from the fit, and k counts the independent ones only.
/// </summary>
public static class PartialCorrelation
{
    /// <summary>Residual sums of squares at or below this fraction of the centred sum of squares count as zero.</summary>
    const double RelativeZero = 1e-20;

    /// <summary>Partial r of <paramref name="x"/> and <paramref name="y"/> (length n) given <paramref name="covariates"/> (each length n).</summary>
    public static CorrelationResult Of(double[] x, double[] y, params double[][] covariates)
    {
        Validate(x, y, covariates);
        int n = x.Length;
        var basis = Basis(covariates, n);
        int k = basis.Count - 1; // independent covariates beyond the intercept
        var rx = Residual(x, basis);
        var ry = Residual(y, basis);
        if (!HasVariance(rx, x) || !HasVariance(ry, y)) return new CorrelationResult(double.NaN, double.NaN, n);
        double sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < n; i++) { sxx += rx[i] * rx[i]; syy += ry[i] * ry[i]; sxy += rx[i] * ry[i]; }
        double r = Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
        // Correlation.PValue uses n − 2 df, so passing n − k gives the n − 2 − k df of the partial correlation.
        return new CorrelationResult(r, Correlation.PValue(r, n - k), n);
    }

    /// <summary>Least-squares residual of <paramref name="v"/> on [1, covariates...] (length n), exposed for tests and reuse.</summary>
    public static double[] Residual(double[] v, params double[][] covariates)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(covariates);
        return Residual(v, Basis(covariates, v.Length));
    }

    static void Validate(double[] x, double[] y, double[][] covariates)
    {
        if (x is null || y is null) throw new InvariscopeException($"Partial correlation input {(x is null ? "x" : "y")} is null.");
        if (covariates is null || covariates.Length == 0) throw new InvariscopeException("Partial correlation needs at least one covariate.");
        if (x.Length != y.Length)
            throw new InvariscopeException($"Partial correlation inputs differ in length: x has {x.Length}, y has {y.Length}.");
        for (int j = 0; j < covariates.Length; j++)
        {
            if (covariates[j] is null) throw new InvariscopeException($"Partial correlation covariate {j} is null.");
            if (covariates[j].Length != x.Length)
                throw new InvariscopeException($"Partial correlation covariate {j} has {covariates[j].Length} values but x has {x.Length}.");
        }
        int k = covariates.Length;
        if (x.Length < k + 3)
            throw new InvariscopeException($"Partial correlation with {k} covariate(s) needs at least {k + 3} points, got {x.Length}.");
        CheckFinite(x, "x");
        CheckFinite(y, "y");
        for (int j = 0; j < k; j++) CheckFinite(covariates[j], $"covariate {j}");
    }

    static void CheckFinite(double[] v, string name)
    {
        for (int i = 0; i < v.Length; i++)
            if (!double.IsFinite(v[i]))
                throw new InvariscopeException($"Partial correlation {name} has {(double.IsNaN(v[i]) ? "NaN" : "an infinite value")} at index {i}.");
    }

    /// <summary>Orthonormal basis of span{1, z...} by modified Gram–Schmidt with re-orthogonalisation; dependent columns are dropped.</summary>
    static List<double[]> Basis(double[][] covariates, int n)
    {
        var basis = new List<double[]> { Enumerable.Repeat(1 / Math.Sqrt(n), n).ToArray() };
        foreach (var z in covariates)
        {
            if (z.Length != n) throw new InvariscopeException($"Covariate has {z.Length} values but the series has {n}.");
            double norm0 = z.Sum(v => v * v);
            var q = Residual(z, basis);
            double norm = q.Sum(v => v * v);
            if (!(norm > RelativeZero * norm0)) continue; // constant, or a combination of earlier covariates
            double s = 1 / Math.Sqrt(norm);
            for (int i = 0; i < n; i++) q[i] *= s;
            basis.Add(q);
        }
        return basis;
    }

    /// <summary>v minus its projection on the orthonormal <paramref name="basis"/>, projected twice for accuracy.</summary>
    static double[] Residual(double[] v, List<double[]> basis)
    {
        var r = (double[])v.Clone();
        for (int pass = 0; pass < 2; pass++)
            foreach (var q in basis)
            {
                double dot = 0;
                for (int i = 0; i < r.Length; i++) dot += q[i] * r[i];
                for (int i = 0; i < r.Length; i++) r[i] -= dot * q[i];
            }
        return r;
    }

    /// <summary>Whether the residual keeps a non-negligible share of the series' centred variance.</summary>
    static bool HasVariance(double[] residual, double[] original)
    {
        double mean = original.Average(), tss = 0, rss = 0;
        for (int i = 0; i < original.Length; i++) { tss += (original[i] - mean) * (original[i] - mean); rss += residual[i] * residual[i]; }
        return tss > 0 && rss > RelativeZero * tss;
    }
}
