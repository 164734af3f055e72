using Invariscope.Runtime;

namespace Invariscope.Analysis.Statistics;

/// <summary>
/// Family-wise error corrections of p-values. Results are in the input order, capped at 1.
/// Errors (<see cref="InvariscopeException"/>): null, or a p-value that is NaN or outside [0, 1]. An empty family gives an empty result.
/// </summary>
public static class MultipleTesting
{
    /// <summary>Bonferroni: min(1, p·m) for m p-values.</summary>
    public static double[] Bonferroni(double[] p)
    {
        Validate(p);
        int m = p.Length;
        var adjusted = new double[m];
        for (int i = 0; i < m; i++) adjusted[i] = Math.Min(1, p[i] * m);
        return adjusted;
    }

    /// <summary>Holm step-down: the i-th smallest p gets max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎), so adjusted values are monotone.</summary>
    public static double[] Holm(double[] p)
    {
        Validate(p);
        int m = p.Length;
        var order = new int[m];
        for (int i = 0; i < m; i++) order[i] = i;
        // Stable sort by p so ties keep input order (the adjusted values of ties are equal anyway).
        order = [.. order.OrderBy(i => p[i])];
        var adjusted = new double[m];
        double running = 0;
        for (int k = 0; k < m; k++)
        {
            running = Math.Max(running, Math.Min(1, (m - k) * p[order[k]]));
            adjusted[order[k]] = running;
        }
        return adjusted;
    }

    static void Validate(double[] p)
    {
        if (p is null) throw new InvariscopeException("Multiple-testing input p-values are null.");
        for (int i = 0; i < p.Length; i++)
            if (!(p[i] >= 0 && p[i] <= 1))
                throw new InvariscopeException($"p-value at index {i} is {p[i]}; p-values must lie in [0, 1].");
    }
}
