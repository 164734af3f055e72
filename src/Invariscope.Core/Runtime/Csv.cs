using System.Globalization;

namespace Invariscope.Runtime;

/// <summary>
/// How every CSV file is written (RFC 4180, as pandas and R read it): comma separated, a header line, <c>\n</c> line
/// ends, a field quoted only when it holds a comma, a quote or a line break (quotes doubled inside), numbers in the
/// invariant culture with full round-trip precision (<c>NaN</c> for an undefined value, which pandas reads as NaN), and
/// an empty field for an absent one.
/// </summary>
public static class Csv
{
    /// <summary>One field, quoted when needed.</summary>
    public static string Field(string? text)
    {
        text ??= "";
        return text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
    }

    /// <summary>One line of fields (without its line end).</summary>
    public static string Row(params IEnumerable<string?> fields) => string.Join(",", fields.Select(Field));

    /// <summary>A number with full precision (round-trip), invariant culture.</summary>
    public static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A number, or an empty field when absent.</summary>
    public static string Number(double? v) => v is double d ? Number(d) : "";

    /// <summary>An integer, or an empty field when absent.</summary>
    public static string Integer(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "";

    /// <summary><c>true</c> or <c>false</c> (as pandas reads booleans).</summary>
    public static string Bool(bool v) => v ? "true" : "false";
}
