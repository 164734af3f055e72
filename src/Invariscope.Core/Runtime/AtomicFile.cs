using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Invariscope.Runtime;

/// <summary>
/// Whole-file writes that a concurrent reader, or a run killed mid-write, never sees half done: the bytes go to a
/// temp file <c>.NAME.PID.GUID.tmp</c> in the target's folder, which is flushed to disk, renamed over the target,
/// and then the folder is synced, so once a write returns the file survives a power cut with its full contents.
/// A marker written after other files (a sidecar, done.json) is therefore never durable before them.
/// A killed write leaves only its temp file, which <see cref="RemoveStale"/> deletes when the folder's next writer
/// starts. Each step passes a <see cref="FaultPoints"/> point, for the fault-injection tests.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically and durably; returns <paramref name="path"/>.</summary>
    public static string Write(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark, atomically.</summary>
    public static string WriteText(string path, string text) => Write(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>
    /// Writes what <paramref name="fill"/> writes to its stream into <paramref name="path"/>, atomically and durably
    /// (for files too large to build in memory); returns <paramref name="path"/>.
    /// </summary>
    public static string Write(string path, Action<FileStream> fill)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}@{Host}.{Guid.NewGuid():N}.tmp");
        FaultPoints.Hit("write", full);
        InFlight.TryAdd(tmp, 0);
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                fill(stream);
                stream.Flush(flushToDisk: true);
            }
            FaultPoints.Hit("rename", full);
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
            InFlight.TryRemove(tmp, out _);
        }
        FaultPoints.Hit("renamed", full);
        SyncFolder(dir);
        return path;
    }

    /// <summary>
    /// Deletes the temp files in <paramref name="folder"/> (and, with <paramref name="recursive"/>, below it) that a
    /// killed write left: those of a process that no longer runs. A live writer's temp file is kept.
    /// Returns how many were deleted.
    /// </summary>
    public static int RemoveStale(string folder, bool recursive = false)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        var option = recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
        foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp", option))
        {
            var m = TempName().Match(Path.GetFileName(file));
            if (!m.Success) continue;
            // a temp file of the pre-PID naming (.NAME.GUID.tmp) has no owner to ask: it is stale
            if (m.Groups["pid"].Success && int.TryParse(m.Groups["pid"].Value, out int pid) && (pid == Environment.ProcessId ? InFlight.ContainsKey(Path.GetFullPath(file)) : IsAlive(pid))) continue;
            // another node's writer (a shared study folder under Slurm) cannot be asked either: its PID means nothing
            // here, so its temp file goes only once it is far older than any write takes
            if (m.Groups["host"].Success && m.Groups["host"].Value != Host && DateTime.UtcNow - File.GetLastWriteTimeUtc(file) < ForeignTempAge) continue;
            try { File.Delete(file); removed++; }
            catch (IOException) { }
        }
        return removed;
    }

    /// <summary>
    /// This process's temp files being written now: cells that run side by side (<c>--jobs</c>) clean a folder while
    /// another cell of the same process writes in it, so a temp file of this process is stale only once its write
    /// has ended.
    /// </summary>
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> InFlight = new();

    [GeneratedRegex(@"^\..+?\.(?:(?<pid>[0-9]+)(?:@(?<host>[A-Za-z0-9_-]+))?\.)?[0-9a-f]{32}\.tmp$")]
    private static partial Regex TempName();

    /// <summary>This machine in temp names: its host name with only letters, digits, '_' and '-'.</summary>
    static readonly string Host = new([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_')]);

    /// <summary>How old another machine's temp file must be before it counts as stale.</summary>
    static readonly TimeSpan ForeignTempAge = TimeSpan.FromDays(1);

    static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>Makes a rename in <paramref name="dir"/> durable: fsync of the folder (a no-op where folders cannot be opened).</summary>
    static void SyncFolder(string dir)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Native.open(dir, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { Native.fsync(fd); }
        finally { Native.close(fd); }
    }

    static class Native
    {
        [DllImport("libc", SetLastError = true)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
        [DllImport("libc", SetLastError = true)]
        internal static extern int fsync(int fd);
        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}
