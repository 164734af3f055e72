using System.Globalization;
using Invariscope.Runtime;

namespace Invariscope.Data;

/// <summary>
/// The <c>key=value&amp;...</c> part of a dataset spec, with typed getters whose errors name the spec.
/// </summary>
public sealed class DatasetQuery
{
    readonly Dictionary<string, string> _values;

    /// <summary>The full spec, for error messages.</summary>
    public string Spec { get; }

    /// <summary>Parses <paramref name="query"/> (without the '?'); a key given twice or without '=' is an error.</summary>
    public DatasetQuery(string spec, string query)
    {
        Spec = spec;
        _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new InvariscopeException($"dataset spec '{spec}': expected key=value, got '{part}'");
            var key = part[..eq].Trim();
            if (!_values.TryAdd(key, part[(eq + 1)..].Trim()))
                throw new InvariscopeException($"dataset spec '{spec}': key '{key}' given twice");
        }
    }

    /// <summary>The keys present in the query.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>, or <paramref name="fallback"/>.</summary>
    public string? String(string key, string? fallback = null) => _values.TryGetValue(key, out var v) ? v : fallback;

    /// <summary>An integer value, or <paramref name="fallback"/>.</summary>
    public int Int(string key, int fallback)
    {
        var s = String(key);
        if (s is null) return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw Bad(key, s, "an integer");
    }

    /// <summary>A floating-point value, or <paramref name="fallback"/>.</summary>
    public double Double(string key, double fallback)
    {
        var s = String(key);
        if (s is null) return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : throw Bad(key, s, "a number");
    }

    /// <summary>A boolean (<c>true/false/1/0/yes/no</c>), or <paramref name="fallback"/>.</summary>
    public bool Bool(string key, bool fallback)
    {
        var s = String(key)?.ToLowerInvariant();
        return s switch
        {
            null => fallback,
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw Bad(key, s, "true or false"),
        };
    }

    /// <summary>One of <paramref name="choices"/> (case-insensitive, returned lower-case), or <paramref name="fallback"/>.</summary>
    public string Choice(string key, string fallback, params string[] choices)
    {
        var s = String(key)?.ToLowerInvariant() ?? fallback;
        return choices.Contains(s) ? s : throw Bad(key, s, string.Join(" or ", choices));
    }

    /// <summary>A list of class indices, written <c>0-4</c>, <c>0,2,5</c> or mixed (<c>0-2,7</c>); null when absent.</summary>
    public int[]? IntList(string key)
    {
        var s = String(key);
        if (s is null) return null;
        var list = new List<int>();
        foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            if (ends.Length is < 1 or > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw Bad(key, s, "a list like 0-4 or 0,2,5");
            int lo = int.Parse(ends[0], CultureInfo.InvariantCulture), hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (hi < lo) throw Bad(key, s, "ranges lo-hi with lo <= hi");
            for (int c = lo; c <= hi; c++) list.Add(c);
        }
        return list.Count > 0 ? list.ToArray() : throw Bad(key, s, "a non-empty list like 0-4 or 0,2,5");
    }

    InvariscopeException Bad(string key, string value, string expected) =>
        new($"dataset spec '{Spec}': {key}={value}: expected {expected}");
}
