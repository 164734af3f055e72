using System.Text.RegularExpressions;

namespace Invariscope.Tests;

/// <summary>Compares two result folders (two runs, analyses or studies) that should hold the same results.</summary>
static class ResultFiles
{
    /// <summary>
    /// The files under <paramref name="root"/>, relative to it, sorted, lock files aside (they say who wrote, not what:
    /// the folder locks and, in a study run cell by cell, one lock per cell under <c>.locks/</c>).
    /// </summary>
    public static List<string> Under(string root, params string[] skipFolders) =>
        [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p == ".locks" || p.StartsWith(".lock", StringComparison.Ordinal)))
            .Where(f => !skipFolders.Contains(f.Split(Path.DirectorySeparatorChar)[0])).Order()];

    /// <summary>
    /// Every file of the two folders is the same, byte for byte, but for two things: absolute paths (configs, settings
    /// and markers name their own folder, masked as ROOT) and the training timings (<c>seconds</c> and <c>img_per_s</c>
    /// in metrics.json, metrics.csv and the checkpoint sidecars; wall times and <c>img_per_s</c> in the TensorBoard
    /// event files). Returns the files and how many are byte-identical.
    /// <paramref name="skipFolders"/>: top-level folders of <paramref name="b"/> that only it has (a Slurm study's <c>slurm/</c> and <c>logs/</c>).
    /// </summary>
    public static (List<string> Files, int Exact) AssertSame(string a, string b, params string[] skipFolders)
    {
        var files = Under(a);
        Assert.Equal(files, Under(b, skipFolders));
        int exact = 0;
        foreach (var f in files)
        {
            byte[] x = File.ReadAllBytes(Path.Combine(a, f)), y = File.ReadAllBytes(Path.Combine(b, f));
            if (x.AsSpan().SequenceEqual(y)) { exact++; continue; }
            if (f.Contains("tfevents", StringComparison.Ordinal))
            {
                static string Untimed(string path) => string.Join("\n", Formats.TfEventsReader.Read(path).Select(e =>
                    $"{e.Step} {e.FileVersion} {string.Join(",", e.Scalars.Select(s => s.Tag == "img_per_s" ? "T" : $"{s.Tag}={s.Value:R}"))}"));
                Assert.True(Untimed(Path.Combine(a, f)) == Untimed(Path.Combine(b, f)), $"{f} differs beyond its timings");
                continue;
            }
            string Normal(byte[] bytes, string root)
            {
                var text = System.Text.Encoding.UTF8.GetString(bytes).Replace(Path.GetFullPath(root), "ROOT");
                text = Regex.Replace(text, "\"(seconds|img_per_s)\": [^,\\n}]+", "\"$1\": T");
                return Path.GetFileName(f) == "metrics.csv" ? Regex.Replace(text, ",[^,\\n]+,[^,\\n]+\\n", ",T,T\n") : text;
            }
            Assert.True(Normal(x, a) == Normal(y, b), $"{f} differs beyond paths and timings");
        }
        return (files, exact);
    }
}
