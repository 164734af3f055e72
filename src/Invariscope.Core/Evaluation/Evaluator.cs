using Invariscope.Data;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Evaluation;

/// <summary>Mean loss and accuracy of a model over a dataset (eval mode, no grad, fixed order).</summary>
public static class Evaluator
{
    /// <summary>
    /// Returns (mean loss, accuracy) over <paramref name="data"/>; for reconstruction the loss is the mean
    /// L1 and the accuracy 0. <paramref name="progress"/> gets (images done, total).
    /// </summary>
    public static (double loss, double acc) Run(TaskModel model, IImageDataset data, TransformSpec transform,
        int batchSize, Device device, IProgress<(int done, int total)>? progress = null)
    {
        model.Train(false);
        using var loader = new DataLoader(data, transform, new LoaderOptions(batchSize, Shuffle: false));
        double lossSum = 0;
        long correct = 0, seen = 0;
        using var _ = no_grad();
        foreach (var batch in loader.Epoch(0))
        {
            Runtime.CpuGovernor.Tick();
            using var scope = NewDisposeScope();
            using (batch)
            {
                var (loss, right) = model.Loss(batch.Images.to(device), batch.Labels.to(device));
                long n = batch.Labels.shape[0];
                lossSum += loss.item<float>() * n;
                correct += right;
                seen += n;
                progress?.Report(((int)seen, data.Count));
            }
        }
        return (lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen));
    }
}
