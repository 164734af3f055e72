using Invariscope.Data;
using Invariscope.Data.Corruptions;
using Invariscope.Evaluation;
using Invariscope.Layout;
using Invariscope.Models;
using Invariscope.Runtime;
using Invariscope.Tests.Training;
using Invariscope.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Tests.Evaluation;

public class EvaluateTests
{
    [Fact]
    public void AccuracyAndLossMatchAHandCount()
    {
        using var dir = new TestData.TempDir();
        var path = EvalModels.SaveVit(dir.File("m.safetensors"), classes: 6, seed: 3);
        var data = DatasetSpecs.Open(EvalModels.Data);
        using var ckpt = EvaluatedCheckpoint.Load(path);
        Assert.Equal("classification", ckpt.Task);
        Assert.Equal("vit", ckpt.Normalize);
        Assert.Null(ckpt.SidecarPath);
        var r = ckpt.Evaluate(data, batchSize: 20, CPU);

        var (images, labels) = EvalModels.ByHand(data, 0.5f, 0.5f);
        using var model = Invariscope.Checkpoints.VitCheckpoint.Load(path);
        using var _ = no_grad();
        using var logits = model.call(images);
        var pred = logits.argmax(1).data<long>().ToArray();
        int correct = Enumerable.Range(0, labels.Length).Count(i => pred[i] == labels[i]);
        using var target = tensor(labels);
        double loss = nn.functional.cross_entropy(logits, target).item<float>();

        Assert.Equal(64, r.N);
        Assert.Equal(correct / 64.0, r.Accuracy, 12);
        // Batches of 20 vs one of 64: measured 9e-8 apart (also with MKL_CBWR=COMPATIBLE, OMP_NUM_THREADS=2). A tolerance,
        // not Assert.Equal(a, b, 4), which rounds both and fails for close values on either side of a rounding boundary.
        Assert.Equal(loss, r.Loss, 1e-5);
        Assert.InRange(correct, 1, 63); // a random head gets some right and some wrong: the count is meaningful
    }

    [Fact]
    public void SidecarGivesTaskAndNormalizationAndReconstructionUsesTheDecoder()
    {
        using var dir = new TestData.TempDir();
        _ = TestData.Fixture("");
        var path = dir.File("epoch_002.safetensors");
        using (var tm = new TaskModel(new VisionTransformer(VitPresets.Get("vit_micro_patch4_16") with { NumClasses = 0 }, 4), "reconstruction", 4))
            tm.Save(path, RunLayout.DecoderOf(path), new Dictionary<string, string>());
        EvalModels.WriteSidecar(path, "reconstruction", "none");

        using var ckpt = EvaluatedCheckpoint.Load(path);
        Assert.Equal("reconstruction", ckpt.Task);
        Assert.Equal("none", ckpt.Normalize);
        Assert.NotNull(ckpt.Model.Decoder);
        var data = DatasetSpecs.Open("synthetic:shapes?size=16&n=24");
        var r = ckpt.Evaluate(data, 10, CPU);

        var (images, _) = EvalModels.ByHand(data, 0f, 1f);
        using var g = no_grad();
        var (loss, _) = ckpt.Model.Loss(images, zeros(24, dtype: int64));
        Assert.Equal(loss.item<float>(), r.Loss, 1e-5); // batches of 10 vs 24: measured 3.5e-8 apart
        Assert.Equal(0, r.Accuracy);

        // an explicit normalisation overrides the sidecar's; a missing decoder is a one-line error
        using (var other = EvaluatedCheckpoint.Load(path, normalize: "imagenet")) Assert.Equal("imagenet", other.Normalize);
        File.Delete(RunLayout.DecoderOf(path));
        var e = Assert.Throws<InvariscopeException>(() => EvaluatedCheckpoint.Load(path));
        Assert.Contains("decoder", e.Message);
    }

