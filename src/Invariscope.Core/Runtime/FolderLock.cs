namespace Invariscope.Runtime;

/// <summary>
/// An OS lock on a folder that one process writes (a run, an analysis, a robustness evaluation, a study), or on one
/// unit of work inside it (a study cell). The lock is <c>flock(LOCK_NB)</c> on a lock file, by default
/// <c>FOLDER/.lock</c>: .NET takes exactly that lock on Unix, exclusive for a file opened with
/// <see cref="FileShare.None"/>, shared otherwise. The kernel drops it when the holder exits, however it exits, so
/// a lock left by a killed process never blocks the next one; the file itself stays. The holder's PID goes to a
/// side file, because the locked file cannot be opened by anyone else to read it.
/// <para>Shared holders coexist and exclude an exclusive one: the cells of one study, run by separate processes,
/// share the study's lock, which a whole-study run holds exclusively.</para>
/// </summary>
public sealed class FolderLock : IDisposable
{
    /// <summary>The lock file inside a folder.</summary>
    public const string FileName = ".lock";

    readonly FileStream _stream;
    readonly string _owner;

    FolderLock(FileStream stream, string owner) => (_stream, _owner) = (stream, owner);

    /// <summary>
    /// Locks <paramref name="folder"/> (created if missing) for this process, or throws <see cref="InvariscopeException"/>
    /// in one line naming the folder and the holder's PID when another process (or another writer in this one) holds it.
    /// <paramref name="name"/>: the lock file, for a lock on one unit of work inside the folder.
    /// <paramref name="shared"/>: a lock that other shared holders may hold at the same time.
    /// </summary>
    public static FolderLock Acquire(string folder, string name = FileName, bool shared = false, string what = "in use")
    {
        try { Directory.CreateDirectory(folder); }
        catch (IOException e) { throw new InvariscopeException($"{Path.GetFullPath(folder)}: cannot make this folder ({e.Message.ReplaceLineEndings(" ")})", e); }
        string path = Path.Combine(folder, name), owner = path + ".pid";
        FileStream stream;
        try { stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, shared ? FileShare.ReadWrite : FileShare.None); }
        catch (IOException) when (File.Exists(path))
        {
            string holder = "another process";
            try { holder = $"process {File.ReadAllText(owner).Trim()}"; } catch (IOException) { }
            var where = name == FileName ? Path.GetFullPath(folder) : Path.GetFullPath(path);
            throw new InvariscopeException($"{where}: {what} ({holder}); wait for it to finish or stop it first");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvariscopeException($"{Path.GetFullPath(folder)}: cannot write here ({e.Message})", e);
        }
        File.WriteAllText(owner, Environment.ProcessId + "\n"); // advisory (not a result): no atomic write, no fault point
        return new FolderLock(stream, owner);
    }

    /// <summary>Releases the lock (and forgets the holder's PID).</summary>
    public void Dispose()
    {
        try { File.Delete(_owner); } catch (IOException) { }
        _stream.Dispose();
    }
}
