using System.Buffers.Binary;
using System.Text;

namespace Invariscope.Tests.Formats;

/// <summary>
/// Reads TensorBoard event files for the tests, independently of any writer: TFRecord framing (u64 length, masked
/// CRC32C of the length, the bytes, masked CRC32C of the bytes) with both checksums verified by a bitwise CRC32C,
/// and the few protobuf fields of <c>tensorflow.Event</c> a scalar log uses.
/// </summary>
static class TfEventsReader
{
    /// <summary>One event: wall time (s since 1970), step, file version (first event only), and its scalars (tag, value).</summary>
    public sealed record Event(double WallTime, long Step, string? FileVersion, List<(string Tag, float Value)> Scalars);

    public static List<Event> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        for (int at = 0; at < bytes.Length;)
        {
            Assert.True(bytes.Length - at >= 16, $"{path}: a truncated record at byte {at}");
            var length = bytes.AsSpan(at, 8);
            Assert.Equal(Masked(Crc32C(length)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)));
            int n = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(length));
            var data = bytes.AsSpan(at + 12, n);
            Assert.Equal(Masked(Crc32C(data)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + n, 4)));
            events.Add(ParseEvent(data.ToArray()));
            at += 12 + n + 4;
        }
        return events;
    }

    /// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>TFRecord's mask: rotate right by 15 bits and add a constant.</summary>
    public static uint Masked(uint crc) => ((crc >> 15) | (crc << 17)) + 0xa282ead8;

    static Event ParseEvent(byte[] data)
    {
        double wall = 0;
        long step = 0;
        string? version = null;
        var scalars = new List<(string, float)>();
        foreach (var (field, wire, value, bytes) in Fields(data))
            switch (field)
            {
                case 1 when wire == 1: wall = BitConverter.Int64BitsToDouble((long)value); break;
                case 2 when wire == 0: step = (long)value; break;
                case 3 when wire == 2: version = Encoding.UTF8.GetString(bytes!); break;
                case 5 when wire == 2:
                    foreach (var (f, w, _, v) in Fields(bytes!))
                        if (f == 1 && w == 2) scalars.Add(ParseValue(v!));
                    break;
            }
        return new(wall, step, version, scalars);
    }

    static (string, float) ParseValue(byte[] data)
    {
        string tag = "";
        float value = float.NaN;
        foreach (var (field, wire, v, bytes) in Fields(data))
        {
            if (field == 1 && wire == 2) tag = Encoding.UTF8.GetString(bytes!);
            if (field == 2 && wire == 5) value = BitConverter.Int32BitsToSingle((int)v);
        }
        return (tag, value);
    }

    /// <summary>The fields of a protobuf message: number, wire type, the number (varint, fixed64, fixed32) or the bytes (length-delimited).</summary>
    static IEnumerable<(int Field, int Wire, ulong Value, byte[]? Bytes)> Fields(byte[] data)
    {
        int at = 0;
        ulong Varint()
        {
            ulong v = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = data[at++];
                v |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return v;
            }
        }
        while (at < data.Length)
        {
            ulong key = Varint();
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return (field, wire, Varint(), null); break;
                case 1: yield return (field, wire, BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(at, 8)), null); at += 8; break;
                case 5: yield return (field, wire, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at, 4)), null); at += 4; break;
                case 2:
                    int n = (int)Varint();
                    yield return (field, wire, 0, data[at..(at + n)]);
                    at += n;
                    break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
    }
}