    [Fact]
    public void AllCorruptionsAndSeveritiesGiveDeterministicCellsThatDependOnSeverity()
    {
        using var dir = new TestData.TempDir();
        using var ckpt = EvaluatedCheckpoint.Load(EvalModels.SaveVit(dir.File("m.safetensors"), seed: 5));
        var data = DatasetSpecs.Open(EvalModels.Data);
        var plan = new CorruptionPlan(CorruptionPlan.ParseCorruptions("all"), CorruptionPlan.ParseSeverities("1-5"), Limit: 8, Seed: 2);
        var cells = 0;
        var progress = new Progress(p => cells = Math.Max(cells, p.done));
        var a = CorruptionEvaluation.Run(ckpt, data, plan, 64, CPU, progress);
        Assert.Equal(15 * 5, a.Cells.Count);
        Assert.Equal(Corruptions.All, a.Corruptions);
        Assert.Equal([1, 2, 3, 4, 5], a.Severities);
        Assert.All(a.Cells, c => Assert.Equal(8, c.N));
        Assert.Equal(8, a.Clean!.N);
        Assert.Equal(76, cells);
        Assert.Equal(a.Cells.Average(c => c.Accuracy), a.MeanAccuracy, 12);
        for (int s = 1; s <= 5; s++)
            Assert.Equal(a.Cells.Where(c => c.Severity == s).Average(c => c.Accuracy), a.MeanAccuracyBySeverity[s], 12);

        var b = CorruptionEvaluation.Run(ckpt, data, plan, 3, CPU); // other batch size, same numbers (losses: ≤ 2.1e-7 apart in the kernel settings tried)
        Assert.Equal(a.Cells.Select(c => c.Accuracy), b.Cells.Select(c => c.Accuracy));
        Assert.Equal(a.Cells.Select(c => c.Loss), b.Cells.Select(c => c.Loss), (x, y) => Math.Abs(x - y) < 1e-5);

        // the severity changes the numbers: per corruption, the five losses are not all equal
        foreach (var name in Corruptions.All)
            Assert.True(a.Cells.Where(c => c.Corruption == name).Select(c => c.Loss).Distinct().Count() > 1, name);

        var csv = a.ToCsv().Trim().Split('\n');
        Assert.Equal(CorruptionReport.CsvHeader, csv[0]);
        Assert.Equal(76, csv.Length);
        Assert.Contains("mean", a.FormatTable());
    }

    [Fact]
    public void CifarCFolderMatchesOnTheFlyCorruption()
    {
        using var dir = new TestData.TempDir();
        using var ckpt = EvaluatedCheckpoint.Load(EvalModels.SaveVit(dir.File("m.safetensors"), classes: 6, seed: 6));
        var data = DatasetSpecs.Open("synthetic:shapes?size=16&n=20");
        string[] names = ["gaussian_noise", "fog"];
        CifarCWriter.Write(data, dir.File("c"), names, seed: 9);
        var fly = CorruptionEvaluation.Run(ckpt, data, new CorruptionPlan(names, [1, 3, 5], Seed: 9), 8, CPU);
        var files = CorruptionEvaluation.Run(ckpt, null, new CorruptionPlan(names, [1, 3, 5], Seed: 9, CifarCFolder: dir.File("c")), 8, CPU);
        Assert.Null(files.Clean);
        Assert.Equal(6, files.Cells.Count);
        Assert.Equal(fly.Cells.Select(c => (c.Corruption, c.Severity, c.Accuracy, c.N)), files.Cells.Select(c => (c.Corruption, c.Severity, c.Accuracy, c.N)));
        Assert.Equal(fly.Cells.Select(c => c.Loss), files.Cells.Select(c => c.Loss), (x, y) => Math.Abs(x - y) < 1e-5);

        var limited = CorruptionEvaluation.Run(ckpt, null, new CorruptionPlan(["fog"], [2], Limit: 7, CifarCFolder: dir.File("c")), 8, CPU);
        Assert.Equal(7, limited.Cells.Single().N);
        var e = Assert.Throws<InvariscopeException>(() =>
            CorruptionEvaluation.Run(ckpt, null, new CorruptionPlan(["snow"], [1], CifarCFolder: dir.File("c")), 8, CPU));
        Assert.Contains("snow.npy", e.Message);
    }

    [Theory]
    [InlineData("1-5", new[] { 1, 2, 3, 4, 5 })]
    [InlineData("1,3,5", new[] { 1, 3, 5 })]
    [InlineData("5,1-2", new[] { 1, 2, 5 })]
    [InlineData("3", new[] { 3 })]
    public void ParsesSeverities(string text, int[] expected) => Assert.Equal(expected, CorruptionPlan.ParseSeverities(text));

    [Theory]
    [InlineData("6")]
    [InlineData("0-5")]
    [InlineData("1-6")]
    [InlineData("4-2")]
    [InlineData("x")]
    [InlineData("1--2")]
    public void RejectsBadSeverities(string text) => Assert.Throws<InvariscopeException>(() => CorruptionPlan.ParseSeverities(text));

    [Fact]
    public void ParsesCorruptionNames()
    {
        Assert.Equal(15, CorruptionPlan.ParseCorruptions("all").Count);
        Assert.Equal(["fog", "snow"], CorruptionPlan.ParseCorruptions("fog, snow"));
        Assert.Contains("valid", Assert.Throws<InvariscopeException>(() => CorruptionPlan.ParseCorruptions("fgo")).Message);
        Assert.Throws<InvariscopeException>(() => CorruptionPlan.ParseCorruptions("fog,fog"));
        Assert.Equal(["speckle_noise"], CorruptionPlan.ParseCorruptions("speckle_noise", anyName: true));
    }

    sealed class Progress(Action<(int done, int total)> on) : IProgress<(int done, int total)>
    {
        public void Report((int done, int total) value) => on(value);
    }
}
