using System.Text.Json.Nodes;
using Invariscope.Formats;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Checkpoints;

/// <summary>
/// The checks every load of a checkpoint file makes. A run's sidecar (<c>epoch_NNN.json</c>) records the SHA-256
/// of each file of its epoch under <c>files</c> (<c>{"epoch_003.safetensors": {"sha256": "…"}, …}</c>, keyed by
/// file name so a moved run still verifies); the digest covers the whole file, header and data, so a flipped bit
/// in a tensor or a dtype changed in the header is caught. A file without a sidecar (timm, Hugging Face, a copy),
/// or whose sidecar predates the digests, cannot be verified that way; for every file, every floating tensor must
/// be finite. Each failure is one <see cref="InvariscopeException"/> naming the file (and the tensor).
/// </summary>
public static class CheckpointIntegrity
{
    /// <summary>The sidecar field that holds the digests.</summary>
    public const string FilesKey = "files";

    /// <summary>The sidecar's <see cref="FilesKey"/> object for <paramref name="files"/> (path and SHA-256 of each).</summary>
    public static JsonObject Record(IEnumerable<(string Path, string Sha256)> files)
    {
        var node = new JsonObject();
        foreach (var (path, sha256) in files) node[Path.GetFileName(path)] = new JsonObject { ["sha256"] = sha256 };
        return node;
    }

    /// <summary>
    /// The SHA-256 that <paramref name="sidecarPath"/> records for <paramref name="filePath"/>, or null when there is
    /// no sidecar or it records no digests (written before they were).
    /// </summary>
    /// <exception cref="InvariscopeException">The sidecar is unreadable, or records digests but none (or a malformed one) for this file.</exception>
    public static string? Recorded(string filePath, string sidecarPath)
    {
        if (!File.Exists(sidecarPath)) return null;
        string text;
        try { text = File.ReadAllText(sidecarPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvariscopeException($"{sidecarPath}: cannot read: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        if (Json.Parse(text, sidecarPath) is not JsonObject side) throw new InvariscopeException($"{sidecarPath}: not a JSON object");
        if (!side.TryGetPropertyValue(FilesKey, out var files) || files is null) return null;
        string name = Path.GetFileName(filePath);
        if (files is not JsonObject byName) throw new InvariscopeException($"{sidecarPath}: '{FilesKey}' is not an object");
        if (!byName.TryGetPropertyValue(name, out var entry) || entry is null)
            throw new InvariscopeException($"{filePath}: its sidecar {sidecarPath} records no digest for it; not a file of this checkpoint");
        var sha = (entry as JsonObject)?["sha256"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        if (sha is not { Length: 64 } || !sha.All(char.IsAsciiHexDigitLower))
            throw new InvariscopeException($"{sidecarPath}: '{FilesKey}.{name}.sha256' is not a SHA-256 in lowercase hex");
        return sha;
    }

    /// <summary>
    /// Reads every tensor of <paramref name="path"/>, verified against the digest <paramref name="sidecarPath"/>
    /// records (if any) and checked finite. <paramref name="whatToDo"/>, when given, ends a failure's message
    /// (for a resume: which files to delete to go back one epoch).
    /// </summary>
    /// <exception cref="InvariscopeException">An unreadable file, a digest mismatch, or a NaN/∞ tensor, naming the file.</exception>
    public static LoadedTensors Load(string path, string sidecarPath, string? whatToDo = null)
    {
        var expected = Recorded(path, sidecarPath);
        using var file = Safetensors.Open(path);
        string? actual = null;
        var tensors = expected is null ? file.LoadAll() : file.LoadAll(out actual);
        try
        {
            if (expected is not null && actual != expected)
                throw Fail(path, $"SHA-256 {actual![..12]}… differs from the {expected[..12]}… that {sidecarPath} records; " +
                                 "the file is corrupt or was replaced", whatToDo);
            CheckFinite(path, tensors, whatToDo);
            return new LoadedTensors(path, tensors, file.Metadata, Verified: expected is not null);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Every floating tensor of <paramref name="tensors"/> must hold only finite values.</summary>
    /// <exception cref="InvariscopeException">The first tensor that does not, with its NaN and ∞ counts, naming <paramref name="path"/>.</exception>
    public static void CheckFinite(string path, IReadOnlyDictionary<string, Tensor> tensors, string? whatToDo = null)
    {
        foreach (var (name, t) in tensors)
        {
            if (!t.is_floating_point() || t.NumberOfElements == 0) continue;
            using var scope = NewDisposeScope();
            if (t.isfinite().all().item<bool>()) continue;
            long nan = t.isnan().sum().item<long>(), inf = t.isinf().sum().item<long>();
            throw Fail(path, $"tensor '{name}' holds {nan} NaN and {inf} infinite of its {t.NumberOfElements} values; " +
                             "the checkpoint is corrupt or diverged", whatToDo);
        }
    }

    static InvariscopeException Fail(string path, string problem, string? whatToDo) =>
        new($"{path}: {problem}" + (whatToDo is null ? "" : $"; {whatToDo}"));
}

/// <summary>The tensors of one checked file (owned: dispose to free them) and its metadata.</summary>
/// <param name="Path">The file.</param>
/// <param name="Tensors">Its tensors by name.</param>
/// <param name="Metadata">Its header's <c>__metadata__</c>.</param>
/// <param name="Verified">Whether a sidecar's digest was checked (false: only the finite check applied).</param>
public sealed record LoadedTensors(string Path, Dictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata, bool Verified)
    : IDisposable
{
    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
