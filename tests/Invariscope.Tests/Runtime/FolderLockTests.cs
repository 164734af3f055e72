using System.Diagnostics;
using Invariscope.Runtime;

namespace Invariscope.Tests.Runtime;

public class FolderLockTests
{
    [Fact]
    public void ASecondWriterIsRefusedNamingTheFolderAndHolder()
    {
        using var dir = new TestData.TempDir();
        using (FolderLock.Acquire(dir.Path))
        {
            var e = Assert.Throws<InvariscopeException>(() => FolderLock.Acquire(dir.Path));
            Assert.Contains(dir.Path, e.Message);
            Assert.Contains($"process {Environment.ProcessId}", e.Message);
        }
        using var again = FolderLock.Acquire(dir.Path); // released on dispose
    }

    [Fact]
    public void AnotherProcessHoldingItBlocksAndItsDeathReleasesIt()
    {
        using var dir = new TestData.TempDir();
        // flock(1) from util-linux holds the same kind of lock .NET takes; --close keeps the lock in flock itself (not
        // in its sleep child), so killing flock is what must release it
        var lockFile = Path.Combine(dir.Path, FolderLock.FileName);
        var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", lockFile, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            InvariscopeException? refused = null;
            while (refused is null && DateTime.UtcNow < deadline)
            {
                try { FolderLock.Acquire(dir.Path).Dispose(); Thread.Sleep(50); } // flock(1) may not hold it yet
                catch (InvariscopeException e) { refused = e; }
            }
            Assert.NotNull(refused);
            Assert.Contains(dir.Path, refused!.Message);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
        using var mine = FolderLock.Acquire(dir.Path); // the dead holder's lock does not block
    }
}
