using Invariscope.Runtime;

namespace Invariscope.Analysis.Statistics;

/// <summary>
/// Special functions for the p-values: log-gamma (Lanczos), the regularized incomplete beta function
/// (continued fraction evaluated by the modified Lentz method, as in Numerical Recipes) and Student's t tails.
/// </summary>
public static class SpecialFunctions
{
    static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7,
    ];

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7; relative error about 1e-15).</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0) || double.IsInfinity(x))
            throw new InvariscopeException($"LogGamma needs a finite x > 0, got {x}.");
        if (x < 0.5)
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        x -= 1;
        double a = Lanczos[0];
        double t = x + 7.5;
        for (int i = 1; i < Lanczos.Length; i++) a += Lanczos[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }

    /// <summary>The regularized incomplete beta function I_x(a, b) for a, b &gt; 0 and 0 ≤ x ≤ 1.</summary>
    public static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (!(a > 0) || !(b > 0) || double.IsInfinity(a) || double.IsInfinity(b))
            throw new InvariscopeException($"Incomplete beta needs finite a > 0 and b > 0, got a = {a}, b = {b}.");
        if (!(x >= 0 && x <= 1))
            throw new InvariscopeException($"Incomplete beta needs 0 <= x <= 1, got x = {x}.");
        if (x == 0 || x == 1) return x;
        double lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        double front = Math.Exp(lnFront);
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(x, a, b) / a
            : 1 - front * BetaContinuedFraction(1 - x, b, a) / b;
    }

    /// <summary>Continued fraction for I_x(a, b) by the modified Lentz method (Numerical Recipes betacf).</summary>
    static double BetaContinuedFraction(double x, double a, double b)
    {
        const int maxIterations = 10_000;
        const double eps = 1e-16, tiny = 1e-300;
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - qab * x / qap;
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= maxIterations; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) <= eps) return h;
        }
        throw new InvariscopeException($"Incomplete beta continued fraction did not converge for x = {x}, a = {a}, b = {b}.");
    }

    /// <summary>Two-sided p-value P(|T| ≥ |t|) for Student's t with <paramref name="df"/> degrees of freedom.</summary>
    public static double StudentTTwoSidedP(double t, double df)
    {
        if (!(df > 0) || double.IsInfinity(df))
            throw new InvariscopeException($"Student's t needs finite df > 0, got {df}.");
        if (double.IsNaN(t)) throw new InvariscopeException("Student's t statistic is NaN.");
        if (double.IsInfinity(t)) return 0;
        return Math.Clamp(RegularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5), 0, 1);
    }

    /// <summary>Cumulative distribution P(T ≤ t) of Student's t with <paramref name="df"/> degrees of freedom.</summary>
    public static double StudentTCdf(double t, double df)
    {
        double tail = StudentTTwoSidedP(t, df) / 2;
        return t >= 0 ? 1 - tail : tail;
    }
}
