using Invariscope.Runtime;

namespace Invariscope.Analysis.Statistics;

/// <summary>A correlation coefficient with its two-sided p-value (Student's t, N − 2 df) and sample size.</summary>
/// <param name="R">The coefficient, in [−1, 1].</param>
/// <param name="PValue">Two-sided p-value for the null hypothesis of zero correlation.</param>
/// <param name="N">Number of pairs.</param>
public sealed record CorrelationResult(double R, double PValue, int N);

/// <summary>
/// Pearson and Spearman correlation with two-sided p-values from Student's t with n − 2 degrees of freedom,
/// t = r·sqrt((n − 2)/(1 − r²)). Errors (<see cref="InvariscopeException"/>): null, different lengths,
/// fewer than 3 pairs, NaN or ±inf, a constant input (named). |r| = 1 gives p = 0.
/// </summary>
public static class Correlation
{
    /// <summary>Pearson's product-moment correlation of <paramref name="x"/> and <paramref name="y"/>.</summary>
    public static CorrelationResult Pearson(double[] x, double[] y)
    {
        Validate(x, y);
        return PearsonCore(x, y);
    }

    /// <summary>Spearman's rank correlation: Pearson on the ranks, ties given their average rank.</summary>
    public static CorrelationResult Spearman(double[] x, double[] y)
    {
        Validate(x, y);
        return PearsonCore(Ranks(x), Ranks(y));
    }

    /// <summary>1-based ranks of <paramref name="values"/>, tied values sharing their average rank.</summary>
    public static double[] Ranks(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var v in values)
            if (double.IsNaN(v)) throw new InvariscopeException("Cannot rank values containing NaN.");
        int n = values.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (i, j) => values[i].CompareTo(values[j]));
        var ranks = new double[n];
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]]) end++;
            double avg = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = avg;
            start = end + 1;
        }
        return ranks;
    }

    static void Validate(double[] x, double[] y)
    {
        if (x is null || y is null)
            throw new InvariscopeException($"Correlation input {(x is null ? "x" : "y")} is null.");
        if (x.Length != y.Length)
            throw new InvariscopeException($"Correlation inputs differ in length: x has {x.Length}, y has {y.Length}.");
        if (x.Length < 3)
            throw new InvariscopeException($"Correlation needs at least 3 pairs for a p-value, got {x.Length}.");
        CheckFinite(x, "first input (x)");
        CheckFinite(y, "second input (y)");
        CheckNotConstant(x, "first input (x)");
        CheckNotConstant(y, "second input (y)");
    }

    static void CheckFinite(double[] v, string name)
    {
        for (int i = 0; i < v.Length; i++)
            if (!double.IsFinite(v[i]))
                throw new InvariscopeException(
                    $"Correlation {name} has {(double.IsNaN(v[i]) ? "NaN" : "an infinite value")} at index {i}.");
    }

    static void CheckNotConstant(double[] v, string name)
    {
        for (int i = 1; i < v.Length; i++)
            if (v[i] != v[0]) return;
        throw new InvariscopeException($"Correlation {name} is constant ({v[0]}), so the correlation is undefined.");
    }

    static CorrelationResult PearsonCore(double[] x, double[] y)
    {
        int n = x.Length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
        mx /= n; my /= n;
        double sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxx += dx * dx; syy += dy * dy; sxy += dx * dy;
        }
        if (!(sxx > 0) || !(syy > 0))
            throw new InvariscopeException(
                $"Correlation {(sxx > 0 ? "second input (y)" : "first input (x)")} has zero variance after rounding.");
        double r = Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
        return new CorrelationResult(r, PValue(r, n), n);
    }

    /// <summary>Two-sided p-value of a correlation <paramref name="r"/> over <paramref name="n"/> pairs (t test, n − 2 df).</summary>
    public static double PValue(double r, int n)
    {
        if (n < 3) throw new InvariscopeException($"Correlation p-value needs n >= 3, got {n}.");
        if (!(Math.Abs(r) <= 1)) throw new InvariscopeException($"Correlation must lie in [-1, 1], got {r}.");
        if (Math.Abs(r) == 1) return 0;
        // With t² = r²·df/(1 − r²), df/(df + t²) = 1 − r², so the p-value is I_{1−r²}(df/2, 1/2) without forming t.
        double df = n - 2;
        return Math.Clamp(SpecialFunctions.RegularizedIncompleteBeta((1 - r) * (1 + r), df / 2, 0.5), 0, 1);
    }
}
