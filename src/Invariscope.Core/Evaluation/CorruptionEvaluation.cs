using Invariscope.Data;
using Invariscope.Data.Corruptions;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Evaluation;

/// <summary>Evaluates a checkpoint on corrupted data, cell by cell.</summary>
public static class CorruptionEvaluation
{
    /// <summary>
    /// Evaluates <paramref name="checkpoint"/> on every (corruption, severity) of <paramref name="plan"/>. On the fly
    /// (<paramref name="clean"/> required): the clean data, limited to a seeded subset when <see cref="CorruptionPlan.Limit"/>,
    /// wrapped in <see cref="CorruptedDataset"/> with <see cref="CorruptionPlan.Seed"/>. From a CIFAR-C folder: each
    /// <see cref="CifarCDataset"/> slice, limited the same way. The clean data, when given, is evaluated too (same subset).
    /// <paramref name="progress"/> counts cells.
    /// </summary>
    /// <exception cref="InvariscopeException">Bad names, severities or files.</exception>
    public static CorruptionReport Run(EvaluatedCheckpoint checkpoint, IImageDataset? clean, CorruptionPlan plan, int batchSize,
        Device device, IProgress<(int done, int total)>? progress = null)
    {
        if (plan.Limit is < 1) throw new InvariscopeException($"limit must be positive, got {plan.Limit}") { Field = "limit" };
        if (plan.Corruptions.Count == 0 || plan.Severities.Count == 0) throw new InvariscopeException("no corruptions or severities to evaluate");
        foreach (var s in plan.Severities)
            if (s is < Data.Corruptions.Corruptions.MinSeverity or > Data.Corruptions.Corruptions.MaxSeverity)
                throw new InvariscopeException($"severity {s} is outside 1-5");
        if (plan.CifarCFolder is null)
        {
            if (clean is null) throw new InvariscopeException("corrupting on the fly needs clean data (--data), or give --cifar-c DIR");
            foreach (var c in plan.Corruptions) Data.Corruptions.Corruptions.Validate(c, 1);
        }
        else if (!Directory.Exists(plan.CifarCFolder))
            throw new InvariscopeException($"{plan.CifarCFolder}: no such folder (--cifar-c)");

        var suite = TestSuite.Of(plan, clean);
        int total = suite.Sets, done = 0;
        progress?.Report((0, total));
        var result = suite.Evaluate(checkpoint, batchSize, device, () => progress?.Report((++done, total)));
        string source = plan.CifarCFolder is null ? clean!.Name : $"cifar-c:{plan.CifarCFolder}";
        return new CorruptionReport(checkpoint.WeightsPath, checkpoint.Task, checkpoint.Normalize, source, result.Cells, result.Clean, plan.Limit, plan.Seed);
    }
}
