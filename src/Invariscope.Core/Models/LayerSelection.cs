using Invariscope.Runtime;

namespace Invariscope.Models;

/// <summary>
/// Which of <c>count</c> layers to take, as in timm's <c>forward_intermediates(indices=...)</c>:
/// null means all, a number n means the last n, and a list names layers, negatives counting from the end.
/// </summary>
public sealed record LayerSelection
{
    /// <summary>Take the last <see cref="LastN"/> layers (when <see cref="Indices"/> is null).</summary>
    public int? LastN { get; init; }
    /// <summary>Explicit layer indices; negative counts from the end.</summary>
    public IReadOnlyList<int>? Indices { get; init; }

    /// <summary>Every layer.</summary>
    public static LayerSelection All { get; } = new();

    /// <summary>The last <paramref name="n"/> layers.</summary>
    public static LayerSelection Last(int n) => new() { LastN = n };

    /// <summary>Exactly these layers (negatives from the end).</summary>
    public static LayerSelection Of(params int[] indices) => new() { Indices = indices };

    /// <summary>
    /// Sorted, distinct, non-negative indices in [0, count). Out-of-range requests are an
    /// <see cref="InvariscopeException"/>.
    /// </summary>
    public int[] Resolve(int count)
    {
        if (Indices is { } list)
        {
            if (list.Count == 0) throw new InvariscopeException("--layers: empty layer list");
            return list.Select(i =>
            {
                var j = i < 0 ? count + i : i;
                if (j < 0 || j >= count)
                    throw new InvariscopeException($"--layers: layer {i} is out of range for {count} layers (valid: 0..{count - 1} or -{count}..-1)");
                return j;
            }).Distinct().Order().ToArray();
        }
        if (LastN is { } n)
        {
            if (n < 1 || n > count) throw new InvariscopeException($"--layers: last {n} layers asked for, but there are {count}");
            return Enumerable.Range(count - n, n).ToArray();
        }
        return Enumerable.Range(0, count).ToArray();
    }

    /// <summary>
    /// Parses the CLI form: empty or <c>all</c> = all; a bare integer <c>n</c> = the last n;
    /// a comma list (<c>0,2,-1</c>) or a bracketed list (<c>[5]</c>) = those layers.
    /// </summary>
    public static LayerSelection Parse(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Equals("all", StringComparison.OrdinalIgnoreCase)) return All;
        bool bracketed = text.StartsWith('[') && text.EndsWith(']');
        var body = bracketed ? text[1..^1] : text;
        var parts = body.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out values[i]))
                throw new InvariscopeException($"--layers '{text}': '{parts[i]}' is not an integer (use all, N for the last N, or a list like 0,3,-1)");
        if (!bracketed && values.Length == 1 && !body.Contains(',')) return Last(values[0]);
        return Of(values);
    }
}
