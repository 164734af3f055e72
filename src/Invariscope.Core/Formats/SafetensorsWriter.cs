using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Invariscope.Runtime;
using TorchSharp;

namespace Invariscope.Formats;

/// <summary>
/// Writes safetensors files byte for byte as the Python library does: tensors laid out by descending dtype
/// rank then by name (UTF-8 byte order), compact header JSON with <c>__metadata__</c> first, padded with
/// spaces to a multiple of 8 bytes. The file is written by <see cref="AtomicFile"/> (a temporary name in the
/// target's folder, flushed to disk, renamed over the target, folder synced), so it never exists half-written
/// under its real name. The SHA-256 of every byte written is computed on the way, so recording a file's digest
/// costs no second read.
/// </summary>
internal static class SafetensorsWriter
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    sealed record Item(string Name, byte[] Utf8Name, torch.Tensor Tensor, SafetensorsDType.Info DType, long Bytes);

    /// <summary>Writes the file; returns the SHA-256 of its bytes as lowercase hex (see <see cref="SafetensorsFile.LoadAll(out string)"/>).</summary>
    internal static string Save(string path, IReadOnlyDictionary<string, torch.Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var items = Plan(path, tensors);
        byte[] header = Header(path, items, metadata);

        // unlike AtomicFile's other callers, a checkpoint's folder is not made here: a missing one is a wrong path
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new InvariscopeException($"{path}: cannot write: the folder {folder} does not exist");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            AtomicFile.Write(path, stream =>
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                hash.AppendData(length);
                hash.AppendData(header);
                foreach (var item in items) WriteData(item.Tensor, stream, hash);
            });
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvariscopeException($"{path}: cannot write: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>Checks every tensor can be stored and puts them in the order their data will be written.</summary>
    static List<Item> Plan(string path, IReadOnlyDictionary<string, torch.Tensor> tensors)
    {
        var items = new List<Item>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(tensor, $"tensors[\"{name}\"]");
            if (name == "__metadata__")
                throw new InvariscopeException($"{path}: '__metadata__' is reserved and cannot name a tensor");
            var dtype = SafetensorsDType.FromScalarType(tensor.dtype)
                ?? throw new InvariscopeException(
                    $"{path}: tensor '{name}' has dtype {tensor.dtype}, which cannot be saved (supported: {SafetensorsDType.SupportedList})");
            items.Add(new Item(name, Utf8(path, name), tensor, dtype, tensor.NumberOfElements * dtype.ElementSize));
        }
        items.Sort((a, b) => a.DType.LayoutRank != b.DType.LayoutRank
            ? b.DType.LayoutRank.CompareTo(a.DType.LayoutRank)
            : a.Utf8Name.AsSpan().SequenceCompareTo(b.Utf8Name));
        return items;
    }

    /// <summary>The padded header JSON for <paramref name="items"/>, in their order.</summary>
    static byte[] Header(string path, List<Item> items, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new StringBuilder("{");
        if (metadata is not null)
        {
            json.Append("\"__metadata__\":{");
            var keys = metadata.Keys.Select(k => (Key: k, Utf8: Utf8(path, k))).ToList();
            keys.Sort((a, b) => a.Utf8.AsSpan().SequenceCompareTo(b.Utf8));
            for (int i = 0; i < keys.Count; i++)
            {
                string value = metadata[keys[i].Key]
                    ?? throw new ArgumentException($"metadata value '{keys[i].Key}' is null", nameof(metadata));
                Utf8(path, value); // throws the clear error for a value holding a lone surrogate
                json.Append(i == 0 ? "" : ",").AppendJsonString(keys[i].Key).Append(':').AppendJsonString(value);
            }
            json.Append('}').Append(items.Count > 0 ? "," : "");
        }
        long offset = 0;
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            json.Append(i == 0 ? "" : ",").AppendJsonString(item.Name)
                .Append(":{\"dtype\":\"").Append(item.DType.Name)
                .Append("\",\"shape\":[").AppendJoin(',', item.Tensor.shape.Select(Number))
                .Append("],\"data_offsets\":[").Append(Number(offset)).Append(',').Append(Number(offset + item.Bytes))
                .Append("]}");
            offset += item.Bytes;
        }
        json.Append('}');
        int padding = (8 - StrictUtf8.GetByteCount(json.ToString()) % 8) % 8;
        return StrictUtf8.GetBytes(json.Append(' ', padding).ToString());
    }

    /// <summary>Writes a contiguous CPU copy of <paramref name="tensor"/>'s data, disposing the copy.</summary>
    static void WriteData(torch.Tensor tensor, Stream stream, IncrementalHash hash)
    {
        using var scope = torch.NewDisposeScope();
        var cpu = tensor.detach().cpu().contiguous();
        TensorBytes.WriteFrom(cpu, stream, hash);
    }

    static byte[] Utf8(string path, string text)
    {
        try { return StrictUtf8.GetBytes(text); }
        catch (EncoderFallbackException)
        {
            throw new InvariscopeException($"{path}: name or metadata '{text}' is not valid Unicode (a lone surrogate)");
        }
    }

    static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Appends <paramref name="text"/> as a JSON string, escaped exactly as serde_json does.</summary>
    static StringBuilder AppendJsonString(this StringBuilder json, string text)
    {
        json.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }
        return json.Append('"');
    }
}
