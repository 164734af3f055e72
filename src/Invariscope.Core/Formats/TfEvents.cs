using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Invariscope.Formats;

/// <summary>One TensorBoard event of scalars: its time (seconds since 1970), its step and (tag, value) pairs.</summary>
/// <param name="WallTime">Seconds since 1970-01-01 UTC.</param>
/// <param name="Step">The x value TensorBoard plots against (here the epoch).</param>
/// <param name="Scalars">Tag (e.g. <c>train/loss</c>) and value.</param>
public sealed record ScalarEvent(double WallTime, long Step, IReadOnlyList<(string Tag, float Value)> Scalars);

/// <summary>
/// TensorBoard event files, as much as a scalar log needs: TFRecord framing (u64 length, masked CRC-32C of the
/// length, the bytes, masked CRC-32C of the bytes) around <c>tensorflow.Event</c> protos (wall_time = 1, step = 2,
/// file_version = 3, summary = 5 of <c>Summary.Value</c>{tag = 1, simple_value = 2}). The first event says the file
/// version. Written whole, so a file is a pure function of its events and can be replaced atomically.
/// </summary>
public static class TfEvents
{
    /// <summary>The bytes of an event file holding <paramref name="events"/> (after the version event, timed as the first).</summary>
    public static byte[] Encode(IReadOnlyList<ScalarEvent> events)
    {
        using var file = new MemoryStream();
        using var version = new MemoryStream();
        Double(version, 1, events.Count > 0 ? events[0].WallTime : 0);
        Bytes(version, 3, Encoding.UTF8.GetBytes("brain.Event:2"));
        Record(file, version.ToArray());
        foreach (var e in events)
        {
            using var summary = new MemoryStream();
            foreach (var (tag, value) in e.Scalars)
            {
                using var v = new MemoryStream();
                Bytes(v, 1, Encoding.UTF8.GetBytes(tag));
                Key(v, 2, 5);
                Fixed32(v, value);
                Bytes(summary, 1, v.ToArray());
            }
            using var evt = new MemoryStream();
            Double(evt, 1, e.WallTime);
            Key(evt, 2, 0);
            Varint(evt, (ulong)e.Step);
            Bytes(evt, 5, summary.ToArray());
            Record(file, evt.ToArray());
        }
        return file.ToArray();
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>, as TFRecord's checksums use it before masking.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }

    static void Record(Stream file, byte[] data)
    {
        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(head, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(head[8..], Masked(head[..8]));
        file.Write(head);
        file.Write(data);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, Masked(data));
        file.Write(tail);
    }

    static void Key(Stream s, int field, int wire) => Varint(s, (ulong)(field << 3 | wire));

    static void Varint(Stream s, ulong v)
    {
        for (; v >= 0x80; v >>= 7) s.WriteByte((byte)(v | 0x80));
        s.WriteByte((byte)v);
    }

    static void Fixed32(Stream s, float v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, v);
        s.Write(b);
    }

    static void Double(Stream s, int field, double v)
    {
        Key(s, field, 1);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, v);
        s.Write(b);
    }

    static void Bytes(Stream s, int field, byte[] bytes)
    {
        Key(s, field, 2);
        Varint(s, (ulong)bytes.Length);
        s.Write(bytes);
    }
}
