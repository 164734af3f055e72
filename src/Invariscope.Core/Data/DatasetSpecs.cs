using Invariscope.Data.Corruptions;
using Invariscope.Runtime;

namespace Invariscope.Data;

/// <summary>
/// One entry of the scheme table: a help line, the query keys the scheme reads (besides the common ones),
/// and a factory from (path, query) to a dataset.
/// </summary>
public sealed record DatasetScheme(string Help, IReadOnlyList<string> Keys, Func<string, DatasetQuery, IImageDataset> Open);

/// <summary>
/// Dataset specs as written on the command line: <c>SCHEME:PATH[?key=value&amp;...]</c>.
/// <list type="bullet">
/// <item><c>cifar10:DIR[?split=train|test]</c> (CIFAR-10 binary version)</item>
/// <item><c>cifar100:DIR[?split=train|test&amp;labels=fine|coarse]</c></item>
/// <item><c>mnist:DIR[?split=train|test]</c>, <c>fashion-mnist:DIR[?split=train|test]</c> (IDX files, .gz or raw)</item>
/// <item><c>folder:DIR[?skip_bad=true]</c> (DIR/&lt;class&gt;/&lt;image&gt;.png|jpg|jpeg)</item>
/// <item><c>synthetic:TASK[?size=32&amp;n=10000&amp;seed=0&amp;shift=none|ood]</c>, TASK = shapes, texture or count</item>
/// <item><c>cifar-c:DIR?corruption=NAME&amp;severity=1..5[&amp;classes_file=F]</c> (CIFAR-10-C layout, e.g. written by <c>data corrupt</c>)</item>
/// </list>
/// Common keys, applied in this order: <c>classes=0-4</c> or <c>0,2,5</c> (keep those classes, relabelled
/// 0..k-1); <c>val=F&amp;part=train|val&amp;split_seed=S</c> (stratified seeded split, default part=train, S=0);
/// <c>limit=N&amp;limit_seed=S</c> (a seeded random subset of N examples, in index order, default S=0).
/// Split defaults to train. Register another format with one line:
/// <c>DatasetSpecs.Schemes["name"] = new DatasetScheme(help, keys, (path, query) =&gt; ...);</c>
/// </summary>
public static class DatasetSpecs
{
    /// <summary>Keys every scheme accepts.</summary>
    public static readonly IReadOnlyList<string> CommonKeys = ["classes", "val", "part", "split_seed", "limit", "limit_seed"];

