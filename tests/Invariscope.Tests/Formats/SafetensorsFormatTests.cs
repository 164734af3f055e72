using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Invariscope.Formats;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Tests.Formats;

/// Reading files the Python library wrote, and writing the exact bytes it would write.
public sealed class SafetensorsFormatTests : IDisposable
{
    readonly TempFolder _temp = new();

    public SafetensorsFormatTests() => TorchRuntime.Initialize();

    public void Dispose() => _temp.Dispose();

    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    static string HeaderOf(byte[] file)
    {
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return Encoding.UTF8.GetString(file, 8, (int)n);
    }

    [Fact]
    public void ReadsCkaInputsWrittenByPython()
    {
        using var file = Safetensors.Open(Fixture("cka_inputs.safetensors"));
        Assert.Equal(new[] { "X", "Y", "Z" }, file.Names);
        Assert.Empty(file.Metadata);
        var info = file.Info("X");
        Assert.Equal(("F64", 0L, 8000L), (info.DType, info.Begin, info.End));
        Assert.Equal(new long[] { 50, 20 }, info.Shape);
        using var x = file.Get("X");
        using var y = file.Get("Y");
        using var z = file.Get("Z");
        Assert.Equal(ScalarType.Float64, x.dtype);
        Assert.Equal(new long[] { 50, 30 }, y.shape);
        Assert.Equal(new long[] { 50, 7 }, z.shape);
        Assert.True(x.isfinite().all().item<bool>());
        Assert.True(x.std().item<double>() > 0);
    }

    [Fact]
    public void ReadsTimmCheckpointAndItsCtorMetadata()
    {
        using var file = Safetensors.Open(Fixture("timm_vit_tiny32.safetensors"));
        using var ctor = JsonDocument.Parse(file.Metadata["ctor"]);
        Assert.Equal(64, ctor.RootElement.GetProperty("embed_dim").GetInt32());
        Assert.Equal(4, ctor.RootElement.GetProperty("depth").GetInt32());
        Assert.Equal(57 - 1, file.Names.Count);
        Assert.Equal(file.Names.Order(StringComparer.Ordinal), file.Names);
        Assert.Equal(new long[] { 192, 64 }, file.Info("blocks.0.attn.qkv.weight").Shape);
        using var patch = file.Get("patch_embed.proj.weight");
        Assert.Equal(new long[] { 64, 3, 4, 4 }, patch.shape);
        Assert.Equal(ScalarType.Float32, patch.dtype);
    }

    [Fact]
    public void ReadsHfCheckpointAndExpectedOutputs()
    {
        using var weights = Safetensors.Open(Fixture("hf_vit_tiny32.safetensors"));
        Assert.StartsWith("transformers", weights.Metadata["source"]);
        Assert.Equal(new long[] { 10, 64 }, weights.Info("classifier.weight").Shape);
        using var expected = Safetensors.Open(Fixture("hf_vit_tiny32_expected.safetensors"));
        var all = expected.LoadAll();
        try
        {
            Assert.Equal(new long[] { 6, 65, 64 }, all["hidden0"].shape);
            Assert.Equal(new long[] { 6, 10 }, all["logits"].shape);
        }
        finally { foreach (var t in all.Values) t.Dispose(); }
    }

    [Theory]
    [InlineData("cka_inputs.safetensors")]
    [InlineData("timm_vit_tiny32.safetensors")]
    [InlineData("hf_vit_tiny32.safetensors")]
    [InlineData("timm_vit_tiny32_expected.safetensors")]
    [InlineData("hf_vit_tiny32_expected.safetensors")]
    public void ResavingAPythonFileReproducesItByteForByte(string name)
    {
        var path = _temp.File(name);
        using (var file = Safetensors.Open(Fixture(name)))
        {
            var tensors = file.LoadAll();
            try { Safetensors.Save(path, tensors, file.Metadata.Count > 0 ? file.Metadata.ToDictionary() : null); }
            finally { foreach (var t in tensors.Values) t.Dispose(); }
        }
        Assert.Equal(File.ReadAllBytes(Fixture(name)), File.ReadAllBytes(path));
    }

