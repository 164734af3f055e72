using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Evaluation;

/// <summary>Loss and accuracy of a model on one dataset.</summary>
/// <param name="Loss">Mean loss per example: cross-entropy for classification, L1 for reconstruction.</param>
/// <param name="Accuracy">Top-1 accuracy in [0, 1] (0 for reconstruction).</param>
/// <param name="N">Number of examples evaluated.</param>
public sealed record EvalResult(
    [property: System.Text.Json.Serialization.JsonPropertyName("loss")] double Loss,
    [property: System.Text.Json.Serialization.JsonPropertyName("accuracy")] double Accuracy,
    [property: System.Text.Json.Serialization.JsonPropertyName("n")] int N);

/// <summary>
/// A checkpoint ready to evaluate: the <see cref="TaskModel"/> (ViT, plus its decoder for a reconstruction run),
/// the task and the normalisation. The task and normalisation come from the run's sidecar
/// <c>epoch_NNN.json</c> beside the weights when there is one; otherwise the task is classification and the
/// normalisation the one asked for (default <c>vit</c>). Dispose to free the model.
/// </summary>
public sealed class EvaluatedCheckpoint : IDisposable
{
    /// <summary>The model (eval mode, on the CPU until evaluated).</summary>
    public TaskModel Model { get; }
    /// <summary>The ViT weights file.</summary>
    public string WeightsPath { get; }
    /// <summary>The sidecar that was read, or null.</summary>
    public string? SidecarPath { get; }
    /// <summary><c>classification</c> or <c>reconstruction</c>.</summary>
    public string Task => Model.Task;
    /// <summary>Normalisation preset name applied to the images.</summary>
    public string Normalize { get; }
    /// <summary>The model's input size; images are resized to it.</summary>
    public int ImageSize => Model.Vit.Config.ImgSize;
    /// <summary>The evaluation transform (resize to <see cref="ImageSize"/>, normalise).</summary>
    public TransformSpec Transform => TransformSpec.Eval(ImageSize, Normalize);

    EvaluatedCheckpoint(TaskModel model, string weightsPath, string? sidecarPath, string normalize)
    {
        Model = model;
        WeightsPath = weightsPath;
        SidecarPath = sidecarPath;
        Normalize = normalize;
    }

    /// <summary>
    /// Loads <paramref name="weightsPath"/> (architecture from <paramref name="configPath"/>, <paramref name="preset"/>
    /// or the checkpoint's metadata, as <see cref="VitCheckpoint.Load"/>). An explicit <paramref name="normalize"/>
    /// overrides the sidecar's. A reconstruction run needs its <c>epoch_NNN.decoder.safetensors</c> beside the weights.
    /// Both files are checked against the digests the sidecar records (see <see cref="CheckpointIntegrity"/>).
    /// </summary>
    /// <exception cref="InvariscopeException">Missing, unreadable or corrupt files (a digest mismatch, NaN/∞ weights), an unknown task or normalisation, a
    /// classification checkpoint without a head.</exception>
    public static EvaluatedCheckpoint Load(string weightsPath, string? configPath = null, string? preset = null, string? normalize = null)
    {
        var sidecar = RunFiles.TrainedWith(weightsPath);
        string task = sidecar?.Task ?? "classification";
        string norm = normalize ?? sidecar?.Normalize ?? "vit";
        Normalization.Parse(norm); // validate early
        if (task is not ("classification" or "reconstruction"))
            throw new InvariscopeException($"{sidecar!.Value.Path}: unknown task '{task}' (expected classification or reconstruction)");
        var vit = VitCheckpoint.Load(weightsPath, configPath, preset);
        TaskModel? model = null;
        try
        {
            if (task == "classification" && vit.Config.NumClasses <= 0)
                throw new InvariscopeException($"{weightsPath}: the checkpoint has no classification head (num_classes 0); nothing to evaluate");
            model = new TaskModel(vit, task, 0);
            if (model.Decoder is not null)
            {
                var decoderPath = RunLayout.DecoderOf(weightsPath);
                if (!File.Exists(decoderPath))
                    throw new InvariscopeException($"{weightsPath}: a reconstruction checkpoint needs its decoder {decoderPath}, which is missing");
                model.LoadDecoder(decoderPath, RunLayout.SidecarOf(weightsPath));
            }
            model.Train(false);
            return new EvaluatedCheckpoint(model, weightsPath, sidecar?.Path, Normalization.Parse(norm).Name);
        }
        catch
        {
            if (model is not null) model.Dispose(); else vit.Dispose();
            throw;
        }
    }

    /// <summary>Mean loss and accuracy on <paramref name="data"/> (fixed order, eval mode, no grad).</summary>
    /// <exception cref="InvariscopeException">The dataset's class count is not the model head's (an accuracy over
    /// other classes means nothing: 5 classes on a 6-class head score the sixth as an error), or it is empty.</exception>
    public EvalResult Evaluate(IImageDataset data, int batchSize, Device device, IProgress<(int done, int total)>? progress = null)
    {
        if (batchSize < 1) throw new InvariscopeException($"batch_size must be positive, got {batchSize}") { Field = "batch_size" };
        if (Task == "classification" && data.ClassNames.Count != Model.Vit.Config.NumClasses)
            throw new InvariscopeException(
                $"{data.Name} has {data.ClassNames.Count} classes but {WeightsPath} has a head of {Model.Vit.Config.NumClasses}");
        Model.To(device);
        var (loss, acc) = Evaluator.Run(Model, data, Transform, batchSize, device, progress);
        return new EvalResult(loss, acc, data.Count);
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