    /// <summary>The scheme table: scheme name (case-insensitive) to its factory.</summary>
    public static readonly Dictionary<string, DatasetScheme> Schemes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cifar10"] = new("cifar10:DIR[?split=train|test]  CIFAR-10 binary batches", ["split"],
            (path, q) => CifarDataset.Cifar10(path, Train(q))),
        ["cifar100"] = new("cifar100:DIR[?split=train|test&labels=fine|coarse]  CIFAR-100 binary", ["split", "labels"],
            (path, q) => CifarDataset.Cifar100(path, Train(q), q.Choice("labels", "fine", "fine", "coarse") == "coarse")),
        ["mnist"] = new("mnist:DIR[?split=train|test]  MNIST IDX files (.gz or raw)", ["split"],
            (path, q) => IdxDataset.OpenFolder("mnist", path, Train(q), IdxDataset.MnistClasses)),
        ["fashion-mnist"] = new("fashion-mnist:DIR[?split=train|test]  Fashion-MNIST IDX files (.gz or raw)", ["split"],
            (path, q) => IdxDataset.OpenFolder("fashion-mnist", path, Train(q), IdxDataset.FashionMnistClasses)),
        ["folder"] = new("folder:DIR[?skip_bad=true]  DIR/<class>/<image>.png|jpg|jpeg", ["skip_bad"],
            (path, q) => new ImageFolderDataset(path, q.Bool("skip_bad", false))),
        ["synthetic"] = new("synthetic:shapes|texture|count|objects[?size=32&n=10000&seed=0&shift=none|ood]  built-in procedural images",
            ["size", "n", "seed", "shift"],
            (task, q) => new SyntheticDataset(SyntheticDataset.ParseTask(task), q.Int("n", 10000), q.Int("seed", 0),
                q.Int("size", 32), q.Choice("shift", "none", "none", "ood") == "ood")),
        ["cifar-c"] = new("cifar-c:DIR?corruption=NAME&severity=1..5[&classes_file=F]  CIFAR-10-C layout (NAME.npy, labels.npy;\n" +
                          "      class names from F (one a line), else DIR/info.json, else CIFAR-10's for 10 classes, else 0..K-1)",
            ["corruption", "severity", "classes_file"],
            (path, q) => CifarCInfo.OpenSpec(path, q)),
    };

    /// <summary>The grammar and the registered schemes, for command help.</summary>
    public static string Help =>
        "DATASET is SCHEME:PATH[?key=value&...]; schemes:\n" +
        string.Join("\n", Schemes.Values.Select(s => "  " + s.Help)) +
        "\ncommon keys (applied in this order):" +
        "\n  classes=0-4|0,2,5                    keep those classes, relabelled 0..k-1" +
        "\n  val=F[&part=train|val&split_seed=S]  stratified seeded split, default part=train, S=0" +
        "\n  limit=N[&limit_seed=S]               seeded random N examples in index order, default S=0";

    static bool Train(DatasetQuery q) => q.Choice("split", "train", "train", "test") == "train";

    /// <summary>Opens the dataset a spec describes; any problem is an <see cref="InvariscopeException"/>.</summary>
    public static IImageDataset Open(string spec)
    {
        int colon = spec.IndexOf(':');
        if (colon <= 0)
            throw new InvariscopeException($"dataset spec '{spec}': expected SCHEME:PATH[?key=value&...]; schemes: {SchemeList}");
        var scheme = spec[..colon];
        var rest = spec[(colon + 1)..];
        int qmark = rest.IndexOf('?');
        var path = qmark < 0 ? rest : rest[..qmark];
        var query = new DatasetQuery(spec, qmark < 0 ? "" : rest[(qmark + 1)..]);
        if (!Schemes.TryGetValue(scheme, out var entry))
            throw new InvariscopeException($"dataset spec '{spec}': unknown scheme '{scheme}'; schemes: {SchemeList}");
        if (path.Length == 0) throw new InvariscopeException($"dataset spec '{spec}': empty path");
        var unknown = query.Keys.Where(k => !entry.Keys.Contains(k, StringComparer.OrdinalIgnoreCase)
                                           && !CommonKeys.Contains(k, StringComparer.OrdinalIgnoreCase)).ToArray();
        if (unknown.Length > 0)
            throw new InvariscopeException(
                $"dataset spec '{spec}': unknown key '{unknown[0]}'; valid keys for {scheme}: {string.Join(", ", entry.Keys.Concat(CommonKeys))}");
        return ApplyCommon(entry.Open(path, query), query);
    }

    static string SchemeList => string.Join(", ", Schemes.Keys);

    static IImageDataset ApplyCommon(IImageDataset dataset, DatasetQuery q)
    {
        if (q.IntList("classes") is { } classes) dataset = dataset.SelectClasses(classes);
        if (q.Has("val"))
        {
            var (train, val) = dataset.Split(q.Double("val", 0), q.Int("split_seed", 0));
            dataset = q.Choice("part", "train", "train", "val") == "train" ? train : val;
        }
        else if (q.Has("part") || q.Has("split_seed"))
            throw new InvariscopeException($"dataset spec '{q.Spec}': part= and split_seed= need val=F");
        if (q.Has("limit")) dataset = dataset.Limit(q.Int("limit", 0), q.Int("limit_seed", 0));
        else if (q.Has("limit_seed")) throw new InvariscopeException($"dataset spec '{q.Spec}': limit_seed= needs limit=N");
        return dataset;
    }
}
