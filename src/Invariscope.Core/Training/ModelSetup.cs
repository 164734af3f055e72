using Invariscope.Checkpoints;
using Invariscope.Models;
using static TorchSharp.torch;

namespace Invariscope.Training;

/// <summary>Builds the model a run starts from.</summary>
public static class ModelSetup
{
    /// <summary>
    /// scratch: the preset, initialised from the seed. Otherwise: the <c>init</c> checkpoint's backbone with a
    /// fresh head of <paramref name="classes"/> outputs (none for reconstruction), initialised from the seed.
    /// </summary>
    public static VisionTransformer Build(TrainConfig c, int classes)
    {
        int headSize = c.Task == "classification" ? classes : 0;
        if (c.Strategy == "scratch")
            return new VisionTransformer(VitPresets.Get(c.Model) with { NumClasses = headSize }, c.Seed);
        using var start = VitCheckpoint.Load(c.Init!, c.InitConfig);
        var model = new VisionTransformer(start.Config with { NumClasses = headSize }, c.Seed);
        var target = model.state_dict();
        using var _ = no_grad();
        foreach (var (name, value) in start.state_dict())
            if (!name.StartsWith("head.", StringComparison.Ordinal))
                target[name].copy_(value);
        return model;
    }
}
