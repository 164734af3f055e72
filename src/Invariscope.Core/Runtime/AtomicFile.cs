using System.Text;

namespace Invariscope.Runtime;

/// <summary>Whole-file writes that a concurrent reader, or a run killed mid-write, never sees half done.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> via a temp file in the same folder, then a rename.</summary>
    public static string Write(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, full, overwrite: true);
        }
        // a full disk, a read-only or missing folder: one line naming the file (.NET names the temp file, or
        // nothing at all when a full disk refuses the preallocation)
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            throw new InvariscopeException($"{full}: cannot write: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
        return path;
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark, atomically.</summary>
    public static string WriteText(string path, string text) => Write(path, new UTF8Encoding(false).GetBytes(text));
}
