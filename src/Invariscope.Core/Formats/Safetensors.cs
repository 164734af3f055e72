using Invariscope.Runtime;
using TorchSharp;

namespace Invariscope.Formats;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8
/// JSON mapping each tensor name to its dtype, shape and data offsets (plus an optional
/// <c>__metadata__</c> object of strings), then the tensors' raw little-endian bytes.
/// </summary>
public static class Safetensors
{
    /// <summary>
    /// Opens <paramref name="path"/>, reading and fully validating its header; tensor data is read on demand
    /// by <see cref="SafetensorsFile.Get"/>. A missing, unreadable or malformed file is an
    /// <see cref="InvariscopeException"/> that names it. Dispose the result to close the file.
    /// </summary>
    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Microsoft.Win32.SafeHandles.SafeFileHandle file;
        try { file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvariscopeException($"{path}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvariscopeException($"{path}: cannot open: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        try { return new SafetensorsFile(path, file, SafetensorsHeader.Read(file, path)); }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Saves <paramref name="tensors"/> (any device, any layout; each is written as a contiguous CPU copy in
    /// its own dtype) and optional <paramref name="metadata"/> to <paramref name="path"/>, byte for byte as
    /// the Python safetensors library would. The write is atomic: a temporary file in the same folder is
    /// flushed to disk, then renamed over <paramref name="path"/>. A dtype safetensors cannot store here
    /// (complex, quantized) or an unwritable path is an <see cref="InvariscopeException"/>.
    /// Returns the SHA-256 of the file's bytes (header and data) as lowercase hex, the digest
    /// <see cref="SafetensorsFile.LoadAll(out string)"/> computes when reading it back.
    /// </summary>
    public static string Save(string path, IReadOnlyDictionary<string, torch.Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null) => SafetensorsWriter.Save(path, tensors, metadata);

    /// <summary>
    /// Splits a command-line tensor reference <c>FILE.safetensors:TENSOR</c>. It splits after the last
    /// <c>.safetensors:</c> when there is one, so tensor names may hold colons; otherwise at the last colon,
    /// so paths may (a Windows drive letter's colon is never taken for the split). No tensor part, or no file part, is an <see cref="InvariscopeException"/>.
    /// </summary>
    public static (string File, string Tensor) ParseTensorRef(string arg)
    {
        ArgumentNullException.ThrowIfNull(arg);
        const string extension = ".safetensors:";
        int split = arg.LastIndexOf(extension, StringComparison.OrdinalIgnoreCase);
        split = split >= 0 ? split + extension.Length - 1 : arg.LastIndexOf(':');
        bool driveOnly = split == 1 && char.IsAsciiLetter(arg[0]) && arg.Length > 2 && arg[2] is '\\' or '/';
        if (split < 0 || driveOnly)
            throw new InvariscopeException($"'{arg}': expected FILE.safetensors:TENSOR, but there is no ':TENSOR' part");
        var (file, tensor) = (arg[..split], arg[(split + 1)..]);
        if (tensor.Length == 0)
            throw new InvariscopeException($"'{arg}': expected FILE.safetensors:TENSOR, but the tensor name after ':' is empty");
        if (file.Length == 0)
            throw new InvariscopeException($"'{arg}': expected FILE.safetensors:TENSOR, but the file before ':' is empty");
        return (file, tensor);
    }
}
