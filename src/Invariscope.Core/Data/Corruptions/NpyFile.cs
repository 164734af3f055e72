using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Invariscope.Runtime;

namespace Invariscope.Data.Corruptions;

/// <summary>The header of a NumPy <c>.npy</c> file: element type, C-order shape, and where the data starts.</summary>
/// <param name="Path">The file.</param>
/// <param name="Descr">The NumPy dtype string, e.g. <c>|u1</c> or <c>&lt;i8</c>.</param>
/// <param name="Shape">The array's shape (empty for a scalar).</param>
/// <param name="DataOffset">Byte offset of the first element.</param>
public sealed record NpyHeader(string Path, string Descr, IReadOnlyList<long> Shape, long DataOffset)
{
    /// <summary>Bytes per element.</summary>
    public int ItemSize => NpyFile.ItemSize(Descr, Path);

    /// <summary>Number of elements (product of the shape).</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0; little-endian or byte-sized
/// integer dtypes; C order only). Large arrays are read by offset through <see cref="ReadHeader"/> rather than
/// loaded whole.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads and checks the header: magic, version, dict with <c>descr</c>, <c>fortran_order</c> False, <c>shape</c>; and that the file holds all the data.</summary>
    /// <exception cref="InvariscopeException">Missing file, bad magic, malformed header, Fortran order, unsupported dtype, or truncated data.</exception>
    public static NpyHeader ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new InvariscopeException($"{path}: file not found.");
        using var stream = File.OpenRead(path);
        var prefix = new byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8 || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvariscopeException($"{path}: not a .npy file (bad magic).");
        int major = prefix[6];
        int lengthBytes = major == 1 ? 2 : major is 2 or 3 ? 4 : throw new InvariscopeException($"{path}: unsupported .npy version {major}.{prefix[7]}.");
        var lengthBuffer = new byte[lengthBytes];
        if (stream.ReadAtLeast(lengthBuffer, lengthBytes, throwOnEndOfStream: false) < lengthBytes)
            throw new InvariscopeException($"{path}: truncated .npy header.");
        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBuffer) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBuffer);
        if (headerLength > 1 << 24) throw new InvariscopeException($"{path}: implausible .npy header length {headerLength}.");
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
            throw new InvariscopeException($"{path}: truncated .npy header.");
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        var descr = DescrPattern().Match(text);
        var fortran = FortranPattern().Match(text);
        var shape = ShapePattern().Match(text);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new InvariscopeException($"{path}: malformed .npy header '{text.Trim()}'.");
        if (fortran.Groups[1].Value == "True")
            throw new InvariscopeException($"{path}: Fortran-order arrays are not supported (save with C order).");
        var dims = new List<long>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out long d))
                throw new InvariscopeException($"{path}: malformed shape '({shape.Groups[1].Value})' in .npy header.");
            dims.Add(d);
        }
        var header = new NpyHeader(path, descr.Groups[1].Value, dims, 8 + lengthBytes + headerLength);
        long needed = header.DataOffset + header.Count * header.ItemSize;
        if (stream.Length < needed)
            throw new InvariscopeException($"{path}: truncated data: shape ({string.Join(", ", dims)}) of {header.Descr} needs {needed} bytes, file has {stream.Length}.");
        return header;
    }

    /// <summary>Reads a whole uint8 (<c>|u1</c>) array.</summary>
    /// <exception cref="InvariscopeException">Not a readable uint8 .npy file.</exception>
    public static byte[] ReadUInt8(string path, out NpyHeader header)
    {
        header = ReadHeader(path);
        if (header.Descr is not ("|u1" or "<u1" or "=u1"))
            throw new InvariscopeException($"{path}: expected a uint8 array (|u1), got dtype '{header.Descr}'.");
        if (header.Count > Array.MaxLength) throw new InvariscopeException($"{path}: array too large to load whole ({header.Count} bytes).");
        var data = new byte[header.Count];
        using var stream = File.OpenRead(path);
        stream.Position = header.DataOffset;
        stream.ReadExactly(data);
        return data;
    }

    /// <summary>Reads a 1-D integer array (<c>u1 i1 u2 i2 u4 i4 u8 i8</c>, little-endian) as Int64, e.g. CIFAR-C's <c>labels.npy</c>.</summary>
    /// <exception cref="InvariscopeException">Not a readable 1-D integer .npy file.</exception>
    public static long[] ReadIntegers(string path)
    {
        var header = ReadHeader(path);
        if (header.Shape.Count != 1)
            throw new InvariscopeException($"{path}: expected a 1-D array, got shape ({string.Join(", ", header.Shape)}).");
        if (header.Descr.Length < 3 || header.Descr[1] is not ('i' or 'u'))
            throw new InvariscopeException($"{path}: expected an integer array, got dtype '{header.Descr}'.");
        int size = header.ItemSize;
        bool signed = header.Descr[1] == 'i';
        var raw = new byte[header.Count * size];
        using (var stream = File.OpenRead(path))
        {
            stream.Position = header.DataOffset;
            stream.ReadExactly(raw);
        }
        var values = new long[header.Count];
        for (int i = 0; i < values.Length; i++)
        {
            var b = raw.AsSpan(i * size, size);
            values[i] = (size, signed) switch
            {
                (1, false) => b[0],
                (1, true) => (sbyte)b[0],
                (2, false) => BinaryPrimitives.ReadUInt16LittleEndian(b),
                (2, true) => BinaryPrimitives.ReadInt16LittleEndian(b),
                (4, false) => BinaryPrimitives.ReadUInt32LittleEndian(b),
                (4, true) => BinaryPrimitives.ReadInt32LittleEndian(b),
                (8, false) => checked((long)BinaryPrimitives.ReadUInt64LittleEndian(b)),
                _ => BinaryPrimitives.ReadInt64LittleEndian(b),
            };
        }
        return values;
    }

    /// <summary>Writes a uint8 array of the given shape (C order).</summary>
    public static void WriteUInt8(string path, ReadOnlySpan<byte> data, IReadOnlyList<long> shape)
    {
        CheckCount(data.Length, shape);
        using var stream = File.Create(path);
        WriteHeader(stream, "|u1", shape);
        stream.Write(data);
    }

    /// <summary>Writes a 1-D int64 (<c>&lt;i8</c>) array.</summary>
    public static void WriteInt64(string path, ReadOnlySpan<long> data)
    {
        using var stream = File.Create(path);
        WriteHeader(stream, "<i8", [data.Length]);
        var buffer = new byte[data.Length * 8];
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(i * 8), data[i]);
        stream.Write(buffer);
    }

    /// <summary>
    /// Writes a header as NumPy does: version 1.0 (2.0 when the header exceeds 65535 bytes), dict padded with spaces
    /// and a newline so that the data starts at a multiple of 64. The caller writes the data after it.
    /// </summary>
    public static void WriteHeader(Stream stream, string descr, IReadOnlyList<long> shape)
    {
        string dims = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        bool v2 = dict.Length + 1 + 10 > ushort.MaxValue;
        int prefix = v2 ? 12 : 10;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        string padded = dict.PadRight(total - prefix - 1) + "\n";
        stream.Write(Magic);
        stream.Write(v2 ? [2, 0] : [1, 0]);
        var length = new byte[v2 ? 4 : 2];
        if (v2) BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)padded.Length);
        else BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)padded.Length);
        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(padded));
    }

    internal static int ItemSize(string descr, string path)
    {
        if (descr.Length >= 3 && descr[0] is '<' or '|' or '=' && descr[1] is 'u' or 'i' or 'f' or 'b'
            && int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size is 1 or 2 or 4 or 8
            && (size == 1 || descr[0] != '|'))
            return size;
        throw new InvariscopeException($"{path}: unsupported dtype '{descr}' (need a little-endian or byte-sized integer or float type).");
    }

    private static void CheckCount(long count, IReadOnlyList<long> shape)
    {
        long expected = shape.Aggregate(1L, (a, b) => a * b);
        if (expected != count) throw new ArgumentException($"Data has {count} elements but shape ({string.Join(", ", shape)}) needs {expected}.");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
