namespace Invariscope.Layout;

/// <summary>
/// The layout of a training run's folder: <c>config.json</c> (written first), <c>metrics.csv</c> and
/// <c>metrics.json</c> (rewritten each epoch) and their TensorBoard copy, <c>energy.json</c>, and per-epoch checkpoints
/// <c>checkpoints/epoch_NNN.*</c>, where epoch 0 is the starting point. An epoch is complete once its sidecar JSON
/// exists; it is written last, and every file is written to a temporary name and renamed, so a killed run never
/// leaves a half-written file. The run's later stages live inside it: <see cref="Robustness"/> and
/// <see cref="Analysis"/>. Paths only: what the files hold belongs to the stage that writes them.
/// </summary>
public sealed class RunLayout(string root)
{
    const string WeightsSuffix = ".safetensors";

    /// <summary>The run's folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);
    /// <summary>The resolved config; its presence means the folder holds a run.</summary>
    public string ConfigPath => Path.Combine(Root, "config.json");
    /// <summary>Per-epoch metrics as CSV.</summary>
    public string MetricsCsv => Path.Combine(Root, "metrics.csv");
    /// <summary>Per-epoch metrics as JSON.</summary>
    public string MetricsJson => Path.Combine(Root, "metrics.json");
    /// <summary>Train loss and accuracy at the start of finetuning (Ren et al.'s "energy").</summary>
    public string EnergyJson => Path.Combine(Root, "energy.json");
    /// <summary>The training scalars per epoch as a TensorBoard event file (its name must hold "tfevents" for TensorBoard to read it).</summary>
    public string TensorBoardEvents => Path.Combine(Root, "events.out.tfevents.invariscope");
    /// <summary>Written last, when the run has finished: its final epoch (an hp-ft run may stop before its plan's last).</summary>
    public string DonePath => Path.Combine(Root, "done.json");
    /// <summary>The checkpoints folder.</summary>
    public string CheckpointDir => Path.Combine(Root, "checkpoints");
    /// <summary>The per-epoch robustness evaluation of this run.</summary>
    public RobustnessLayout Robustness => new(Path.Combine(Root, "robustness"));
    /// <summary>The invariance analysis of every epoch of this run (the study's analysis stage).</summary>
    public AnalysisLayout Analysis => new(Path.Combine(Root, "analysis"));

    /// <summary>Whether the folder holds a run (its config.json exists).</summary>
    public bool Exists => File.Exists(ConfigPath);

    /// <summary>ViT weights after <paramref name="epoch"/>.</summary>
    public string Weights(int epoch) => Path.Combine(CheckpointDir, $"epoch_{epoch:D3}{WeightsSuffix}");
    /// <summary>Decoder weights after <paramref name="epoch"/> (reconstruction).</summary>
    public string DecoderWeights(int epoch) => DecoderOf(Weights(epoch));
    /// <summary>Optimizer state after <paramref name="epoch"/>.</summary>
    public string OptimizerState(int epoch) => Stem(Weights(epoch)) + ".optim" + WeightsSuffix;
    /// <summary>The sidecar (config, epoch, metrics, seed, versions) of <paramref name="epoch"/>.</summary>
    public string Sidecar(int epoch) => SidecarOf(Weights(epoch));

    /// <summary>The sidecar of weights <c>X.safetensors</c>: <c>X.json</c> (whether or not it lies in a run).</summary>
    public static string SidecarOf(string weightsPath) => Stem(weightsPath) + ".json";

    /// <summary>The decoder of weights <c>X.safetensors</c>: <c>X.decoder.safetensors</c>.</summary>
    public static string DecoderOf(string weightsPath) => Stem(weightsPath) + ".decoder" + WeightsSuffix;

    static string Stem(string path) =>
        path.EndsWith(WeightsSuffix, StringComparison.OrdinalIgnoreCase) ? path[..^WeightsSuffix.Length] : path;

    /// <summary>Epochs whose checkpoint is complete (sidecar and weights present), ascending.</summary>
    public List<int> CompleteEpochs()
    {
        if (!Directory.Exists(CheckpointDir)) return [];
        return Directory.EnumerateFiles(CheckpointDir, "epoch_*.json")
            .Select(f => Path.GetFileNameWithoutExtension(f)["epoch_".Length..])
            .Select(s => int.TryParse(s, out var e) ? e : -1)
            .Where(e => e >= 0 && File.Exists(Weights(e)))
            .Order().ToList();
    }
}
