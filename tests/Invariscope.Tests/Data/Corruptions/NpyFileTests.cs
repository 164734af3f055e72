using System.Text;
using Invariscope.Data.Corruptions;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data.CorruptionTests;

public sealed class NpyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npy-corrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static byte[] NumpyFile(byte major, string dict, byte[] data)
    {
        int prefix = major == 1 ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - prefix - 1) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        if (major == 1) bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        else bytes.AddRange(BitConverter.GetBytes((uint)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    [Fact]
    public void Uint8_images_round_trip()
    {
        var data = Enumerable.Range(0, 2 * 3 * 4 * 3).Select(i => (byte)(i * 7)).ToArray();
        NpyFile.WriteUInt8(PathOf("a.npy"), data, [2, 3, 4, 3]);
        var read = NpyFile.ReadUInt8(PathOf("a.npy"), out var header);
        Assert.Equal(data, read);
        Assert.Equal([2L, 3, 4, 3], header.Shape);
        Assert.Equal("|u1", header.Descr);
        Assert.Equal(0, header.DataOffset % 64);
    }

    [Fact]
    public void Int64_labels_round_trip_with_numpys_exact_header()
    {
        long[] labels = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
        NpyFile.WriteInt64(PathOf("labels.npy"), labels);
        Assert.Equal(labels, NpyFile.ReadIntegers(PathOf("labels.npy")));
        var bytes = File.ReadAllBytes(PathOf("labels.npy"));
        var expected = NumpyFile(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (10,), }", labels.SelectMany(BitConverter.GetBytes).ToArray());
        Assert.Equal(expected, bytes);
        Assert.Equal(128 + 80, bytes.Length);
    }

    [Fact]
    public void Reads_a_hand_built_numpy_file_of_each_integer_type()
    {
        File.WriteAllBytes(PathOf("u1.npy"), NumpyFile(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", [7, 0, 255]));
        Assert.Equal([7L, 0, 255], NpyFile.ReadIntegers(PathOf("u1.npy")));
        File.WriteAllBytes(PathOf("i4.npy"), NumpyFile(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", [.. BitConverter.GetBytes(-2), .. BitConverter.GetBytes(70000)]));
        Assert.Equal([-2L, 70000], NpyFile.ReadIntegers(PathOf("i4.npy")));
    }

    [Fact]
    public void Reads_a_version_2_header()
    {
        File.WriteAllBytes(PathOf("v2.npy"), NumpyFile(2, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), }", [1, 2, 3, 4]));
        var data = NpyFile.ReadUInt8(PathOf("v2.npy"), out var header);
        Assert.Equal([1, 2, 3, 4], data);
        Assert.Equal([1L, 2, 2], header.Shape);
    }

    [Fact]
    public void Bad_files_are_user_errors_naming_the_file()
    {
        File.WriteAllBytes(PathOf("magic.npy"), Encoding.ASCII.GetBytes("PK\x03\x04 not numpy at all"));
        File.WriteAllBytes(PathOf("fortran.npy"), NumpyFile(1, "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2), }", [1, 2, 3, 4]));
        File.WriteAllBytes(PathOf("short.npy"), NumpyFile(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (10, 32, 32, 3), }", new byte[100]));
        File.WriteAllBytes(PathOf("float.npy"), NumpyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]));
        File.WriteAllBytes(PathOf("object.npy"), NumpyFile(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", new byte[8]));
        foreach (var (file, words) in new[] { ("magic.npy", "magic"), ("fortran.npy", "Fortran"), ("short.npy", "truncated"), ("missing.npy", "not found") })
            Assert.Contains(words, Assert.Throws<InvariscopeException>(() => NpyFile.ReadHeader(PathOf(file))).Message);
        Assert.Contains("float.npy", Assert.Throws<InvariscopeException>(() => NpyFile.ReadIntegers(PathOf("float.npy"))).Message);
        Assert.Contains("object.npy", Assert.Throws<InvariscopeException>(() => NpyFile.ReadHeader(PathOf("object.npy"))).Message);
        Assert.Contains(PathOf("fortran.npy"), Assert.Throws<InvariscopeException>(() => NpyFile.ReadHeader(PathOf("fortran.npy"))).Message);
    }
}
