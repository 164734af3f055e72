using Invariscope.Formats;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Formats;

/// <summary>TensorBoard event files: the encoding read back by an independent reader (CRCs checked), and a run's scalars.</summary>
public class TfEventsTests
{
    [Fact]
    public void The_reader_knows_crc32c_and_reads_torchsharps_own_writer()
    {
        Assert.Equal(0xE3069283u, TfEventsReader.Crc32C("123456789"u8)); // the standard check value
        // TorchSharp's SummaryWriter frames its records the same way (its wall times are another matter: README)
        using var dir = new TestData.TempDir();
        var writer = utils.tensorboard.SummaryWriter(dir.Path);
        writer.add_scalar("train/loss", 0.5f, 1);
        writer.add_scalar("train/loss", 0.25f, 2);
        var events = TfEventsReader.Read(Directory.GetFiles(dir.Path, "events.out.tfevents.*").Single());
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal([(1L, "train/loss", 0.5f), (2L, "train/loss", 0.25f)], events.Skip(1).Select(e => (e.Step, e.Scalars[0].Tag, e.Scalars[0].Value)));
    }

    [Fact]
    public void Crc32c_is_the_castagnoli_checksum()
    {
        var bytes = new byte[1000];
        new Random(3).NextBytes(bytes);
        for (int n = 0; n <= bytes.Length; n += 37)
            Assert.Equal(TfEventsReader.Crc32C(bytes.AsSpan(0, n)), TfEvents.Crc32C(bytes.AsSpan(0, n)));
    }

    [Fact]
    public void Encoded_events_read_back_with_valid_checksums_tags_steps_values_and_times()
    {
        using var dir = new TestData.TempDir();
        var path = dir.File("events.out.tfevents.x");
        ScalarEvent[] events =
        [
            new(1796130000.25, 1, [("train/loss", 1.5f), ("lr", 1e-3f)]),
            new(1796130060.5, 2, [("train/loss", 0.75f), ("lr", 5e-4f), ("val/acc", 0.875f)]),
            new(1796130120, 300, []),
        ];
        File.WriteAllBytes(path, TfEvents.Encode(events));
        var read = TfEventsReader.Read(path);
        Assert.Equal(4, read.Count);
        Assert.Equal(("brain.Event:2", 1796130000.25), (read[0].FileVersion, read[0].WallTime)); // the version first, at the first time
        for (int i = 0; i < events.Length; i++)
        {
            Assert.Equal(events[i].WallTime, read[i + 1].WallTime); // a double: to the microsecond, unlike a float's 128 s
            Assert.Equal(events[i].Step, read[i + 1].Step);
            Assert.Equal(events[i].Scalars, read[i + 1].Scalars);
            Assert.Null(read[i + 1].FileVersion);
        }
        // a flipped bit anywhere is caught by a checksum
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        Assert.ThrowsAny<Exception>(() => TfEventsReader.Read(path));
    }

    [Fact]
    public void A_run_logs_its_scalars_per_epoch_once_even_when_resumed()
    {
        using var dir = new TestData.TempDir();
        string[] Args(int epochs, params string[] extra) => ["train", "--data", "synthetic:shapes?size=16&n=48&seed=2", "--epochs", $"{epochs}", "--batch-size", "16",
            "--set", "val_fraction=0.25", "--out", dir.File("run"), "--device", "cpu", .. extra];
        var (code, _, stderr) = TestData.Cli(Args(2));
        Assert.True(code == 0, stderr);
        var run = new RunLayout(dir.File("run"));
        // a killed run's last events are redone on resume: here, a file one epoch short
        File.WriteAllBytes(run.TensorBoardEvents, TfEvents.Encode([]));
        (code, _, stderr) = TestData.Cli(Args(2, "--resume"));
        Assert.True(code == 0, stderr);
        var metrics = Json.Read<List<EpochMetrics>>(run.MetricsJson)!;
        var events = TfEventsReader.Read(run.TensorBoardEvents).Skip(1).ToList();
        Assert.Equal([1L, 2L], events.Select(e => e.Step));
        foreach (var (e, m) in events.Zip(metrics))
        {
            Assert.Equal([("train/loss", (float)m.TrainLoss), ("train/acc", (float)m.TrainAcc), ("val/loss", (float)m.ValLoss),
                ("val/acc", (float)m.ValAcc), ("lr", (float)m.Lr), ("img_per_s", (float)m.ImagesPerSecond)], e.Scalars);
            var committed = File.GetLastWriteTimeUtc(run.Sidecar(m.Epoch));
            Assert.Equal((committed - DateTime.UnixEpoch).TotalSeconds, e.WallTime);
        }
    }
}
