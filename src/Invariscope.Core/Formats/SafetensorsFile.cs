using Invariscope.Runtime;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Invariscope.Formats;

/// <summary>
/// An open safetensors file. <see cref="Safetensors.Open"/> reads and validates the whole header; tensor
/// data is read lazily, one tensor per <see cref="Get"/>, straight into the new tensor's memory. The file
/// stays open (shared for reading and deleting, so it can be replaced meanwhile) until disposed.
/// Safe to read from several threads at once.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    readonly SafeFileHandle _file;
    readonly SafetensorsHeader _header;
    readonly Dictionary<string, SafetensorsEntry> _byName;

    internal SafetensorsFile(string path, SafeFileHandle file, SafetensorsHeader header)
    {
        Path = path;
        _file = file;
        _header = header;
        _byName = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Names = header.Entries.Select(e => e.Name).ToArray();
    }

    /// <summary>The path the file was opened by.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> strings; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>
    /// The tensor names in file order: the order their data lies in the file (by data offset). Files written
    /// by <see cref="Safetensors.Save"/> or the Python library are in descending dtype size, then name order.
    /// </summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>
    /// The header entry of tensor <paramref name="name"/>; an unknown name is an
    /// <see cref="InvariscopeException"/> that lists some of the names the file has.
    /// </summary>
    public SafetensorsEntry Info(string name)
    {
        var entry = Find(name);
        return entry with { Shape = (long[])entry.Shape.Clone() };
    }

    /// <summary>
    /// Reads tensor <paramref name="name"/> into a new CPU tensor of its stored dtype and shape, which the
    /// caller owns. An unknown name is an <see cref="InvariscopeException"/> that lists some of the names the
    /// file has.
    /// </summary>
    public torch.Tensor Get(string name) => Read(Find(name), null);

    torch.Tensor Read(SafetensorsEntry entry, IncrementalHash? hash)
    {
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        var dtype = SafetensorsDType.FromName(entry.DType)!;
        var tensor = torch.empty(entry.Shape, dtype.ScalarType, torch.CPU);
        try
        {
            TensorBytes.ReadInto(tensor, _file, Path, _header.DataStart + entry.Begin, hash);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Reads every tensor (see <see cref="Get"/>), keyed by name; the caller owns them all.</summary>
    public Dictionary<string, torch.Tensor> LoadAll() => LoadAll(null);

    /// <summary>
    /// Reads every tensor as <see cref="LoadAll()"/> does and gives <paramref name="sha256"/>, the SHA-256 (lowercase
    /// hex) of the whole file as read: the header bytes, then each tensor's bytes as they arrive. The header is
    /// validated to cover the data buffer without holes or trailing bytes, so these are all of the file's bytes and
    /// a changed bit anywhere, in a dtype, a shape or a tensor's data, changes the digest.
    /// </summary>
    public Dictionary<string, torch.Tensor> LoadAll(out string sha256)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(_header.Bytes);
        var all = LoadAll(hash);
        sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        return all;
    }

    Dictionary<string, torch.Tensor> LoadAll(IncrementalHash? hash)
    {
        var all = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in _header.Entries) all[entry.Name] = Read(entry, hash);
            return all;
        }
        catch
        {
            foreach (var tensor in all.Values) tensor.Dispose();
            throw;
        }
    }

    /// <summary>Closes the file. Tensors already read stay valid.</summary>
    public void Dispose() => _file.Dispose();

    SafetensorsEntry Find(string name)
    {
        if (_byName.TryGetValue(name, out var entry)) return entry;
        throw new InvariscopeException($"{Path}: no tensor named '{name}'; {DescribeNames(name)}");
    }

    /// <summary>A few of the file's names, those sharing the longest prefix with <paramref name="wanted"/> first.</summary>
    string DescribeNames(string wanted)
    {
        if (Names.Count == 0) return "the file holds no tensors";
        const int shown = 6;
        var closest = Names
            .Select((n, i) => (Name: n, Index: i, Shared: SharedPrefix(n, wanted)))
            .OrderByDescending(x => x.Shared).ThenBy(x => x.Index)
            .Take(shown).Select(x => x.Name);
        var more = Names.Count > shown ? $", ... ({Names.Count} in all)" : "";
        return $"it has {string.Join(", ", closest)}{more}";
    }

    static int SharedPrefix(string a, string b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }
}
