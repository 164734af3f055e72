using System.Buffers.Binary;
using System.Text;
using Invariscope.Formats;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Tests.Formats;

/// Every malformed file is an InvariscopeException naming the file (and the tensor, where there is one).
public sealed class SafetensorsMalformedTests : IDisposable
{
    readonly TempFolder _temp = new();

    public SafetensorsMalformedTests() => TorchRuntime.Initialize();

    public void Dispose() => _temp.Dispose();

    /// Writes a safetensors file from raw header bytes and data bytes, with the given header length.
    internal static void WriteRaw(string path, byte[] header, byte[] data, ulong? headerLength = null)
    {
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, headerLength ?? (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        stream.Write(data);
    }

    internal static void WriteRaw(string path, string header, byte[] data) => WriteRaw(path, Encoding.UTF8.GetBytes(header), data);

    static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    InvariscopeException OpenFails(string name, string? tensor, params string[] words)
    {
        var path = _temp.File(name);
        var e = Assert.Throws<InvariscopeException>(() => { using var f = Safetensors.Open(path); });
        Assert.Contains(name, e.Message);
        if (tensor is not null) Assert.Contains($"'{tensor}'", e.Message);
        foreach (var word in words) Assert.Contains(word, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    public static TheoryData<string, string, int, string?, string> BadHeaders => new()
    {
        { "not-json", "{\"w\":{\"dtype\":", 0, null, "not valid JSON" },
        { "array-root", "[1,2]", 0, null, "array" },
        { "string-root", "\"hello\"", 0, null, "string" },
        { "entry-not-object", "{\"w\":[1]}", 0, "w", "expected an object" },
        { "no-dtype", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w", "no dtype" },
        { "no-shape", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "w", "no shape" },
        { "no-offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "w", "no data_offsets" },
        { "unknown-dtype", "{" + Entry("w", "F8_E4M3", "[4]", 0, 4) + "}", 4, "w", "unsupported dtype \"F8_E4M3\"" },
        { "dtype-not-string", "{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w", "dtype is a JSON number" },
        { "shape-not-array", "{" + Entry("w", "F32", "\"4\"", 0, 16) + "}", 16, "w", "shape is a JSON string" },
        { "shape-float", "{" + Entry("w", "F32", "[2.5]", 0, 16) + "}", 16, "w", "expected integers" },
        { "negative-dim", "{" + Entry("w", "F32", "[-1,4]", 0, 16) + "}", 16, "w", "negative" },
        { "huge-shape", "{" + Entry("w", "F32", "[9223372036854775807,4]", 0, 16) + "}", 16, "w", "too large" },
        { "end-before-begin", "{" + Entry("w", "F32", "[1]", 4, 0) + "}", 4, "w", "end before" },
        { "three-offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8, "w", "two non-negative" },
        { "negative-offset", "{" + Entry("w", "F32", "[1]", -4, 0) + "}", 4, "w", "two non-negative" },
        { "beyond-buffer", "{" + Entry("w", "F32", "[4]", 0, 16) + "}", 12, "w", "past the end" },
        { "size-mismatch", "{" + Entry("w", "F64", "[4]", 0, 16) + "}", 16, "w", "needs 32 bytes" },
        { "hole", "{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 8, 12) + "}", 12, "b", "hole" },
        { "overlap", "{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[1]", 4, 8) + "}", 8, "b", "overlap the data of tensor 'a'" },
        { "not-from-zero", "{" + Entry("a", "F32", "[1]", 4, 8) + "}", 8, "a", "hole" },
        { "trailing-data", "{" + Entry("a", "F32", "[1]", 0, 4) + "}", 9, null, "5 trailing bytes" },
        { "duplicate-tensor", "{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("a", "F32", "[1]", 4, 8) + "}", 8, "a", "twice" },
        { "duplicate-field", "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "twice" },
        { "metadata-not-object", "{\"__metadata__\":[\"x\"]}", 0, null, "__metadata__" },
        { "metadata-not-string", "{\"__metadata__\":{\"epochs\":3}}", 0, "epochs", "expected a string" },
        { "metadata-duplicate", "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "k", "twice" },
    };

    [Theory, MemberData(nameof(BadHeaders))]
    public void MalformedHeadersAreClearErrors(string name, string header, int dataBytes, string? tensor, string words)
    {
        WriteRaw(_temp.File(name + ".safetensors"), header, new byte[dataBytes]);
        OpenFails(name + ".safetensors", tensor, words);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(7)]
    public void FilesShorterThanEightBytesAreClearErrors(int length)
    {
        File.WriteAllBytes(_temp.File("short.safetensors"), new byte[length]);
        OpenFails("short.safetensors", null, "too short");
    }

    [Theory]
    [InlineData(1000UL, "past the end")]
    [InlineData(100_000_001UL, "limit")]
    [InlineData(ulong.MaxValue, "limit")]
    public void BadHeaderLengthsAreClearErrors(ulong headerLength, string words)
    {
        WriteRaw(_temp.File("len.safetensors"), "{}"u8.ToArray(), new byte[16], headerLength);
        OpenFails("len.safetensors", null, words);
    }

    [Fact]
    public void InvalidUtf8IsAClearError()
    {
        WriteRaw(_temp.File("utf8.safetensors"), [(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []);
        OpenFails("utf8.safetensors", null, "UTF-8");
    }

    [Fact]
    public void MissingFilesAndFoldersAreClearErrors()
    {
        OpenFails("absent.safetensors", null, "no such file");
        var e = Assert.Throws<InvariscopeException>(() => Safetensors.Open(_temp.Path));
        Assert.Contains(_temp.Path, e.Message);
    }

    [Fact]
    public void UnknownTensorNamesListNearbyNames()
    {
        var path = _temp.File("names.safetensors");
        var tensors = Enumerable.Range(0, 12).ToDictionary(i => $"blocks.{i}.mlp.fc1.weight", _ => ones(1));
        Safetensors.Save(path, tensors);
        foreach (var t in tensors.Values) t.Dispose();

        using var file = Safetensors.Open(path);
        var e = Assert.Throws<InvariscopeException>(() => file.Get("blocks.11.mlp.fc2.weight"));
        Assert.Contains("names.safetensors", e.Message);
        Assert.Contains("'blocks.11.mlp.fc2.weight'", e.Message);
        Assert.Contains("blocks.11.mlp.fc1.weight", e.Message);
        Assert.Contains("12 in all", e.Message);
        Assert.Throws<InvariscopeException>(() => file.Info("nope"));
        Assert.False(file.Contains("nope"));
        Assert.True(file.Contains("blocks.3.mlp.fc1.weight"));
    }

    /// A small file of every supported dtype, with metadata, scalars and an empty tensor.
    byte[] SmallMixedFile()
    {
        var path = _temp.File("full.safetensors");
        using var a = arange(6, ScalarType.Float32).reshape(2, 3);
        using var b = tensor(new long[] { 1, -2 });
        using var c = tensor(2.5).to_type(ScalarType.BFloat16);
        using var d = tensor(new[] { true, false });
        using var e = zeros(0, 3, ScalarType.Float16);
        using var f = tensor(new sbyte[] { -1, 1, 3 });
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["c"] = c, ["d"] = d, ["e"] = e, ["f"] = f },
            new Dictionary<string, string> { ["ctor"] = "{}" });
        return File.ReadAllBytes(path);
    }

    static void AssertTruncatedFails(string path, byte[] full, int length)
    {
        File.WriteAllBytes(path, full[..length]);
        try
        {
            using var file = Safetensors.Open(path);
            foreach (var t in file.LoadAll().Values) t.Dispose();
        }
        catch (InvariscopeException e)
        {
            Assert.Contains(Path.GetFileName(path), e.Message);
            return;
        }
        Assert.Fail($"truncated to {length} of {full.Length} bytes, the file opened without error");
    }

    [Fact]
    public void EveryTruncationOfASmallFileIsAClearError()
    {
        var full = SmallMixedFile();
        var path = _temp.File("cut.safetensors");
        for (int length = 0; length < full.Length; length++) AssertTruncatedFails(path, full, length);
        File.WriteAllBytes(path, full);
        using var ok = Safetensors.Open(path);
        Assert.Equal(6, ok.Names.Count);
    }

    [Fact]
    public void TruncationsOfARealCheckpointAreClearErrors()
    {
        var full = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "timm_vit_tiny32.safetensors"));
        long header = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(full);
        var lengths = Enumerable.Range(0, 64)
            .Concat(Enumerable.Range((int)header - 64, 128))
            .Concat(Enumerable.Range(0, full.Length / 7919).Select(i => i * 7919))
            .Concat(Enumerable.Range(full.Length - 64, 64))
            .Distinct();
        var path = _temp.File("cut-timm.safetensors");
        foreach (var length in lengths) AssertTruncatedFails(path, full, length);
    }

    [Fact]
    public void AFileThatShrinksAfterOpeningIsAClearErrorOnRead()
    {
        var path = _temp.File("shrinks.safetensors");
        File.WriteAllBytes(path, SmallMixedFile());
        using var file = Safetensors.Open(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            stream.SetLength(stream.Length - 10);
        var e = Assert.Throws<InvariscopeException>(() => { foreach (var t in file.LoadAll().Values) t.Dispose(); });
        Assert.Contains("shrinks.safetensors", e.Message);
        Assert.Contains("truncated", e.Message);
    }
}
