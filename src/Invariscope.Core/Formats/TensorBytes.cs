using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Invariscope.Formats;

/// <summary>
/// Moves the raw bytes of a contiguous CPU tensor to and from files without staging the whole tensor in
/// managed memory: each chunk is a span over the tensor's own native storage.
/// </summary>
internal static class TensorBytes
{
    /// <summary>Bytes per chunk: spans are int-sized, so tensors over 2 GiB go through in several.</summary>
    internal const long DefaultChunkBytes = 1L << 30;

    /// <summary>
    /// Fills the contiguous CPU tensor <paramref name="tensor"/> from the file at <paramref name="position"/>,
    /// adding the bytes read to <paramref name="hash"/> when given.
    /// </summary>
    internal static void ReadInto(torch.Tensor tensor, SafeFileHandle file, string path, long position,
        IncrementalHash? hash = null, long chunkBytes = DefaultChunkBytes)
    {
        ForEachChunk(tensor, chunkBytes, (span, offset) =>
        {
            SafetensorsHeader.ReadExactly(file, path, span, position + offset);
            hash?.AppendData(span);
        });
    }

    /// <summary>
    /// Writes the bytes of the contiguous CPU tensor <paramref name="tensor"/> to <paramref name="stream"/>,
    /// adding them to <paramref name="hash"/> when given.
    /// </summary>
    internal static void WriteFrom(torch.Tensor tensor, Stream stream, IncrementalHash? hash = null, long chunkBytes = DefaultChunkBytes)
    {
        ForEachChunk(tensor, chunkBytes, (span, _) =>
        {
            stream.Write(span);
            hash?.AppendData(span);
        });
    }

    delegate void ChunkAction(Span<byte> chunk, long byteOffset);

    static void ForEachChunk(torch.Tensor tensor, long chunkBytes, ChunkAction action)
    {
        long count = tensor.NumberOfElements;
        if (count == 0) return;
        long elementSize = tensor.element_size();
        if (count * elementSize <= chunkBytes)
        {
            action(tensor.bytes, 0);
            return;
        }
        long perChunk = Math.Max(1, chunkBytes / elementSize);
        using var flat = tensor.view(-1);
        for (long start = 0; start < count; start += perChunk)
        {
            using var chunk = flat.narrow(0, start, Math.Min(perChunk, count - start));
            action(chunk.bytes, start * elementSize);
        }
    }
}
