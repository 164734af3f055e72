using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Layout;
using Invariscope.Models;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>p, the probe images X (N,3,H,W) in [0, 1], and p's representation of X per analysed layer: shared by every cell.</summary>
sealed record AnalysisInputs(VisionTransformer P, Tensor X, VitIntermediates PRep, LayerId[] Layers, string[] Names,
    Normalization Norm, StirSettings Stir) : IDisposable
{
    public void Dispose()
    {
        PRep.Dispose();
        X.Dispose();
        P.Dispose();
    }
}

/// <summary>
/// The analysis one cell at a time, for a study that schedules its cells separately: the inversions on p for one
/// seed, one (checkpoint, seed) cell, and the aggregation of every finished cell. <see cref="Run"/> is the loop over
/// the same cells. The inputs are loaded on the first call and kept until <see cref="Dispose"/>.
/// </summary>
public sealed partial class InvarianceAnalysis : IDisposable
{
    AnalysisInputs? _inputs;
    bool _folderReady;

    AnalysisInputs Inputs()
    {
        if (_inputs is not null) return _inputs;
        settings.Validate();
        return _inputs = Prepare();
    }

    void ReadyFolder()
    {
        if (_folderReady) return;
        settings.Validate();
        PrepareFolder();
        _folderReady = true;
    }

    /// <summary>
    /// Inverts p for one STIR seed into its file (the shared cache, or this analysis's own folder), unless it is there
    /// already; returns the file.
    /// </summary>
    public string InvertPretrained(int seed, CancellationToken cancel = default)
    {
        if (settings.InversionCache is null) ReadyFolder();
        var a = Inputs();
        var path = PretrainedInversionsPath(a.P, seed);
        if (File.Exists(path)) return path;
        var diagnostics = new List<InversionDiagnostics>();
        var inv = PretrainedInversions(a.P, a.X, a.Layers, a.Names, a.Norm, a.Stir, seed, diagnostics, cancel);
        foreach (var t in inv.Values) t.Dispose();
        Warn(diagnostics);
        return path;
    }

    /// <summary>The files of the cell of (<paramref name="epoch"/>, <paramref name="seed"/>): its STIR cell and, when asked for, its checkpoint's CKA cell.</summary>
    public static IReadOnlyList<string> CellFiles(AnalysisSettings settings, AnalysisLayout folder, int epoch, int seed) =>
        settings.Wants(MetricNames.CkaDivergence) ? [folder.Cell(EpochLabel(epoch), seed), folder.CkaCell(EpochLabel(epoch))] : [folder.Cell(EpochLabel(epoch), seed)];

    /// <summary>
    /// Computes the cell of one epoch of the run and one STIR seed, and the epoch's CKA cell if missing, unless done.
    /// <paramref name="final"/> is the run's last epoch (for <see cref="AnalysisOptions.LearningAt"/>).
    /// </summary>
    public void AnalyzeCell(int epoch, int seed, int final, CancellationToken cancel = default)
    {
        ReadyFolder();
        var ckpt = Checkpoints().FirstOrDefault(c => c.Epoch == epoch)
            ?? throw new InvariscopeException($"finetuned {settings.Finetuned}: no complete checkpoint of epoch {epoch}") { Field = "finetuned" };
        AnalyzeCheckpoint(Inputs(), ckpt, final, [seed], cancel);
    }

    /// <summary>Aggregates every finished cell into results.json and the CSV tables (as <see cref="Run"/> does at its end).</summary>
    public AnalysisResults Collect()
    {
        ReadyFolder();
        using var p = VitCheckpoint.Load(settings.Pretrained, settings.Config, settings.Preset);
        return AnalysisResults.Collect(settings, folder, Checkpoints(), Layers(p).names);
    }

    /// <summary>Whether an analysis with <paramref name="settings"/> compares against inversions on p (forgetting, flow, STIR).</summary>
    public static bool InvertsPretrained(AnalysisOptions settings) =>
        settings.Wants(MetricNames.Forgetting) || settings.Wants(MetricNames.Flow) || settings.Wants(MetricNames.Stir);

    static string EpochLabel(int epoch) => $"epoch_{epoch:D3}";

    /// <summary>Frees the inputs kept for the cells.</summary>
    public void Dispose()
    {
        _inputs?.Dispose();
        _inputs = null;
    }
}
