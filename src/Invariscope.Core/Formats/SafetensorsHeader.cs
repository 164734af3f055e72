using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using Invariscope.Runtime;
using Microsoft.Win32.SafeHandles;

namespace Invariscope.Formats;

/// <summary>
/// The parsed and fully validated header of a safetensors file: its tensor entries in data order and its
/// <c>__metadata__</c>. Every way a header can be wrong is an <see cref="InvariscopeException"/> naming the
/// file and, where there is one, the tensor.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The largest header accepted, in bytes (the Python library's limit).</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    const string MetadataKey = "__metadata__";

    /// <summary>The entries, sorted by data offset: the order the tensor data lies in the file.</summary>
    internal required IReadOnlyList<SafetensorsEntry> Entries { get; init; }

    /// <summary>The <c>__metadata__</c> strings; empty when the file has none.</summary>
    internal required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>File position of the data buffer: 8 + the header length.</summary>
    internal required long DataStart { get; init; }

    /// <summary>The file's first <see cref="DataStart"/> bytes as read (length prefix and header JSON), for its digest.</summary>
    internal required byte[] Bytes { get; init; }

    /// <summary>Reads and validates the header of the open file <paramref name="path"/>.</summary>
    internal static SafetensorsHeader Read(SafeFileHandle file, string path)
    {
        long fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
            throw Error(path, $"file is {fileLength} bytes, too short to be safetensors (the header length alone is 8)");
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(file, path, prefix, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        // only a prefix that is no safetensors length is looked at as another format: a real header length can begin
        // with the bytes of a pickle's magic, never with a length this large
        if ((headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8) && ForeignFormat(prefix) is { } foreign)
            throw Error(path, $"not safetensors but {foreign}; convert it in Python: {ConvertHint(path)} (README: \"Bringing your own model\")");
        if (headerLength > MaxHeaderBytes)
            throw Error(path, $"header length {headerLength} is over the {MaxHeaderBytes}-byte limit; not a safetensors file?");
        if ((long)headerLength > fileLength - 8)
            throw Error(path, $"header length {headerLength} runs past the end of the {fileLength}-byte file; truncated?");

        long dataStart = 8 + (long)headerLength;
        var bytes = new byte[dataStart];
        prefix.CopyTo(bytes);
        ReadExactly(file, path, bytes.AsSpan(8), 8);
        var (entries, metadata) = Parse(bytes[8..], path, fileLength - dataStart);
        return new SafetensorsHeader { Entries = entries, Metadata = metadata, DataStart = dataStart, Bytes = bytes };
    }

    /// <summary>
    /// What a file that starts with <paramref name="prefix"/> is when it is a PyTorch checkpoint: <c>torch.save</c>
    /// writes a zip archive (magic <c>PK\x03\x04</c>) since PyTorch 1.6, and a bare pickle (protocol 2 to 5: 0x80 then
    /// the protocol) before; null for anything else. Read as safetensors, either would give a nonsense header length.
    /// </summary>
    internal static string? ForeignFormat(ReadOnlySpan<byte> prefix) => prefix switch
    {
        [(byte)'P', (byte)'K', 3, 4, ..] => "a zip archive: a PyTorch checkpoint (.pth/.pt/.bin saved by torch.save)",
        [0x80, >= 2 and <= 5, ..] => "a Python pickle: a PyTorch checkpoint (.pth/.pt/.pkl) from torch.save before PyTorch 1.6",
        _ => null,
    };

    /// <summary>The Python that turns the PyTorch checkpoint <paramref name="path"/> into safetensors beside it.</summary>
    internal static string ConvertHint(string path) =>
        $"import torch; from safetensors.torch import save_file; sd = torch.load('{path}', map_location='cpu'); " +
        "sd = sd.get('state_dict', sd.get('model', sd)); " +
        $"save_file({{k: v.contiguous() for k, v in sd.items()}}, '{Path.ChangeExtension(path, ".safetensors")}')";

    /// <summary>Parses header JSON whose data buffer is <paramref name="dataLength"/> bytes long.</summary>
    static (List<SafetensorsEntry>, Dictionary<string, string>) Parse(byte[] json, string path, long dataLength)
    {
        if (!Utf8.IsValid(json)) throw Error(path, "header is not valid UTF-8");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Error(path, $"header is not valid JSON: {OneLine(e.Message)}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Error(path, $"header is a JSON {Kind(doc.RootElement)}, expected an object of tensors");
            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in UniqueProperties(doc.RootElement, path, "header: tensor"))
            {
                if (property.Name == MetadataKey) ParseMetadata(property.Value, path, metadata);
                else entries.Add(ParseEntry(property.Name, property.Value, path, dataLength));
            }
            CheckLayout(entries, path, dataLength);
            return (entries, metadata);
        }
    }

    static void ParseMetadata(JsonElement value, string path, Dictionary<string, string> into)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Error(path, $"__metadata__ is a JSON {Kind(value)}, expected an object of strings");
        foreach (var item in UniqueProperties(value, path, "__metadata__: key"))
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Error(path, $"__metadata__ value '{item.Name}' is a JSON {Kind(item.Value)}, expected a string");
            into[item.Name] = item.Value.GetString()!;
        }
    }

    static SafetensorsEntry ParseEntry(string name, JsonElement value, string path, long dataLength)
    {
        string where = $"tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
            throw Error(path, $"{where}: entry is a JSON {Kind(value)}, expected an object with dtype, shape and data_offsets");
        JsonElement? dtypeJson = null, shapeJson = null, offsetsJson = null;
        foreach (var field in UniqueProperties(value, path, $"{where}: field"))
        {
            if (field.Name == "dtype") dtypeJson = field.Value;
            else if (field.Name == "shape") shapeJson = field.Value;
            else if (field.Name == "data_offsets") offsetsJson = field.Value;
        }
        if (dtypeJson is not { } dtypeValue) throw Error(path, $"{where}: entry has no dtype");
        if (shapeJson is not { } shapeValue) throw Error(path, $"{where}: entry has no shape");
        if (offsetsJson is not { } offsetsValue) throw Error(path, $"{where}: entry has no data_offsets");

        if (dtypeValue.ValueKind != JsonValueKind.String)
            throw Error(path, $"{where}: dtype is a JSON {Kind(dtypeValue)}, expected a string such as \"F32\"");
        string dtypeName = dtypeValue.GetString()!;
        var dtype = SafetensorsDType.FromName(dtypeName)
            ?? throw Error(path, $"{where}: unsupported dtype \"{dtypeName}\" (supported: {SafetensorsDType.SupportedList})");

        long[] shape = Integers(shapeValue, path, where, "shape");
        if (shape.Any(d => d < 0)) throw Error(path, $"{where}: shape [{string.Join(",", shape)}] has a negative dimension");
        long[] offsets = Integers(offsetsValue, path, where, "data_offsets");
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < 0)
            throw Error(path, $"{where}: data_offsets must be two non-negative integers [begin, end]");
        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin) throw Error(path, $"{where}: data_offsets [{begin},{end}] end before they begin");
        if (end > dataLength)
            throw Error(path, $"{where}: data_offsets [{begin},{end}] run past the end of the {dataLength}-byte data buffer; truncated?");

        long expected;
        try { expected = checked(shape.Aggregate(1L, (n, d) => n * d) * dtype.ElementSize); }
        catch (OverflowException) { throw Error(path, $"{where}: shape [{string.Join(",", shape)}] is too large"); }
        if (end - begin != expected)
            throw Error(path, $"{where}: {dtype.Name} shape [{string.Join(",", shape)}] needs {expected} bytes but data_offsets [{begin},{end}] hold {end - begin}");
        return new SafetensorsEntry(name, dtype.Name, shape, begin, end);
    }

    /// <summary>Sorts <paramref name="entries"/> by offset and checks they tile the data buffer exactly.</summary>
    static void CheckLayout(List<SafetensorsEntry> entries, string path, long dataLength)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long next = 0;
        string previous = "";
        foreach (var e in entries)
        {
            if (e.Begin > next)
                throw Error(path, $"tensor '{e.Name}': data_offsets [{e.Begin},{e.End}] leave a hole: bytes {next}..{e.Begin} belong to no tensor");
            if (e.Begin < next)
                throw Error(path, $"tensor '{e.Name}': data_offsets [{e.Begin},{e.End}] overlap the data of tensor '{previous}', which ends at {next}");
            (next, previous) = (e.End, e.Name);
        }
        if (next != dataLength)
            throw Error(path, $"data buffer is {dataLength} bytes but the tensors cover only {next}; {dataLength - next} trailing bytes belong to no tensor");
    }

    /// <summary>The properties of <paramref name="obj"/>; a repeated key is an error that calls it <paramref name="what"/>.</summary>
    static IEnumerable<JsonProperty> UniqueProperties(JsonElement obj, string path, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            if (!seen.Add(property.Name)) throw Error(path, $"{what} '{property.Name}' appears twice");
            yield return property;
        }
    }

    static long[] Integers(JsonElement array, string path, string where, string field)
    {
        if (array.ValueKind != JsonValueKind.Array)
            throw Error(path, $"{where}: {field} is a JSON {Kind(array)}, expected an array of integers");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out values[i++]))
                throw Error(path, $"{where}: {field} holds {Snippet(item.GetRawText())}, expected integers");
        }
        return values;
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="position"/>; running out of file is an error.</summary>
    internal static void ReadExactly(SafeFileHandle file, string path, Span<byte> buffer, long position)
    {
        while (!buffer.IsEmpty)
        {
            int n;
            try { n = RandomAccess.Read(file, buffer, position); }
            catch (IOException e) { throw Error(path, $"cannot read at byte {position}: {OneLine(e.Message)}"); }
            if (n == 0) throw Error(path, $"file ends at byte {position}, before the data its header describes; truncated?");
            buffer = buffer[n..];
            position += n;
        }
    }

    internal static InvariscopeException Error(string path, string message) => new($"{path}: {message}");

    static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    static string OneLine(string s) => s.ReplaceLineEndings(" ");

    static string Snippet(string s) => OneLine(s.Length <= 40 ? s : s[..40] + "...");
}
