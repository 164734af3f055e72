using Invariscope.Runtime;
using System.Text.Json.Nodes;
using Invariscope.Analysis;
using Invariscope.Training;

namespace Invariscope.Study.Cells;

/// <summary>The inversions on one pretrained start for one STIR seed: the file, and its cache key when shared.</summary>
/// <param name="File">The safetensors file of X'(p, ·, seed), one entry per layer.</param>
/// <param name="Key">The content key (p's backbone, probe images, settings) of the study's cache, or null when not shared.</param>
public sealed record InversionResult(string File, string? Key);

/// <summary>
/// Inverts a pretrained start p for one STIR seed (<c>inversion/START/sK</c>), once for every run that starts from
/// p. Input: p's weights, which exist once p's training cell is done (the pretraining run's final checkpoint, or
/// the start's first run's epoch 0), so the content key is computed when the cell runs. Shared inversions go to
/// <c>inversions/KEY/</c>, and <c>inversions/cells/START/sK.json</c> records which file the cell wrote (written
/// last: the cell is done once it is there and names the same p and settings); unshared ones go to the run's own
/// <c>analysis/cache/</c>.
/// </summary>
public sealed class InversionStage(StageContext context) : Stage<InversionResult>(context), IDisposable
{
    (string start, InvarianceAnalysis analysis)? _kept;

    /// <inheritdoc/>
    public override CellKind Kind => CellKind.Inversion;

    /// <summary>p's weights.</summary>
    string Pretrained(InversionStart start) => start.FromPretrain ? Context.PretrainWeights()! : Context.Folder(start.First).Weights(0);

    /// <inheritdoc/>
    public override IReadOnlyList<string> Inputs(Cell cell) => [Pretrained(cell.Start!)];

    /// <inheritdoc/>
    public override string Folder(Cell cell) => cell.Start!.Shared
        ? Context.Layout.Inversions
        : Path.GetDirectoryName(Context.AnalysisFolder(cell.Start.First).PretrainedInversions(cell.Seed!.Value))!;

    string Marker(Cell cell) => Context.Layout.InversionMarker(cell.Start!.Name, cell.Seed!.Value);

    /// <inheritdoc/>
    public override IReadOnlyList<string> Outputs(Cell cell) => cell.Start!.Shared
        ? [Marker(cell)]
        : [Context.AnalysisFolder(cell.Start.First).PretrainedInversions(cell.Seed!.Value)];

    /// <inheritdoc/>
    public override bool IsDone(Cell cell)
    {
        if (cell.Start!.FromPretrain && Context.FinalEpoch(Context.Pretrain!) is null) return false;
        if (!cell.Start.Shared || !File.Exists(Marker(cell))) return base.IsDone(cell);
        var marker = JsonNode.Parse(File.ReadAllText(Marker(cell)))!;
        return File.Exists(Path.Combine(Context.Root, (string)marker["file"]!)) && (string?)marker["stamp"] == Stamp(cell);
    }

    /// <summary>What the marker must match: p's weights and the analysis settings the inversions depend on.</summary>
    string Stamp(Cell cell) => ((AnalysisSettings)Settings(cell) with { Finetuned = "" }).ToJson();

    /// <inheritdoc/>
    /// <remarks>
    /// Shared inversions read only p and live outside any run: "finetuned" names p too, since the start's first run
    /// may not exist yet. Unshared ones go into their one run's analysis folder, whose analysis.json they claim, so
    /// they use that run's analysis settings unchanged (the analysis cells then find the same settings there).
    /// </remarks>
    public override object Settings(Cell cell) => cell.Start!.Shared
        ? Context.AnalysisSettings(cell.Start.First) with { Pretrained = Pretrained(cell.Start), Finetuned = Pretrained(cell.Start) }
        : Context.AnalysisSettings(cell.Start.First);

    /// <inheritdoc/>
    protected override InversionResult Execute(Cell cell, CancellationToken cancel)
    {
        var start = cell.Start!;
        if (_kept?.start != start.Name)
        {
            Dispose();
            var progress = Context.Callbacks.Progress;
            _kept = (start.Name, new InvarianceAnalysis((AnalysisSettings)Settings(cell), Context.AnalysisFolder(start.First), Context.Device,
                Context.Log, progress is null ? null : label => progress($"{start.Name}: {label}")));
        }
        cancel.ThrowIfCancellationRequested();
        Context.Log($"seed {cell.Seed}");
        var file = _kept.Value.analysis.InvertPretrained(cell.Seed!.Value, cancel);
        if (!start.Shared) return new InversionResult(file, null);
        var result = new InversionResult(file, Path.GetFileName(Path.GetDirectoryName(file)));
        Json.Write(Marker(cell), new JsonObject
        {
            ["file"] = Path.GetRelativePath(Context.Root, file), ["key"] = result.Key, ["stamp"] = Stamp(cell),
        });
        return result;
    }

    /// <inheritdoc/>
    protected override InversionResult ReadBack(Cell cell)
    {
        if (!cell.Start!.Shared) return new InversionResult(Outputs(cell)[0], null);
        var marker = JsonNode.Parse(File.ReadAllText(Marker(cell)))!;
        return new InversionResult(Path.Combine(Context.Root, (string)marker["file"]!), (string?)marker["key"]);
    }

    /// <summary>Frees the kept start.</summary>
    public void Dispose()
    {
        _kept?.analysis.Dispose();
        _kept = null;
    }
}
