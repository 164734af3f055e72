using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Invariscope.Runtime;
using CorruptionTable = Invariscope.Data.Corruptions.Corruptions;

namespace Invariscope.Data.Corruptions;

/// <summary>
/// The <c>info.json</c> written beside a corrupted copy (see <see cref="CifarCWriter"/>): where it came from, its
/// class names, corruptions, seed and clean-image count. <see cref="OpenSpec"/> reads the class names from it.
/// </summary>
public sealed record CifarCInfo
{
    /// <summary>The file name, <c>info.json</c>.</summary>
    public const string FileName = "info.json";

    /// <summary>The source dataset spec.</summary>
    [JsonPropertyName("source")] public string Source { get; init; } = "";

    /// <summary>Class names, indexed by label.</summary>
    [JsonPropertyName("class_names")] public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>The corruptions written (file stems).</summary>
    [JsonPropertyName("corruptions")] public IReadOnlyList<string> Corruptions { get; init; } = [];

    /// <summary>The base seed.</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }

    /// <summary>The number of clean images (each file holds 5 times as many).</summary>
    [JsonPropertyName("count")] public int Count { get; init; }

    /// <summary>Writes <c>info.json</c> into <paramref name="folder"/> atomically (temporary file, then rename).</summary>
    /// <exception cref="InvariscopeException">The folder is not writable.</exception>
    public void Write(string folder)
    {
        string path = Path.Combine(folder, FileName);
        try
        {
            Json.Write(path, this);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvariscopeException($"{path}: cannot write: {e.Message}", e);
        }
    }

    /// <summary>Reads <paramref name="folder"/>'s <c>info.json</c>; null when there is none.</summary>
    /// <exception cref="InvariscopeException">The file exists but is not valid JSON of this shape.</exception>
    public static CifarCInfo? TryRead(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        return Json.Deserialize<CifarCInfo>(File.ReadAllText(path), $"{path}: invalid info.json");
    }

    /// <summary>
    /// Opens a CIFAR-C folder for the <c>cifar-c:DIR?corruption=NAME&amp;severity=S[&amp;classes_file=F]</c>
    /// dataset spec. Class names come from <c>classes_file</c> (one name a line) when given, else from DIR's
    /// <c>info.json</c> when present, else the CIFAR-10 names when labels.npy has 10 classes, else <c>0..K-1</c>.
    /// </summary>
    /// <exception cref="InvariscopeException">A missing key, bad severity, missing file or bad contents.</exception>
    public static CifarCDataset OpenSpec(string folder, DatasetQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var corruption = query.String("corruption");
        if (string.IsNullOrEmpty(corruption))
            throw new InvariscopeException($"dataset spec '{query.Spec}': corruption=NAME is required (e.g. {string.Join(", ", CorruptionTable.All.Take(3))}, ...)");
        if (!query.Has("severity"))
            throw new InvariscopeException($"dataset spec '{query.Spec}': severity=1..5 is required");
        int severity = query.Int("severity", 0);
        if (severity is < CorruptionTable.MinSeverity or > CorruptionTable.MaxSeverity)
            throw new InvariscopeException($"dataset spec '{query.Spec}': severity={severity}: expected 1, 2, 3, 4 or 5");
        if (!Directory.Exists(folder))
            throw new InvariscopeException($"{folder}: CIFAR-C folder not found");
        return new CifarCDataset(folder, corruption, severity, ClassNamesFor(folder, query));
    }

    /// <summary>The class names of a CIFAR-C folder: a classes_file, its info.json, its labels' count, else null (CIFAR-10's).</summary>
    internal static IReadOnlyList<string>? ClassNamesFor(string folder, DatasetQuery query)
    {
        if (query.String("classes_file") is { } file)
        {
            if (!File.Exists(file)) throw new InvariscopeException($"{file}: classes_file not found");
            var names = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            return names.Length > 0 ? names : throw new InvariscopeException($"{file}: classes_file has no class names");
        }
        if (TryRead(folder) is { ClassNames.Count: > 0 } info) return info.ClassNames;
        string labelsPath = Path.Combine(folder, "labels.npy");
        if (!File.Exists(labelsPath)) return null; // CifarCDataset reports the missing file
        var labels = NpyFile.ReadIntegers(labelsPath);
        long classes = labels.Length == 0 ? 0 : labels.Max() + 1;
        if (classes == 10 || classes <= 0 || classes > 1_000_000) return null; // CIFAR-10 names; bad labels reported there
        return Enumerable.Range(0, (int)classes).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
    }
}
