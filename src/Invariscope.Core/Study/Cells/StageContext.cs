using Invariscope.Analysis;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Study.Cells;

/// <summary>
/// What every stage of a study shares: the validated config, the study folder, the device and the callbacks, and
/// the facts about a run that several stages read: its folder, whether it has finished and at which epoch, and its
/// resolved train and analysis settings.
/// </summary>
public sealed class StageContext(StudyConfig config, string root, Device device, StudyCallbacks callbacks)
{
    /// <summary>The study's config.</summary>
    public StudyConfig Config { get; } = config;
    /// <summary>The study folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);
    /// <summary>Where models run.</summary>
    public Device Device { get; } = device;
    /// <summary>Log lines, training steps, progress bars.</summary>
    public StudyCallbacks Callbacks { get; } = callbacks;

    /// <summary>Logs an indented line under the current cell.</summary>
    public void Log(string line) => Callbacks.Log("  " + line);

    /// <summary>The folder of a run.</summary>
    public RunLayout Folder(StudyRun run) => new(Path.Combine(Root, run.Dir));

    /// <summary>The study folder's layout.</summary>
    public StudyLayout Layout => new(Root);

    /// <summary>The final epoch of a finished run (what it wrote, not what its plan says), or null while it is not finished.</summary>
    public int? FinalEpoch(StudyRun run) => RunFiles.FinalEpoch(Folder(run));

    /// <summary>Whether a finished run wrote <paramref name="epoch"/> (its epochs are 0 to its final one).</summary>
    public bool Wrote(StudyRun run, int epoch) => FinalEpoch(run) is int final && epoch <= final;

    /// <summary>The pretraining run, or null when the study has none.</summary>
    public StudyRun? Pretrain => Config.Pretrain is null ? null : new StudyRun(StudyLayout.PretrainName, null, null);

    /// <summary>The final checkpoint of the pretraining run, or null when the study has none.</summary>
    /// <exception cref="InvariscopeException">The pretraining run has not finished.</exception>
    public string? PretrainWeights()
    {
        if (Pretrain is not { } pretrain) return null;
        var final = FinalEpoch(pretrain) ?? throw new InvariscopeException($"{Folder(pretrain).Root}: the pretraining run has not finished (no done.json)");
        return Folder(pretrain).Weights(final);
    }

    /// <summary>A run's validated train config, <c>@pretrain</c> resolved to the pretraining run's final checkpoint.</summary>
    public TrainConfig TrainSettings(StudyRun run)
    {
        var train = run.Setting is null ? Config.PretrainConfig()! : Config.SettingConfig(run.Setting, UsesPretrain(run) ? PretrainWeights() : null, seed: run.Seed);
        return train with { Device = Device.ToString() };
    }

    /// <summary>Whether a setting's run starts from the study's pretrained model.</summary>
    public bool UsesPretrain(StudyRun run) =>
        run.Setting is not null && Config.Pretrain is not null && Config.SettingConfig(run.Setting, null, seed: run.Seed).Init == StudyConfig.PretrainRef;

    /// <summary>The analysis settings of a run: p = its epoch 0, every epoch analysed, the study's inversion cache.</summary>
    public AnalysisSettings AnalysisSettings(StudyRun run)
    {
        var folder = Folder(run);
        var normalize = Config.SettingConfig(run.Setting!, null, seed: run.Seed).Normalize;
        return Config.AnalysisFor(folder.Weights(0), folder.Root, normalize, Root);
    }

    /// <summary>The analysis folder of a run.</summary>
    public AnalysisLayout AnalysisFolder(StudyRun run) => Folder(run).Analysis;
}
