using System.Text.Json.Serialization;
using Invariscope.Runtime;

namespace Invariscope.Evaluation;

/// <summary>What to measure at every epoch of a run: clean (ID) accuracy, OOD accuracy, and the corruption suite.</summary>
public sealed record RobustnessSettings
{
    /// <summary>In-distribution test data (dataset spec); the corruptions are applied to it.</summary>
    [JsonPropertyName("data")] public string Data { get; init; } = "";
    /// <summary>Out-of-distribution test data (same classes), or null.</summary>
    [JsonPropertyName("ood_data")] public string? OodData { get; init; }
    /// <summary><c>all</c> or a comma list of corruptions; <c>none</c> skips them.</summary>
    [JsonPropertyName("corruptions")] public string Corruptions { get; init; } = "all";
    /// <summary>Severities, e.g. <c>1-5</c>.</summary>
    [JsonPropertyName("severities")] public string Severities { get; init; } = "1-5";
    /// <summary>At most this many test images (a seeded subset, the same for every cell and epoch); null = all.</summary>
    [JsonPropertyName("limit")] public int? Limit { get; init; } = 500;
    /// <summary>A CIFAR-10-C folder of .npy files to read instead of corrupting on the fly.</summary>
    [JsonPropertyName("cifar_c")] public string? CifarC { get; init; }
    /// <summary>Seed of the corruption noise and of the subset.</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>Evaluation batch size.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 256;

    /// <summary>The corruption plan (no corruptions when <see cref="Corruptions"/> is <c>none</c>).</summary>
    public CorruptionPlan Plan() => new(
        Corruptions.Trim() == "none" ? [] : CorruptionPlan.ParseCorruptions(Corruptions, anyName: CifarC is not null),
        CorruptionPlan.ParseSeverities(Severities), Limit, Seed, CifarC);

    /// <summary>Throws <see cref="InvariscopeException"/> naming the first bad field.</summary>
    public RobustnessSettings Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) throw new InvariscopeException("robustness: 'data' (the ID test set) is required");
        if (Limit is < 1) throw new InvariscopeException($"robustness: limit must be positive, got {Limit}");
        if (BatchSize < 1) throw new InvariscopeException($"robustness: batch_size must be positive, got {BatchSize}");
        if (CifarC is not null && !Directory.Exists(CifarC)) throw new InvariscopeException($"robustness: cifar_c {CifarC}: no such folder");
        Plan();
        return this;
    }
}
