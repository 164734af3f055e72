using Invariscope.Formats;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Tests.Formats;

public sealed class SafetensorsRoundTripTests : IDisposable
{
    readonly TempFolder _temp = new();

    public SafetensorsRoundTripTests() => TorchRuntime.Initialize();

    public void Dispose() => _temp.Dispose();

    /// A tensor of the dtype with awkward values: extremes, negative zero, NaN and infinities where they exist.
    static Tensor Sample(string dtype) => dtype switch
    {
        "F32" => tensor(new[] { 0f, -0f, 1.5f, float.MaxValue, float.Epsilon, float.NaN, float.NegativeInfinity, -3.25f }).reshape(2, 4),
        "F64" => tensor(new[] { 0d, -0d, Math.PI, double.MaxValue, double.Epsilon, double.NaN, double.PositiveInfinity }).reshape(7, 1),
        "F16" => tensor(new[] { 0f, -0f, 65504f, 6e-8f, float.NaN, float.NegativeInfinity }).to_type(ScalarType.Float16).reshape(3, 2),
        "BF16" => tensor(new[] { 0f, -0f, 3e38f, 1e-38f, float.NaN, float.PositiveInfinity }).to_type(ScalarType.BFloat16).reshape(1, 6, 1),
        "I64" => tensor(new[] { long.MinValue, long.MaxValue, 0, -1, 42 }),
        "I32" => tensor(new[] { int.MinValue, int.MaxValue, 0, -1 }).reshape(2, 2),
        "I16" => tensor(new short[] { short.MinValue, short.MaxValue, 0, -1, 7, 8 }).reshape(2, 3),
        "I8" => tensor(new sbyte[] { sbyte.MinValue, sbyte.MaxValue, 0, -1 }),
        "U8" => tensor(new byte[] { 0, 1, 127, 128, 255, 9 }).reshape(3, 2),
        "BOOL" => tensor(new[] { true, false, false, true, true }),
        _ => throw new ArgumentException(dtype),
    };

    static ScalarType TorchType(string dtype) => Sample(dtype).dtype;

    static readonly string[] AllDTypes = ["F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"];

    public static TheoryData<string> DTypes => new(AllDTypes);

    static void AssertSame(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(DeviceType.CPU, actual.device_type);
        using var contiguous = expected.contiguous();
        Assert.Equal(contiguous.bytes.ToArray(), actual.bytes.ToArray());
    }

