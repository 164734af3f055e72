using System.Globalization;
using Invariscope.Data;
using Invariscope.Data.Corruptions;
using Invariscope.Runtime;

namespace Invariscope.Evaluation;

/// <summary>What to evaluate: corruptions × severities, on the fly or from a CIFAR-C folder.</summary>
/// <param name="Corruptions">Corruption names (any file stem when <paramref name="CifarCFolder"/> is set).</param>
/// <param name="Severities">Severities, each 1 to 5.</param>
/// <param name="Limit">At most this many examples per cell (a seeded random subset, the same in every cell); null = all.</param>
/// <param name="Seed">Seeds the corruption noise (image i gets seed + i) and the <paramref name="Limit"/> subset.</param>
/// <param name="CifarCFolder">A CIFAR-10-C style folder of .npy files to read instead of corrupting on the fly.</param>
public sealed record CorruptionPlan(IReadOnlyList<string> Corruptions, IReadOnlyList<int> Severities, int? Limit = null,
    int Seed = 0, string? CifarCFolder = null)
{
    /// <summary>The seeded <see cref="Limit"/> subset of <paramref name="data"/> (all of it without a limit).</summary>
    public IImageDataset Limited(IImageDataset data) => Limit is int n ? data.Limit(n, Seed) : data;

    /// <summary>
    /// Hands the data of one cell to <paramref name="use"/>: on the fly, <paramref name="cleanSubset"/> (already
    /// limited) corrupted with <see cref="Seed"/>; from a CIFAR-C folder, the file's slice, limited the same way and
    /// closed after <paramref name="use"/> returns.
    /// </summary>
    public T OnCell<T>(IImageDataset? cleanSubset, string corruption, int severity, Func<IImageDataset, T> use)
    {
        if (CifarCFolder is null)
            return use(new CorruptedDataset(cleanSubset ?? throw new InvariscopeException("corrupting on the fly needs clean data"), corruption, severity, Seed));
        // the folder's own class names (info.json or its labels), as the cifar-c: spec reads them
        using var slice = new CifarCDataset(CifarCFolder, corruption, severity, CifarCInfo.ClassNamesFor(CifarCFolder, new DatasetQuery("cifar-c:" + CifarCFolder, "")));
        return use(Limited(slice));
    }

    /// <summary>
    /// Parses <c>all</c> (the 15 standard corruptions) or a comma list. Names are checked against
    /// <see cref="Data.Corruptions.Corruptions.All"/> unless <paramref name="anyName"/> (a CIFAR-C folder may hold others).
    /// </summary>
    /// <exception cref="InvariscopeException">An unknown or repeated name, or an empty list.</exception>
    public static IReadOnlyList<string> ParseCorruptions(string? text, bool anyName = false)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Equals("all", StringComparison.OrdinalIgnoreCase)) return Data.Corruptions.Corruptions.All;
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0) throw new InvariscopeException($"corruptions '{text}': no names given") { Field = "corruptions" };
        foreach (var n in names)
        {
            if (!anyName && !Data.Corruptions.Corruptions.All.Contains(n))
                throw new InvariscopeException($"corruptions: unknown corruption '{n}'; valid: all, {string.Join(", ", Data.Corruptions.Corruptions.All)}") { Field = "corruptions" };
            if (anyName && (n.Contains('/') || n.Contains('\\') || n == "labels"))
                throw new InvariscopeException($"corruptions: '{n}' is not a corruption file stem") { Field = "corruptions" };
        }
        var dup = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new InvariscopeException($"corruptions: '{dup.Key}' is listed twice") { Field = "corruptions" };
        return names;
    }

    /// <summary>Parses a range <c>1-5</c>, a list <c>1,3,5</c> or a mix (<c>1-2,5</c>); sorted and distinct.</summary>
    /// <exception cref="InvariscopeException">Not a number, an empty or reversed range, or a severity outside 1-5.</exception>
    public static IReadOnlyList<int> ParseSeverities(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) return [1, 2, 3, 4, 5];
        var result = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw new InvariscopeException($"severities '{text}': '{part}' is not a severity or a range (use 1-5 or a list like 1,3,5)") { Field = "severities" };
            int lo = int.Parse(ends[0], CultureInfo.InvariantCulture), hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (lo > hi) throw new InvariscopeException($"severities '{text}': range '{part}' is reversed") { Field = "severities" };
            foreach (var s in new[] { lo, hi })
                if (s is < Data.Corruptions.Corruptions.MinSeverity or > Data.Corruptions.Corruptions.MaxSeverity)
                    throw new InvariscopeException($"severities '{text}': severity {s} is outside 1-5") { Field = "severities" };
            for (int s = lo; s <= hi; s++) result.Add(s);
        }
        if (result.Count == 0) throw new InvariscopeException($"severities '{text}': no severities given") { Field = "severities" };
        return result.ToArray();
    }
}
