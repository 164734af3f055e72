using TorchSharp;

namespace Invariscope.Formats;

/// <summary>
/// The safetensors dtypes this reader and writer support, with their TorchSharp scalar types, element
/// sizes and the rank the Python library sorts by when it lays out a file (larger first).
/// </summary>
internal static class SafetensorsDType
{
    /// <summary>One supported dtype.</summary>
    internal sealed record Info(string Name, torch.ScalarType ScalarType, int ElementSize, int LayoutRank);

    // LayoutRank follows the declaration order of the safetensors crate's Dtype enum, which the library
    // sorts by (descending) before the names when it writes a file.
    static readonly Info[] All =
    [
        new("BOOL", torch.ScalarType.Bool, 1, 0),
        new("U8", torch.ScalarType.Byte, 1, 1),
        new("I8", torch.ScalarType.Int8, 1, 2),
        new("I16", torch.ScalarType.Int16, 2, 3),
        new("F16", torch.ScalarType.Float16, 2, 4),
        new("BF16", torch.ScalarType.BFloat16, 2, 5),
        new("I32", torch.ScalarType.Int32, 4, 6),
        new("F32", torch.ScalarType.Float32, 4, 7),
        new("F64", torch.ScalarType.Float64, 8, 8),
        new("I64", torch.ScalarType.Int64, 8, 9),
    ];

    static readonly Dictionary<string, Info> ByName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);
    static readonly Dictionary<torch.ScalarType, Info> ByScalarType = All.ToDictionary(d => d.ScalarType);

    /// <summary>The supported dtype names, for error messages.</summary>
    internal static string SupportedList => string.Join(", ", All.Select(d => d.Name));

    /// <summary>The dtype named <paramref name="name"/> (e.g. "F32"), or null when it is not supported.</summary>
    internal static Info? FromName(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The dtype that stores <paramref name="type"/>, or null when safetensors cannot store it here.</summary>
    internal static Info? FromScalarType(torch.ScalarType type) => ByScalarType.GetValueOrDefault(type);
}
