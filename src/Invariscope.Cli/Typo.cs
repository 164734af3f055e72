namespace Invariscope.Cli;

/// <summary>Which known names a mistyped one most likely meant (a pure function, for usage errors).</summary>
public static class Typo
{
    /// <summary>
    /// The names at the smallest edit distance from <paramref name="typed"/> (insertions, deletions, substitutions and
    /// swaps of neighbours count one each), if that distance is small for the name (leading dashes aside): one edit,
    /// two from 8 characters on, three from 11, and so on. Empty when none is that close; several on a tie.
    /// </summary>
    public static IReadOnlyList<string> Closest(string typed, IEnumerable<string> names)
    {
        string core = typed.TrimStart('-');
        var scored = names.Distinct().Select(n => (name: n, d: Distance(core, n.TrimStart('-')), allowed: Math.Max(1, (n.TrimStart('-').Length - 2) / 3)))
            .Where(x => x.d > 0 && x.d <= x.allowed).ToList();
        if (scored.Count == 0) return [];
        int best = scored.Min(x => x.d);
        return [.. scored.Where(x => x.d == best).Select(x => x.name).Order(StringComparer.Ordinal)];
    }

    /// <summary>Optimal string alignment distance: Levenshtein plus the swap of two neighbouring characters.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
