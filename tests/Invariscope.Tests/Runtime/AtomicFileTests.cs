using System.Diagnostics;
using Invariscope.Runtime;

namespace Invariscope.Tests.Runtime;

public class AtomicFileTests
{
    [Fact]
    public void A_write_leaves_only_the_target_and_streams_large_files()
    {
        using var dir = new TestData.TempDir();
        var path = dir.File(Path.Combine("sub", "a.bin"));
        AtomicFile.Write(path, s => { for (int i = 0; i < 3; i++) s.Write(new byte[] { (byte)i }); });
        Assert.Equal(new byte[] { 0, 1, 2 }, File.ReadAllBytes(path));
        AtomicFile.WriteText(path, "over");
        Assert.Equal("over", File.ReadAllText(path));
        Assert.Equal(["a.bin"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void Stale_temp_files_of_dead_writers_are_removed_and_a_live_writers_kept()
    {
        using var dir = new TestData.TempDir();
        var live = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            string guid = Guid.NewGuid().ToString("N");
            var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
            dead.WaitForExit();
            string[] stale = [$".metrics.json.{dead.Id}.{guid}.tmp", $".epoch_001.json.{guid}.tmp", $".me.json.{Environment.ProcessId}.{guid}.tmp"];
            string kept = $".config.json.{live.Id}.{guid}.tmp";
            Directory.CreateDirectory(dir.File("cells"));
            foreach (var f in stale.Append(kept).Append("notes.tmp").Append(Path.Combine("cells", stale[0]))) File.WriteAllText(dir.File(f), "x");

            Assert.Equal(stale.Length, AtomicFile.RemoveStale(dir.Path));
            Assert.True(File.Exists(dir.File(kept)));
            Assert.True(File.Exists(dir.File("notes.tmp"))); // not a temp file of ours
            Assert.True(File.Exists(dir.File(Path.Combine("cells", stale[0])))); // another folder
            Assert.Equal(1, AtomicFile.RemoveStale(dir.Path, recursive: true));
            Assert.Equal(0, AtomicFile.RemoveStale(dir.File("nope")));
        }
        finally
        {
            live.Kill();
            live.Dispose();
        }
    }

    [Fact]
    public void A_write_in_flight_in_this_process_keeps_its_temp_file_while_another_cell_cleans_the_folder()
    {
        // cells side by side (--jobs) clean the folders they write while another cell of the same process writes there
        using var dir = new TestData.TempDir();
        var path = dir.File("inversions.json");
        int removed = -1;
        AtomicFile.Write(path, s =>
        {
            s.Write("{}"u8);
            removed = AtomicFile.RemoveStale(dir.Path); // the temp file being written is this process's, and in flight
        });
        Assert.Equal(0, removed);
        Assert.Equal("{}", File.ReadAllText(path));
        Assert.Equal(["inversions.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName)); // once written, nothing is left
    }

    [Fact]
    public void Another_machines_temp_file_is_kept_until_it_is_a_day_old_and_this_machines_dead_ones_go()
    {
        // a shared study folder under Slurm: a PID from another node means nothing here, so only age can tell
        using var dir = new TestData.TempDir();
        string guid = Guid.NewGuid().ToString("N");
        var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        dead.WaitForExit();
        string host = new([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_')]);
        string fresh = dir.File($".a.json.{dead.Id}@othernode-7.{guid}.tmp"), old = dir.File($".b.json.{dead.Id}@othernode-7.{guid}.tmp");
        string mine = dir.File($".c.json.{dead.Id}@{host}.{guid}.tmp");
        foreach (var f in new[] { fresh, old, mine }) File.WriteAllText(f, "x");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-2));
        Assert.Equal(2, AtomicFile.RemoveStale(dir.Path));
        Assert.True(File.Exists(fresh));
        Assert.False(File.Exists(old));
        Assert.False(File.Exists(mine));
        // and the name a write uses carries this machine's name
        AtomicFile.Write(dir.File("d.bin"), s => Assert.Contains($"@{host}.", ((FileStream)s).Name));
    }

    [Theory]
    [InlineData("rename:metrics.json", "rename:metrics.json", 1)]
    [InlineData("write:epoch_N.safetensors:3", "write:epoch_N.safetensors", 3)]
    public void A_fault_point_is_a_step_a_file_and_a_count(string value, string point, int n) =>
        Assert.Equal((point, n), FaultPoints.ParseTarget(value));

    [Theory]
    [InlineData("metrics.json")]
    [InlineData("done:metrics.json")]
    [InlineData("write:metrics.json:0")]
    public void A_malformed_fault_point_is_an_error(string value) =>
        Assert.Contains(FaultPoints.FaultEnv, Assert.Throws<InvariscopeException>(() => FaultPoints.ParseTarget(value)).Message);

    [Fact]
    public void Unset_fault_points_are_no_ops() => FaultPoints.Hit("write", "/nowhere/x.json");
}