    // The next two expectations are the byte strings the safetensors library's own tests pin down.
    [Fact]
    public void WritesTheLibrarysBytesForOneTensor()
    {
        var path = _temp.File("attn.safetensors");
        using var attn = arange(6, ScalarType.Float32).reshape(1, 2, 3);
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["attn.0"] = attn });

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(8 + 64 + 24, bytes.Length);
        Assert.Equal(64UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", HeaderOf(bytes));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64 }, bytes[72..]);

        using var attn4 = attn.reshape(1, 1, 2, 3);
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["attn0"] = attn4 });
        Assert.Equal("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ",
            HeaderOf(File.ReadAllBytes(path)));
    }

    [Fact]
    public void WritesTheLibrarysBytesForNoTensors()
    {
        var path = _temp.File("empty.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor>());
        byte[] expected = [8, 0, 0, 0, 0, 0, 0, 0, .. "{}      "u8];
        Assert.Equal(expected, File.ReadAllBytes(path));

        Safetensors.Save(path, new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["framework"] = "pt" });
        expected = [40, 0, 0, 0, 0, 0, 0, 0, .. "{\"__metadata__\":{\"framework\":\"pt\"}}     "u8];
        Assert.Equal(expected, File.ReadAllBytes(path));
        using var file = Safetensors.Open(path);
        Assert.Empty(file.Names);
        Assert.Equal("pt", file.Metadata["framework"]);
    }

    [Fact]
    public void LaysOutMixedDTypesLargestFirstThenByName()
    {
        var path = _temp.File("mixed.safetensors");
        using var flag = tensor(new[] { true, false, true });
        using var half = zeros(2, ScalarType.Float16);
        using var b = zeros(2, ScalarType.Float32);
        using var a = zeros(2, ScalarType.Float32);
        using var index = tensor(new long[] { 7 });
        using var dbl = tensor(1.0);
        Safetensors.Save(path, new Dictionary<string, Tensor>
        {
            ["flag"] = flag, ["half"] = half, ["b"] = b, ["a"] = a, ["index"] = index, ["double"] = dbl,
        }, new Dictionary<string, string> { ["z"] = "last", ["a"] = "fi\"rst\u0001" });

        var bytes = File.ReadAllBytes(path);
        string header = HeaderOf(bytes);
        Assert.Equal(0, header.Length % 8);
        Assert.Equal(
            "{\"__metadata__\":{\"a\":\"fi\\\"rst\\u0001\",\"z\":\"last\"}," +
            "\"index\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}," +
            "\"double\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[8,16]}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}," +
            "\"half\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[32,36]}," +
            "\"flag\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[36,39]}}",
            header.TrimEnd(' '));
        Assert.Equal(8 + header.Length + 39, bytes.Length);
        Assert.Equal(new byte[] { 1, 0, 1 }, bytes[^3..]);

        using var file = Safetensors.Open(path);
        Assert.Equal(new[] { "index", "double", "a", "b", "half", "flag" }, file.Names);
        Assert.Equal("fi\"rst\u0001", file.Metadata["a"]);
    }

    [Fact]
    public void AcceptsEntriesInAnyHeaderOrderAndExtraFields()
    {
        // Older writers sorted by name rather than by offset; Names follows the data order.
        var path = _temp.File("order.safetensors");
        SafetensorsMalformedTests.WriteRaw(path,
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3],\"extra\":1},\"b\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[0,1]}}",
            new byte[] { 9, 1, 2 });
        using var file = Safetensors.Open(path);
        Assert.Equal(new[] { "b", "a" }, file.Names);
        using var a = file.Get("a");
        Assert.Equal(new byte[] { 1, 2 }, a.data<byte>().ToArray());
    }

    [Theory]
    [InlineData("model.safetensors:blocks.0.attn.qkv.weight", "model.safetensors", "blocks.0.attn.qkv.weight")]
    [InlineData("/runs/a:b/ft.safetensors:logits", "/runs/a:b/ft.safetensors", "logits")]
    [InlineData("m.safetensors:name:with:colons", "m.safetensors", "name:with:colons")]
    [InlineData("weights.bin:x", "weights.bin", "x")]
    [InlineData("C:\\ckpt\\m.safetensors:head.weight", "C:\\ckpt\\m.safetensors", "head.weight")]
    public void ParsesTensorRefs(string arg, string file, string tensor) =>
        Assert.Equal((file, tensor), Safetensors.ParseTensorRef(arg));

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("model.safetensors:")]
    [InlineData(":logits")]
    [InlineData("C:\\ckpt\\model.bin")]
    public void RejectsTensorRefsWithoutBothParts(string arg)
    {
        var e = Assert.Throws<InvariscopeException>(() => Safetensors.ParseTensorRef(arg));
        Assert.Contains(arg, e.Message);
        Assert.Contains("FILE.safetensors:TENSOR", e.Message);
    }
}
