using System.Globalization;

namespace Invariscope.Report;

/// <summary>How the report page writes numbers (invariant culture; "n/a" for an undefined value).</summary>
internal static class Numbers
{
    /// <summary>Three decimals.</summary>
    public static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>Three significant digits (p-values).</summary>
    public static string G(double v) => double.IsNaN(v) ? "n/a" : v.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>A fraction as a percentage with one decimal.</summary>
    public static string P(double v) => double.IsNaN(v) ? "n/a" : (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";

    /// <summary>An integer.</summary>
    public static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
