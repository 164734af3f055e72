using Invariscope.Runtime;

namespace Invariscope.Data;

/// <summary>
/// Images in class folders, like torchvision's ImageFolder: <c>root/&lt;class&gt;/&lt;image&gt;.png|jpg|jpeg</c>,
/// classes sorted by folder name (ordinal), files sorted by name. Opening scans the folders and checks each
/// file's PNG/JPEG signature (8 bytes); images are decoded to (H, W, 3) RGB on access. A file that fails the
/// signature check is an error naming it. With <c>skipBad</c>, every file is decoded once while scanning, and each
/// one that fails (signature, header size bound, CRC or truncated data) is listed in <see cref="Warnings"/> and left
/// out; without it, a file that passes the signature check but fails to decode is an error naming it when read.
/// </summary>
public sealed class ImageFolderDataset : IImageDataset
{
    static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg" };

    readonly List<string> _paths = new();
    readonly List<int> _labels = new();

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }
    /// <inheritdoc/>
    public int Count => _paths.Count;
    /// <summary>One line per file left out because it was not a readable PNG/JPEG (only with <c>skipBad</c>).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Scans <paramref name="root"/>; see the class summary for the layout and the <paramref name="skipBad"/> option.</summary>
    public ImageFolderDataset(string root, bool skipBad = false)
    {
        Name = $"folder:{root}";
        if (!Directory.Exists(root)) throw new InvariscopeException($"{root}: no such folder (expected root/<class>/<image>.png|jpg)");
        var classDirs = Directory.GetDirectories(root).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToArray();
        if (classDirs.Length == 0)
            throw new InvariscopeException($"{root}: no class folders (expected root/<class>/<image>.png|jpg)");
        var warnings = new List<string>();
        for (int label = 0; label < classDirs.Length; label++)
        {
            var files = Directory.GetFiles(classDirs[label])
                .Where(f => Extensions.Contains(Path.GetExtension(f)))
                .OrderBy(f => f, StringComparer.Ordinal).ToArray();
            int kept = 0;
            foreach (var file in files)
            {
                bool signed;
                try { signed = ImageCodec.HasImageSignature(file); }
                catch (IOException) { signed = false; }
                if (!signed && !skipBad)
                    throw new InvariscopeException($"{file}: not a readable PNG/JPEG file (use skip_bad=true to skip bad files)");
                // skip_bad promises to leave out every file that would fail later, so each one is decoded now
                var problem = !signed ? $"{file}: not a readable PNG/JPEG file" : skipBad ? ImageCodec.Problem(file) : null;
                if (problem is not null)
                {
                    warnings.Add($"{problem}; skipped");
                    continue;
                }
                _paths.Add(file);
                _labels.Add(label);
                kept++;
            }
            if (kept == 0)
                throw new InvariscopeException($"{classDirs[label]}: class folder has no readable .png/.jpg/.jpeg images");
        }
        ClassNames = classDirs.Select(d => Path.GetFileName(d)!).ToArray();
        Warnings = warnings;
    }

    /// <inheritdoc/>
    public int GetLabel(int index) => _labels[index];

    /// <summary>The decoded (H, W, 3) image; a corrupt file is an <see cref="InvariscopeException"/> naming it.</summary>
    public Image8 GetImage(int index) => ImageCodec.DecodeRgb(_paths[index]);

    /// <summary>The file of example <paramref name="index"/>.</summary>
    public string PathOf(int index) => _paths[index];
}
