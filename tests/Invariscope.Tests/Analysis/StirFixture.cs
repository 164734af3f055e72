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
    readonly Lazy<Dictionary<int, Inversion>> _all;

    public VisionTransformer Trained { get; }
    public VisionTransformer Fresh { get; }
    public Tensor Images { get; }
    public int Depth => Trained.Config.Depth;
    public int[] AllLayers => Enumerable.Range(0, Depth + 1).ToArray();
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
        _all = new(() => StirInversion.Invert(Trained, Images, AllLayers, Norm, new StirSettings(Steps: Steps), seed: 7, CPU));
    }

    /// <summary>Trained model inverted at every layer 0..Depth, <see cref="Steps"/> steps, seed 7.</summary>
    public Dictionary<int, Inversion> AllLayerInversion => _all.Value;

    public void Dispose()
    {
        if (_all.IsValueCreated) foreach (var inv in _all.Value.Values) inv.Dispose();
        Images.Dispose();
        Trained.Dispose();
        Fresh.Dispose();
        _dir.Dispose();
    }
}
