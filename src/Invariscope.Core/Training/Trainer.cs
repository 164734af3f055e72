using System.Diagnostics;
using System.Text.Json.Nodes;
using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Evaluation;
using Invariscope.Formats;
using Invariscope.Layout;
using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Training;

/// <summary>Live numbers of the step just taken, for a progress bar; <see cref="Acc"/> is NaN for reconstruction.</summary>
public sealed record StepProgress(int Epoch, int TotalEpochs, string Phase, int Batch, int Batches, double Loss, double Acc, double ImagesPerSecond);

/// <summary>
/// Trains or finetunes per a <see cref="TrainConfig"/> into a <see cref="RunLayout"/>: per-epoch checkpoints
/// (epoch 0 = the start), metrics, and exact resume from the last complete epoch.
/// </summary>
public sealed class Trainer(TrainConfig config, RunLayout run, Device device,
    Action<string>? log = null, Action<StepProgress>? onStep = null)
{
    /// <summary>
    /// Runs to the end; with <paramref name="resume"/>, continues a killed or cancelled run from its last complete
    /// epoch. Cancelling stops between steps (throwing <see cref="OperationCanceledException"/>) and keeps every
    /// complete epoch. Returns all epochs' metrics. A finished run is marked with its final epoch
    /// (<see cref="RunFiles.FinalEpoch"/>), written last; resuming a finished run only writes that mark again.
    /// </summary>
    public IReadOnlyList<EpochMetrics> Run(bool resume = false, CancellationToken cancel = default)
    {
        // every input is opened (data, the init checkpoint) before the folder is touched: a typo leaves nothing behind
        CheckFolder(resume);
        AtomicFile.RemoveStale(run.Root);
        AtomicFile.RemoveStale(run.CheckpointDir);
        var train = DatasetSpecs.Open(config.Data);
        IImageDataset? val = null;
        if (config.ValData is not null) val = DatasetSpecs.Open(config.ValData);
        else if (config.ValFraction > 0) (train, val) = train.Split(config.ValFraction, config.Seed);
        if (config.Task == "classification" && val is not null && val.ClassNames.Count != train.ClassNames.Count)
            throw new InvariscopeException($"{config.ValData}: {val.ClassNames.Count} classes, but the training data has {train.ClassNames.Count}");

        using var model = new TaskModel(ModelSetup.Build(config, train.ClassNames.Count), config.Task, config.Seed);
        using var hold = FolderLock.Acquire(run.Root); // one writer per run: a second train --resume is refused
        if (!resume) StartFolder();
        if (config.Amp) model.UseBFloat16();
        model.To(device);
        int size = model.Vit.Config.ImgSize;
        var trainTf = new TransformSpec(size, config.Augment ? Math.Max(1, size / 8) : 0, config.Augment, config.Normalize);
        var evalTf = TransformSpec.Eval(size, config.Normalize);
        var phases = TrainingPlan.For(config);
        var (epoch, phaseIndex, phaseEpoch, optimState) = resume ? Restore(model) : Start(model);
        // the sidecars are the record of what finished: metrics.json may lack the last epoch's row or hold one whose
        // checkpoint never committed (a kill between the two), so it is rebuilt from them
        var metrics = resume ? RunFiles.RebuildMetrics(run, epoch) : [];
        // and so is the TensorBoard copy: a kill between an epoch's sidecar and its events left it an epoch short
        if (resume) TensorBoardLog.Write(run, metrics, config.Task == "classification");
        using var loader = new DataLoader(train, trainTf, new LoaderOptions(config.BatchSize, Seed: config.Seed));
        for (; phaseIndex < phases.Count; phaseIndex++, phaseEpoch = 0, optimState = null)
        {
            var phase = phases[phaseIndex];
            if (phaseEpoch >= phase.Epochs) continue;
            var trainable = Freezing.Apply(model.Vit, n => !phase.HeadOnly || n.StartsWith("head.", StringComparison.Ordinal), config.Freeze);
            if (model.Decoder is not null) trainable.AddRange(Freezing.Apply(model.Decoder, _ => true, config.Freeze).Select(p => ("decoder." + p.name, p.param)));
            if (trainable.Count == 0) throw new InvariscopeException($"phase {phase.Name}: no parameter is left to train (check 'freeze')");
            using var optimizer = MakeOptimizer(trainable);
            if (optimState is { } stateEpoch) OptimizerFile.Load(run, stateEpoch, optimizer, ResumeAdvice(stateEpoch));
            if (phase.Name == "ft" && config.Task == "classification" && !File.Exists(run.EnergyJson))
                WriteEnergy(model, train, evalTf, epoch);
            var schedule = new LrSchedule(config.Schedule, phase.Lr, config.WarmupSteps, phase.Epochs * loader.BatchesPerEpoch, config.MinLr);
            bool done = false;
            while (!done && phaseEpoch < phase.Epochs)
            {
                epoch++;
                phaseEpoch++;
                var row = TrainEpoch(model, loader, optimizer, trainable, schedule, phase, epoch, phaseEpoch, phases, cancel);
                if (val is not null)
                {
                    var (vl, va) = Evaluator.Run(model, val, evalTf, config.BatchSize, device);
                    row = row with { ValLoss = vl, ValAcc = va };
                }
                metrics.Add(row);
                done = phase.StopAtTrainAcc is { } target && row.TrainAcc >= target;
                // the metrics first, the epoch's sidecar (written last by SaveEpoch) commits them with the checkpoint
                RunFiles.WriteMetrics(run, metrics);
                SaveEpoch(model, optimizer, epoch, phaseIndex, phaseEpoch, done || phaseEpoch == phase.Epochs, row);
                bool cls = config.Task == "classification";
                TensorBoardLog.Write(run, metrics, cls); // a copy of what the sidecar committed
                log?.Invoke($"epoch {epoch} [{phase.Name}] train loss {row.TrainLoss:F4}" + (cls ? $" acc {row.TrainAcc:P1}" : "") +
                            (val is null ? "" : $" | val loss {row.ValLoss:F4}" + (cls ? $" acc {row.ValAcc:P1}" : "")) + $" | {row.ImagesPerSecond:F0} img/s");
            }
        }
        RunFiles.WriteDone(run, epoch);
        return metrics;
    }

    /// <summary>A new run needs an empty folder; a resumed one a run with the same config (the device may change).</summary>
    void CheckFolder(bool resume)
    {
        bool exists = run.Exists;
        if (resume && !exists) throw new InvariscopeException($"{run.Root}: nothing to resume (no config.json)");
        if (!resume && exists) throw new InvariscopeException($"{run.Root}: already holds a run; pass --resume to continue it, or choose another --out");
        if (resume)
            SameSettings.Check(run.ConfigPath, RunFiles.ConfigText(config), "a run", "resume it with the same config",
                saved => RunFiles.ConfigText(RunFiles.ParseConfig(saved, run.ConfigPath) with { Device = config.Device }));
    }

    void StartFolder()
    {
        Directory.CreateDirectory(run.CheckpointDir);
        AtomicFile.WriteText(run.ConfigPath, RunFiles.ConfigText(config));
    }

    (int epoch, int phase, int phaseEpoch, int? optim) Start(TaskModel model)
    {
        SaveEpoch(model, null, 0, 0, 0, false, null);
        return (0, 0, 0, null);
    }

    /// <summary>
    /// The last complete epoch, its files verified (see <see cref="CheckpointIntegrity"/>). A corrupt file is never
    /// trained on, nor passed over for an older epoch: the resume stops, naming it and what to delete to go back one.
    /// </summary>
    (int epoch, int phase, int phaseEpoch, int? optim) Restore(TaskModel model)
    {
        var complete = run.CompleteEpochs();
        if (complete.Count == 0) return Start(model);
        int last = complete[^1];
        var side = RunFiles.ReadSidecar(run, last);
        model.Load(run.Weights(last), run.DecoderWeights(last), ResumeAdvice(last));
        int phase = (int)side["phase_index"]!, phaseEpoch = (int)side["phase_epoch"]!;
        log?.Invoke($"resuming after epoch {last}");
        if ((bool)side["phase_done"]!) return (last, phase + 1, 0, null);
        return (last, phase, phaseEpoch, last > 0 ? last : null);
    }

    /// <summary>What to do when a file of <paramref name="epoch"/> fails its check on resume.</summary>
    string ResumeAdvice(int epoch)
    {
        var previous = run.CompleteEpochs().Where(e => e < epoch).DefaultIfEmpty(-1).Max();
        return $"delete {Path.Combine(run.CheckpointDir, $"epoch_{epoch:D3}.*")} and resume " +
               (previous >= 0 ? $"to continue from epoch {previous}" : "to start over");
    }

    Optimizer MakeOptimizer(List<(string name, Tensor param)> trainable) => config.Optimizer == "sgd"
        ? new Sgd(trainable, config.Momentum, config.WeightDecay)
        : new AdamW(trainable, config.WeightDecay);

    EpochMetrics TrainEpoch(TaskModel model, DataLoader loader, Optimizer optimizer, List<(string name, Tensor param)> trainable,
        LrSchedule schedule, Phase phase, int epoch, int phaseEpoch, IReadOnlyList<Phase> phases, CancellationToken cancel)
    {
        model.Train(true);
        var clock = Stopwatch.StartNew();
        double lossSum = 0, lr = 0;
        long correct = 0, seen = 0;
        int batches = loader.BatchesPerEpoch, b = 0;
        int totalEpochs = phases.Sum(p => p.Epochs);
        foreach (var batch in loader.Epoch(epoch))
        {
            Runtime.CpuGovernor.Tick();
            using var scope = NewDisposeScope();
            using (batch)
            {
                cancel.ThrowIfCancellationRequested();
                lr = schedule.GetLr((phaseEpoch - 1) * batches + b);
                optimizer.ZeroGrad();
                var (loss, right) = model.Loss(batch.Images.to(device), batch.Labels.to(device));
                double value = loss.item<float>();
                if (!double.IsFinite(value))
                    throw new InvariscopeException($"epoch {epoch}, step {b + 1}: the loss is {value}; stopped. " +
                                                   $"The last good checkpoint is {run.Weights(epoch - 1)}");
                loss.backward();
                if (config.GradClip > 0) ClipGradNorm(trainable, config.GradClip);
                optimizer.Step(lr);
                long n = batch.Labels.shape[0];
                lossSum += value * n;
                correct += right;
                seen += n;
                b++;
                onStep?.Invoke(new StepProgress(epoch, totalEpochs, phase.Name, b, batches, lossSum / seen,
                    config.Task == "classification" ? (double)correct / seen : double.NaN,
                    seen / clock.Elapsed.TotalSeconds));
            }
        }
        double secs = clock.Elapsed.TotalSeconds;
        return new EpochMetrics(epoch, phase.Name, lossSum / seen, (double)correct / seen, double.NaN, double.NaN, lr, secs, seen / secs);
    }

    /// <summary>Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/> (as clip_grad_norm_).</summary>
    static void ClipGradNorm(List<(string name, Tensor param)> trainable, double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var grads = trainable.Select(p => p.param.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return;
        var total = stack(grads.Select(g => g.norm().to(float32)).ToArray()).norm().item<float>();
        double coef = maxNorm / (total + 1e-6);
        if (coef >= 1) return;
        using var scale = coef.ToScalar(); // outlives the native calls (see Runtime/Scalars)
        foreach (var g in grads) g.mul_(scale);
    }

    void WriteEnergy(TaskModel model, IImageDataset train, TransformSpec evalTf, int epoch)
    {
        var (loss, acc) = Evaluator.Run(model, train, evalTf, config.BatchSize, device);
        Json.Write(run.EnergyJson, new JsonObject { ["epoch"] = epoch, ["train_loss"] = loss, ["train_acc"] = acc });
        log?.Invoke($"energy at the start of finetuning: train loss {loss:F4}, train acc {acc:P1}");
    }

    void SaveEpoch(TaskModel model, Optimizer? optimizer, int epoch, int phaseIndex, int phaseEpoch, bool phaseDone, EpochMetrics? row)
    {
        var meta = new Dictionary<string, string> { ["epoch"] = epoch.ToString(), ["seed"] = config.Seed.ToString() };
        var (vitSha, decoderSha) = model.Save(run.Weights(epoch), run.DecoderWeights(epoch), meta);
        var files = new List<(string, string)> { (run.Weights(epoch), vitSha) };
        if (decoderSha is not null) files.Add((run.DecoderWeights(epoch), decoderSha));
        if (optimizer is not null) files.Add((run.OptimizerState(epoch), OptimizerFile.Save(run, epoch, optimizer, vitSha)));
        var side = new JsonObject
        {
            ["epoch"] = epoch,
            ["phase_index"] = phaseIndex,
            ["phase_epoch"] = phaseEpoch,
            ["phase_done"] = phaseDone,
            ["seed"] = config.Seed,
            ["metrics"] = row is null ? null : Json.ToNode(row),
            ["config"] = JsonNode.Parse(config.ToJson()),
            ["model_config"] = JsonNode.Parse(model.Vit.Config.ToJson()),
            ["versions"] = Versions.Describe(),
            [CheckpointIntegrity.FilesKey] = CheckpointIntegrity.Record(files),
        };
        Json.Write(run.Sidecar(epoch), side);
    }
}