    [Theory, MemberData(nameof(DTypes))]
    public void EveryDTypeRoundTripsBitExactly(string dtype)
    {
        using var original = Sample(dtype);
        var path = _temp.File($"{dtype}.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["t"] = original });

        using var file = Safetensors.Open(path);
        Assert.Equal(dtype, file.Info("t").DType);
        Assert.Equal(original.shape, file.Info("t").Shape);
        using var loaded = file.Get("t");
        AssertSame(original, loaded);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void ScalarsAndEmptyTensorsRoundTrip(string dtype)
    {
        using var sample = Sample(dtype);
        using var flat = sample.flatten();
        using var scalar = flat[2]; // a view at a storage offset; element 2 differs from element 0 in every sample
        using var empty = torch.empty(new long[] { 3, 0, 2 }, TorchType(dtype));
        var path = _temp.File("edge.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["scalar"] = scalar, ["empty"] = empty });

        using var file = Safetensors.Open(path);
        Assert.Equal(Array.Empty<long>(), file.Info("scalar").Shape);
        Assert.Equal(0, file.Info("empty").ByteLength);
        using var s = file.Get("scalar");
        using var e = file.Get("empty");
        AssertSame(scalar, s);
        using var expected64 = scalar.to_type(ScalarType.Float64);
        using var actual64 = s.to_type(ScalarType.Float64);
        Assert.Equal(expected64.item<double>(), actual64.item<double>());
        AssertSame(empty, e);
    }

    [Fact]
    public void MixedDTypesAndMetadataRoundTripThroughLoadAll()
    {
        var tensors = AllDTypes.ToDictionary(d => "w." + d, Sample);
        var metadata = new Dictionary<string, string> { ["ctor"] = "{\"depth\": 4}", ["note"] = "tab\there, ünïcode, \"quotes\" \\ and\nnewline" };
        var path = _temp.File("mixed.safetensors");
        Safetensors.Save(path, tensors, metadata);

        using var file = Safetensors.Open(path);
        Assert.Equal(metadata, file.Metadata);
        var loaded = file.LoadAll();
        try
        {
            Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
            foreach (var (name, t) in tensors) AssertSame(t, loaded[name]);
        }
        finally
        {
            foreach (var t in loaded.Values.Concat(tensors.Values)) t.Dispose();
        }
    }

    [Fact]
    public void NonContiguousTensorsAreSavedInLogicalOrder()
    {
        using var matrix = arange(12, ScalarType.Float32).reshape(3, 4);
        using var transposed = matrix.t();
        Assert.False(transposed.is_contiguous());
        var path = _temp.File("t.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["t"] = transposed });

        using var file = Safetensors.Open(path);
        using var loaded = file.Get("t");
        Assert.Equal(new long[] { 4, 3 }, loaded.shape);
        Assert.Equal(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, loaded.data<float>().ToArray());
    }

    [Fact]
    public void SavingLeavesTheCallersTensorsUsable()
    {
        using var weight = ones(2, 2);
        var path = _temp.File("w.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["w"] = weight });
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["w"] = weight });
        Assert.Equal(4f, weight.sum().item<float>());
    }

    [Fact]
    public void SaveIsAtomicAndLeavesNoTempFileBehind()
    {
        var path = _temp.File("model.safetensors");
        using var a = ones(4);
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a });
        using (var reader = Safetensors.Open(path))
        {
            // Overwrite while a reader holds the old file open: the reader keeps seeing the old data.
            using var b = zeros(8, ScalarType.Float64);
            Safetensors.Save(path, new Dictionary<string, Tensor> { ["b"] = b });
            using var old = reader.Get("a");
            Assert.Equal(4f, old.sum().item<float>());
        }
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
        using var file = Safetensors.Open(path);
        Assert.Equal(new[] { "b" }, file.Names);
    }

    [Fact]
    public void FailedSaveLeavesNeitherTargetNorTempFile()
    {
        var path = _temp.File("bad.safetensors");
        using var ok = ones(3);
        using var complex = ones(2, ScalarType.ComplexFloat32);
        var e = Assert.Throws<InvariscopeException>(() =>
            Safetensors.Save(path, new Dictionary<string, Tensor> { ["ok"] = ok, ["z"] = complex }));
        Assert.Contains("bad.safetensors", e.Message);
        Assert.Contains("'z'", e.Message);
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void SavingIntoAMissingFolderIsAClearError()
    {
        var path = Path.Combine(_temp.Path, "no-such-folder", "x.safetensors");
        using var t = ones(1);
        var e = Assert.Throws<InvariscopeException>(() => Safetensors.Save(path, new Dictionary<string, Tensor> { ["t"] = t }));
        Assert.Contains("x.safetensors", e.Message);
    }

    [Fact]
    public void MetadataKeyCannotNameATensor()
    {
        using var t = ones(1);
        var e = Assert.Throws<InvariscopeException>(() =>
            Safetensors.Save(_temp.File("m.safetensors"), new Dictionary<string, Tensor> { ["__metadata__"] = t }));
        Assert.Contains("__metadata__", e.Message);
    }

    [Fact]
    public void ChunkedCopiesMatchSingleCopies()
    {
        // Tensors over 2 GiB go through TensorBytes in chunks; exercise that path with tiny chunks.
        using var original = randn(5, 7, dtype: ScalarType.Float64);
        var path = _temp.File("chunks.bin");
        using (var stream = File.Create(path)) TensorBytes.WriteFrom(original, stream, chunkBytes: 24);
        Assert.Equal(original.bytes.ToArray(), File.ReadAllBytes(path));

        using var handle = File.OpenHandle(path);
        using var loaded = empty(new long[] { 5, 7 }, ScalarType.Float64);
        TensorBytes.ReadInto(loaded, handle, path, 0, chunkBytes: 40);
        Assert.Equal(original.data<double>().ToArray(), loaded.data<double>().ToArray());
    }
}
