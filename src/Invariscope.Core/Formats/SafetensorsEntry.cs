namespace Invariscope.Formats;

/// <summary>
/// One tensor's header entry in a safetensors file.
/// </summary>
/// <param name="Name">The tensor's name (its key in the header).</param>
/// <param name="DType">The stored dtype as the format spells it: "F32", "F16", "BF16", "F64", "I64", "I32",
/// "I16", "I8", "U8" or "BOOL".</param>
/// <param name="Shape">The tensor's shape; empty for a scalar (0-dim) tensor.</param>
/// <param name="Begin">Offset of the first data byte, relative to the start of the data buffer (the byte
/// right after the header).</param>
/// <param name="End">Offset one past the last data byte, relative to the start of the data buffer.</param>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>The number of data bytes, <c>End - Begin</c> (= element count × element size).</summary>
    public long ByteLength => End - Begin;

    /// <summary>The number of elements, the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);
}
