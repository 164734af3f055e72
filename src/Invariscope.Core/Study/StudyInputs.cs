using Invariscope.Data;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Study;

/// <summary>
/// The inputs of a study that its config's own validation cannot see: every dataset spec opens (training and
/// validation data of each run, the robustness test sets, the probe images), every <c>init</c> checkpoint from
/// outside the study exists, and the analysis's layers exist in each model trained from scratch. Checked before the study folder is created, so a typo costs neither a folder that then
/// refuses the corrected config nor hours of training before the first stage that reads the bad input.
/// </summary>
public static class StudyInputs
{
    /// <summary>Throws <see cref="InvariscopeException"/> naming the study field of the first input that does not open.</summary>
    public static void Check(StudyConfig config, string source = "study")
    {
        var opened = new HashSet<string>();
        void Open(string? spec, string field)
        {
            if (spec is null || !opened.Add(spec)) return;
            try { DatasetSpecs.Open(spec); }
            catch (InvariscopeException e) { throw new InvariscopeException($"{source}: {field}: {e.Message}", e); }
        }
        void Train(TrainConfig train, string where)
        {
            Open(train.Data, $"{where} data");
            Open(train.ValData, $"{where} val_data");
            if (train.Init is { } init && init != StudyConfig.PretrainRef && !File.Exists(init))
                throw new InvariscopeException($"{source}: {where} init {init}: file not found");
        }
        // the analysis's layers against the depth of every model trained from scratch here (the finetuned runs
        // inherit the pretrain's); a depth only an init file knows is checked when the analysis opens it
        void Layers(TrainConfig train, string where)
        {
            if (train.Init is not null || config.Analysis.Layers is not { } layers) return;
            int depth;
            try { depth = Models.VitPresets.Get(train.Model).Depth; }
            catch (InvariscopeException) { return; } // not a preset: the training reports it
            try { Models.LayerSelection.Parse(layers, "analysis.layers").Resolve(depth); }
            catch (InvariscopeException e) { throw new InvariscopeException($"{source}: {where} {e.Message}", e); }
        }
        if (config.PretrainConfig(source) is { } pre) { Train(pre, "pretrain:"); Layers(pre, "pretrain:"); }
        foreach (var s in config.Settings)
        {
            var train = config.SettingConfig(s, null, source);
            Train(train, $"setting '{s.Name}':");
            Layers(train, $"setting '{s.Name}':");
        }
        Open(config.Robustness?.Data, "robustness.data");
        Open(config.Robustness?.OodData, "robustness.ood_data");
        Open(config.ProbeData, "analysis.data"); // the robustness data when analysis.data is empty, then already opened
    }
}
