using Invariscope.Formats;
using Invariscope.Layout;
using Invariscope.Runtime;

namespace Invariscope.Training;

/// <summary>
/// A run's training scalars for TensorBoard (<c>tensorboard --logdir RUN</c>, or a study folder for all its runs):
/// per epoch, <c>train/loss</c>, <c>train/acc</c>, <c>val/loss</c>, <c>val/acc</c> (classification's accuracies; no
/// val/* without validation data), <c>lr</c> and <c>img_per_s</c>, at step = the epoch. The file is derived from the
/// metrics: rewritten whole and atomically after each epoch's checkpoint, so a killed and resumed run holds each epoch
/// once (an appending writer would repeat the epochs a kill cut short, in a second file). Each epoch's wall time is
/// the time its sidecar was written, the moment the epoch was committed.
/// </summary>
public static class TensorBoardLog
{
    /// <summary>Writes <see cref="RunLayout.TensorBoardEvents"/> from <paramref name="metrics"/>.</summary>
    public static void Write(RunLayout run, IReadOnlyList<EpochMetrics> metrics, bool classification)
    {
        var events = metrics.Select(m =>
        {
            var scalars = new List<(string, float)> { ("train/loss", (float)m.TrainLoss) };
            if (classification) scalars.Add(("train/acc", (float)m.TrainAcc));
            if (!double.IsNaN(m.ValLoss))
            {
                scalars.Add(("val/loss", (float)m.ValLoss));
                if (classification) scalars.Add(("val/acc", (float)m.ValAcc));
            }
            scalars.Add(("lr", (float)m.Lr));
            scalars.Add(("img_per_s", (float)m.ImagesPerSecond));
            var committed = File.GetLastWriteTimeUtc(run.Sidecar(m.Epoch));
            return new ScalarEvent((committed - DateTime.UnixEpoch).TotalSeconds, m.Epoch, scalars);
        }).ToList();
        AtomicFile.Write(run.TensorBoardEvents, TfEvents.Encode(events));
    }
}
