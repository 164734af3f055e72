using Invariscope.Runtime;

namespace Invariscope.Data;

/// <summary>
/// A view of selected examples of another dataset, optionally relabelled. Holds only the index (and label)
/// arrays; images are read from the base dataset on access.
/// </summary>
public sealed class SubsetDataset : IImageDataset
{
    readonly IImageDataset _base;
    readonly int[] _indices;
    readonly int[]? _labelMap;

    /// <summary>Examples <paramref name="indices"/> of <paramref name="source"/>; <paramref name="labelMap"/>
    /// (old label to new label) and <paramref name="classNames"/> relabel them when given.</summary>
    public SubsetDataset(IImageDataset source, int[] indices, string name,
        int[]? labelMap = null, IReadOnlyList<string>? classNames = null)
    {
        _base = source;
        _indices = indices;
        _labelMap = labelMap;
        Name = name;
        ClassNames = classNames ?? source.ClassNames;
    }

    /// <summary>The base dataset's index of each example here.</summary>
    public IReadOnlyList<int> Indices => _indices;
    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }
    /// <inheritdoc/>
    public int Count => _indices.Length;
    /// <inheritdoc/>
    public IReadOnlyList<string> Warnings => _base.Warnings;
    /// <inheritdoc/>
    public Image8 GetImage(int index) => _base.GetImage(_indices[index]);
    /// <inheritdoc/>
    public int GetLabel(int index)
    {
        int label = _base.GetLabel(_indices[index]);
        return _labelMap is null ? label : _labelMap[label];
    }
}

/// <summary>Selections on any <see cref="IImageDataset"/>: class subsets, seeded splits, caps, class counts.</summary>
public static class DatasetViews
{
    /// <summary>Number of examples of each class, indexed by label (reads labels only).</summary>
    public static int[] ClassCounts(this IImageDataset dataset)
    {
        var counts = new int[dataset.ClassNames.Count];
        for (int i = 0; i < dataset.Count; i++) counts[dataset.GetLabel(i)]++;
        return counts;
    }

    /// <summary>
    /// Keeps the examples of <paramref name="classes"/> (in index order) and relabels them 0..k-1 in the order
    /// given, e.g. classes [0..4] of a 10-class dataset as a 5-class pretraining task.
    /// </summary>
    public static SubsetDataset SelectClasses(this IImageDataset dataset, IReadOnlyList<int> classes)
    {
        var map = Enumerable.Repeat(-1, dataset.ClassNames.Count).ToArray();
        for (int k = 0; k < classes.Count; k++)
        {
            int c = classes[k];
            if (c < 0 || c >= map.Length)
                throw new InvariscopeException($"{dataset.Name}: class {c} out of range (it has {map.Length} classes, 0..{map.Length - 1})");
            if (map[c] >= 0) throw new InvariscopeException($"{dataset.Name}: class {c} listed twice");
            map[c] = k;
        }
        var indices = Enumerable.Range(0, dataset.Count).Where(i => map[dataset.GetLabel(i)] >= 0).ToArray();
        var names = classes.Select(c => dataset.ClassNames[c]).ToArray();
        return new SubsetDataset(dataset, indices, $"{dataset.Name} classes {string.Join(",", classes)}", map, names);
    }

    /// <summary>
    /// A deterministic stratified train/validation split: within each class, a permutation seeded by
    /// (<paramref name="seed"/>, class) sends the first round(fraction x class count) examples to validation.
    /// The two parts are disjoint, cover the dataset, and keep index order.
    /// </summary>
    public static (SubsetDataset train, SubsetDataset val) Split(this IImageDataset dataset, double valFraction, int seed = 0)
    {
        if (!(valFraction >= 0 && valFraction < 1))
            throw new InvariscopeException($"{dataset.Name}: validation fraction {valFraction} must be in [0, 1)");
        var byClass = new List<int>[dataset.ClassNames.Count];
        for (int c = 0; c < byClass.Length; c++) byClass[c] = new List<int>();
        for (int i = 0; i < dataset.Count; i++) byClass[dataset.GetLabel(i)].Add(i);
        var isVal = new bool[dataset.Count];
        for (int c = 0; c < byClass.Length; c++)
        {
            var members = byClass[c];
            var perm = SeedRng.Permutation(members.Count, SeedRng.Mix((ulong)seed, 0x5B117, (ulong)c));
            int nVal = (int)Math.Round(valFraction * members.Count, MidpointRounding.AwayFromZero);
            for (int k = 0; k < nVal; k++) isVal[members[perm[k]]] = true;
        }
        var all = Enumerable.Range(0, dataset.Count);
        string tag = $"val={valFraction} split_seed={seed}";
        return (new SubsetDataset(dataset, all.Where(i => !isVal[i]).ToArray(), $"{dataset.Name} [train part, {tag}]"),
                new SubsetDataset(dataset, all.Where(i => isVal[i]).ToArray(), $"{dataset.Name} [val part, {tag}]"));
    }

    /// <summary>
    /// At most <paramref name="limit"/> examples: with a <paramref name="shuffleSeed"/>, the first
    /// <paramref name="limit"/> of a permutation seeded by it (a uniform random subset), returned in index order;
    /// without one, simply the first <paramref name="limit"/> examples.
    /// </summary>
    public static SubsetDataset Limit(this IImageDataset dataset, int limit, int? shuffleSeed = 0)
    {
        if (limit < 0) throw new InvariscopeException($"{dataset.Name}: limit {limit} must be >= 0");
        int n = Math.Min(limit, dataset.Count);
        int[] indices = shuffleSeed is int s
            ? SeedRng.Permutation(dataset.Count, SeedRng.Mix((ulong)s, 0x11A17)).Take(n).Order().ToArray()
            : Enumerable.Range(0, n).ToArray();
        return new SubsetDataset(dataset, indices, $"{dataset.Name} [limit {limit}{(shuffleSeed is int t ? $", seed {t}" : ", first")}]");
    }
}
