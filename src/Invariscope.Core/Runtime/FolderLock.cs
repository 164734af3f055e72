namespace Invariscope.Runtime;

/// <summary>
/// An exclusive OS lock on a folder that one process writes (a run, an analysis, a robustness evaluation, a study).
/// The lock is <c>flock(LOCK_EX | LOCK_NB)</c> on <c>FOLDER/.lock</c>: .NET takes exactly that lock for a file opened
/// with <see cref="FileShare.None"/> on Unix. The kernel drops it when the holder exits, however it exits, so a
/// lock left by a killed process never blocks the next one; the file itself may stay. The holder's PID goes to a
/// side file, because the locked file cannot be opened by anyone else to read it.
/// </summary>
public sealed class FolderLock : IDisposable
{
    /// <summary>The lock file inside a folder.</summary>
    public const string FileName = ".lock";
    const string OwnerFile = ".lock.pid";

    readonly FileStream _stream;
    readonly string _owner;

    FolderLock(FileStream stream, string owner) => (_stream, _owner) = (stream, owner);

    /// <summary>The locked folder.</summary>
    public string Folder => Path.GetDirectoryName(_stream.Name)!;

    /// <summary>
    /// Locks <paramref name="folder"/> (created if missing) for this process, or throws <see cref="InvariscopeException"/>
    /// in one line naming the folder and the holder's PID when another process (or another writer in this one) holds it.
    /// </summary>
    public static FolderLock Acquire(string folder)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName), owner = Path.Combine(folder, OwnerFile);
        FileStream stream;
        try { stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) when (File.Exists(path))
        {
            string holder = "another process";
            try { holder = $"process {File.ReadAllText(owner).Trim()}"; } catch (IOException) { }
            throw new InvariscopeException($"{Path.GetFullPath(folder)}: in use by {holder}; wait for it to finish or stop it first");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvariscopeException($"{Path.GetFullPath(folder)}: cannot write here ({e.Message})", e);
        }
        AtomicFile.WriteText(owner, Environment.ProcessId + "\n");
        return new FolderLock(stream, owner);
    }

    /// <summary>Releases the lock (and forgets the holder's PID).</summary>
    public void Dispose()
    {
        try { File.Delete(_owner); } catch (IOException) { }
        _stream.Dispose();
    }
}
