using Invariscope.Data;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Study;

/// <summary>
/// The inputs of a study that its config's own validation cannot see: every dataset spec opens (training and
/// validation data of each run, the robustness test sets, the probe images) and every <c>init</c> checkpoint from
/// outside the study exists. Checked before the study folder is created, so a typo costs neither a folder that then
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
        if (config.PretrainConfig(source) is { } pre) Train(pre, "pretrain:");
        foreach (var s in config.Settings) Train(config.SettingConfig(s, null, source), $"setting '{s.Name}':");
        Open(config.Robustness?.Data, "robustness.data");
        Open(config.Robustness?.OodData, "robustness.ood_data");
        if (!string.IsNullOrEmpty(config.Analysis.Data)) Open(config.Analysis.Data, "analysis.data"); // empty: the robustness data
    }
}
