using Invariscope.Analysis;
using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Layout;
using Invariscope.Models;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Analysis;

/// <summary>
/// A vit_micro_patch4_16 trained for 3 epochs on synthetic shapes (trained once per test class), its freshly initialised
/// twin, 32 held-out images in [0, 1], and (lazily) an all-layer inversion shared by the STIR property tests.
/// </summary>
public sealed class StirFixture : IDisposable
{
    public const int Steps = 200;
    readonly TestData.TempDir _dir = new();
    readonly Lazy<Dictionary<LayerId, Inversion>> _all;

    public VisionTransformer Trained { get; }
    public VisionTransformer Fresh { get; }
    public Tensor Images { get; }
    public int Depth => Trained.Config.Depth;
    /// <summary>Every layer of the index space: block0..block{Depth−1}, pre_logits.</summary>
    public LayerId[] AllLayers => LayerSelection.All.Resolve(Depth);
    /// <summary>Index <paramref name="i"/> of the index space (Depth = pre_logits).</summary>
    public LayerId At(int i) => LayerSelection.Of(i).Resolve(Depth)[0];
    public Normalization Norm => Normalization.None;

    public StirFixture()
    {
        _ = TestData.Fixture("");
        var run = new RunLayout(_dir.Path);
        new Trainer(new TrainConfig { Data = "synthetic:shapes?size=16&n=512&seed=1", Epochs = 3, BatchSize = 64, Seed = 0, Device = "cpu" },
            run, CPU).Run();
        Trained = VitCheckpoint.Load(run.Weights(3));
        Trained.eval();
        Fresh = new VisionTransformer(Trained.Config, seed: 123);
        Fresh.eval();
        var (images, labels) = DatasetTensors.Stack(DatasetSpecs.Open("synthetic:shapes?size=16&n=32&seed=9"), TransformSpec.Eval(16, "none"));
        labels.Dispose();
        Images = images;
        _all = new(() => StirInversion.Invert(Trained, Images, AllLayers, Norm, StirSettings.Of(new AnalysisOptions { Steps = Steps }), seed: 7, CPU));
    }

    /// <summary>Trained model inverted at every layer of the index space, <see cref="Steps"/> steps, seed 7.</summary>
    public Dictionary<LayerId, Inversion> AllLayerInversion => _all.Value;

    public void Dispose()
    {
        if (_all.IsValueCreated) foreach (var inv in _all.Value.Values) inv.Dispose();
        Images.Dispose();
        Trained.Dispose();
        Fresh.Dispose();
        _dir.Dispose();
    }
}
