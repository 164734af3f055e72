using Invariscope.Analysis;
using Invariscope.Runtime;

namespace Invariscope.Tests.Analysis;

/// <summary>The noise floor (epoch 0) of STIR per layer, and which epochs get a learning inversion.</summary>
public class NoiseFloorAndLearningEpochsTests
{
    static LayerSeries S(params double[] mean) => new(mean, new double[mean.Length], 2);

    static CheckpointResult C(int? epoch, Dictionary<string, LayerSeries> perLayer) =>
        new(epoch is int e ? $"epoch_{e:D3}" : "ft", epoch, perLayer, null, null, null, new Dictionary<string, IReadOnlyList<LayerAggregate>>());

    static AnalysisResults A(params CheckpointResult[] checkpoints) => new(new AnalysisSettings(), ["block0", "pre_logits"], checkpoints, []);

    [Fact]
    public void The_floor_is_epoch_0_forgetting_and_the_final_values_are_given_raw_and_above_it()
    {
        // Checkpoints out of order: the floor is found by epoch, the final is the last epoch.
        var r = A(C(2, new() { ["forgetting"] = S(0.1, 0.2), ["learning"] = S(0.05, 0.3) }),
                  C(0, new() { ["forgetting"] = S(0.02, 0.03), ["learning"] = S(0.025, 0.035) }),
                  C(1, new() { ["forgetting"] = S(0.5, 0.5), ["learning"] = S(0.5, 0.5) }));
        Assert.Equal([0.02, 0.03], NoiseFloor.Floor(r)!);
        var rows = NoiseFloor.Rows(r)!;
        Assert.Equal(["block0", "pre_logits"], rows.Select(x => x.Layer));
        Assert.Equal(0.02, rows[0].Floor);
        Assert.Equal(0.03, rows[1].Floor);
        Assert.Equal(0.1, rows[0].Forgetting);
        Assert.Equal(0.2, rows[1].Forgetting);
        Assert.Equal(0.05, rows[0].Learning);
        Assert.Equal(0.3, rows[1].Learning);
        Assert.Equal(0.08, rows[0].ForgettingAboveFloor, 1e-12);
        Assert.Equal(0.17, rows[1].ForgettingAboveFloor, 1e-12);
        Assert.Equal(0.03, rows[0].LearningAboveFloor, 1e-12);
        Assert.Equal(0.27, rows[1].LearningAboveFloor, 1e-12);
    }

    [Fact]
    public void No_epoch_0_means_no_floor_and_unmeasured_learning_is_NaN()
    {
        Assert.Null(NoiseFloor.Floor(A(C(1, new() { ["forgetting"] = S(0.1, 0.2) }), C(2, new() { ["forgetting"] = S(0.1, 0.2) }))));
        Assert.Null(NoiseFloor.Rows(A(C(1, new() { ["forgetting"] = S(0.1, 0.2) }))));
        Assert.Null(NoiseFloor.Rows(A(C(null, new() { ["forgetting"] = S(0.1, 0.2) }))));
        // Epoch 0 without forgetting (e.g. only CKA measured): no floor either.
        Assert.Null(NoiseFloor.Rows(A(C(0, new() { ["cka_divergence"] = S(0, 0) }), C(1, new() { ["cka_divergence"] = S(0.1, 0.1) }))));
        // Learning only at epoch 0 (learning_epochs = "0"): the final row has NaN learning.
        var rows = NoiseFloor.Rows(A(C(0, new() { ["forgetting"] = S(0.02, 0.03), ["learning"] = S(0.02, 0.03) }),
                                     C(3, new() { ["forgetting"] = S(0.12, 0.13) })))!;
        Assert.True(double.IsNaN(rows[0].Learning) && double.IsNaN(rows[1].LearningAboveFloor));
        Assert.Equal(0.1, rows[1].ForgettingAboveFloor, 1e-12);
    }

    static AnalysisSettings L(string epochs) => new() { LearningEpochs = epochs };

    [Fact]
    public void LearningAt_all_final_and_lists()
    {
        Assert.All(Enumerable.Range(0, 11), e => Assert.True(L("all").LearningAt(e, 10)));
        Assert.Equal([0, 10], Enumerable.Range(0, 11).Where(e => L("final").LearningAt(e, 10)));
        Assert.Equal([0, 5, 10], Enumerable.Range(0, 11).Where(e => L("0,5,10").LearningAt(e, 10)));
        Assert.Equal([0, 3, 7], Enumerable.Range(0, 11).Where(e => L(" 3 , 7").LearningAt(e, 10)));   // trimmed; 0 always
        // A single checkpoint (no epoch) is always measured.
        Assert.True(L("final").LearningAt(null, 0));
        Assert.True(L("5").LearningAt(null, 10));
    }

    [Theory]
    [InlineData("5,x")]
    [InlineData("1,-2")]
    [InlineData("fnal")]
    [InlineData("")]
    public void A_bad_learning_epochs_list_is_an_error_also_at_validation(string bad)
    {
        Assert.Contains("learning_epochs", Assert.Throws<InvariscopeException>(() => L(bad).LearningAt(3, 10)).Message);
        // Epoch 0 is measured whatever the list says.
        Assert.True(L(bad).LearningAt(0, 10));
        // Validation rejects it before any inversion runs.
        Assert.Contains("learning_epochs", Assert.Throws<InvariscopeException>(() => L(bad).Validate(checkFiles: false)).Message);
        var ok = L("0,5,10");
        Assert.Same(ok, ok.Validate(checkFiles: false));
    }
}
