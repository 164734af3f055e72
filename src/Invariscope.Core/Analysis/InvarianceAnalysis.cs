using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Formats;
using Invariscope.Layout;
using Invariscope.Models;
using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>A checkpoint to analyse: its label (file stem), training epoch if known, and path.</summary>
public sealed record AnalyzedCheckpoint(string Label, int? Epoch, string Path);

/// <summary>
/// Runs the invariance analysis of a finetuned model (or every epoch of a run) against its pretrained start:
/// STIR-based forgetting, learning and invariance flow, and CKA divergence, per layer, over several inversion
/// seeds. Inversions on the pretrained model are shared by all checkpoints and cached on disk; each
/// (checkpoint, seed) is written when done, so a killed analysis resumes where it stopped.
/// </summary>
public sealed partial class InvarianceAnalysis(AnalysisSettings settings, AnalysisLayout folder, Device device,
    Action<string>? log = null, Func<string, IProgress<(int done, int total)>>? progress = null)
{
    /// <summary>Whether each comparison also gives its leave-one-out values (<see cref="AnalysisOptions.Intervals"/>).</summary>
    bool Intervals => settings.Intervals;

    string? _cacheKey;

    /// <summary>Computes every missing cell, then aggregates all of them.</summary>
    public AnalysisResults Run(CancellationToken cancel = default)
    {
        settings.Validate();
        using var inputs = Prepare();
        var checkpoints = Checkpoints();
        using var hold = FolderLock.Acquire(folder.Root); // every input is open: a typo leaves no folder behind
        PrepareFolder();
        int final = checkpoints.Max(c => c.Epoch ?? 0);
        foreach (var ckpt in checkpoints)
        {
            cancel.ThrowIfCancellationRequested();
            AnalyzeCheckpoint(inputs, ckpt, final, Enumerable.Range(0, settings.Seeds).ToList(), cancel);
        }
        return AnalysisResults.Collect(settings, folder, checkpoints, inputs.Names);
    }

    /// <summary>What every cell needs: p, the probe images and p's representations of them, per analysed layer.</summary>
    AnalysisInputs Prepare()
    {
        var p = VitCheckpoint.Load(settings.Pretrained, settings.Config, settings.Preset);
        try
        {
            var (layers, names) = Layers(p);
            var norm = Normalization.Parse(settings.Normalize);
            var dataset = DatasetSpecs.Open(settings.Data);
            if (dataset.Count < settings.Samples)
                throw new InvariscopeException($"samples {settings.Samples}: more than the {dataset.Count} images of data {settings.Data}") { Field = "samples" };
            var (x, labels) = DatasetTensors.Stack(dataset.Limit(settings.Samples, settings.SampleSeed), TransformSpec.Eval(p.Config.ImgSize, "none"));
            labels.Dispose();
            try { return new AnalysisInputs(p, x, Represent(p, x, layers, norm), layers, names, norm, StirSettings.Of(settings)); }
            catch { x.Dispose(); throw; }
        }
        catch { p.Dispose(); throw; }
    }

    /// <summary>The analysed layers of p and their names.</summary>
    (LayerId[] layers, string[] names) Layers(VisionTransformer p)
    {
        var layers = LayerSelection.Parse(settings.Layers, "layers").Resolve(p.Config.Depth);
        return (layers, layers.Select(l => l.Name).ToArray());
    }

    /// <summary>The cells of one checkpoint for <paramref name="seeds"/> (and its CKA cell), those not done yet.</summary>
    void AnalyzeCheckpoint(AnalysisInputs a, AnalyzedCheckpoint ckpt, int final, IReadOnlyList<int> seeds, CancellationToken cancel)
    {
        bool wantF = settings.Wants(MetricNames.Learning) || settings.Wants(MetricNames.Stir);
        AnalyzeCheckpoint(a.P, ckpt, a.X, a.PRep, a.Layers, a.Names, a.Norm, a.Stir, InvertsPretrained(settings),
            wantF && settings.LearningAt(ckpt.Epoch, final), seeds, cancel);
    }

    void PrepareFolder()
    {
        AtomicFile.RemoveStale(folder.Root, recursive: true); // cells/ and cache/ too
        if (SameSettings.Claim(folder.SettingsPath, settings.ToJson(), "an analysis", "use another --out or the same settings",
                saved => AnalysisSettings.FromJson(saved, folder.SettingsPath).ToJson()))
            log?.Invoke($"resuming the analysis in {folder.Root}");
    }

    /// <summary>The checkpoints named by <see cref="AnalysisSettings.Finetuned"/>: one file, or every complete epoch of a run.</summary>
    public List<AnalyzedCheckpoint> Checkpoints()
    {
        if (File.Exists(settings.Finetuned))
            return [new(System.IO.Path.GetFileNameWithoutExtension(settings.Finetuned), EpochOf(settings.Finetuned), settings.Finetuned)];
        var run = new RunLayout(settings.Finetuned);
        var epochs = run.CompleteEpochs();
        if (epochs.Count == 0) throw new InvariscopeException($"finetuned {settings.Finetuned}: no complete epoch checkpoints in {run.CheckpointDir}") { Field = "finetuned" };
        return epochs.Select(e => new AnalyzedCheckpoint(EpochLabel(e), e, run.Weights(e))).ToList();
    }

    static int? EpochOf(string path)
    {
        using var f = Safetensors.Open(path);
        return f.Metadata.TryGetValue("epoch", out var e) && int.TryParse(e, out var epoch) ? epoch : null;
    }

    /// <summary>The analysis's representation of <paramref name="layers"/> for probe or inverted images in [0, 1].</summary>
    VitIntermediates Represent(VisionTransformer m, Tensor images01, IReadOnlyList<LayerId> layers, Normalization norm) =>
        Representations.Extract(m, images01, layers, ImageInput.Pixels(norm), device, settings.Representation);

    void AnalyzeCheckpoint(VisionTransformer p, AnalyzedCheckpoint ckpt, Tensor x, VitIntermediates pRep, LayerId[] layers, string[] names,
        Normalization norm, StirSettings stir, bool needP, bool needF, IReadOnlyList<int> seeds, CancellationToken cancel)
    {
        var todo = seeds.Where(s => !File.Exists(folder.Cell(ckpt.Label, s))).ToList();
        bool wantCka = settings.Wants(MetricNames.CkaDivergence) && !File.Exists(folder.CkaCell(ckpt.Label));
        if (todo.Count == 0 && !wantCka) return;
        using var f = VitCheckpoint.Load(ckpt.Path, settings.Config, settings.Preset);
        CheckSameBackbone(p, f, ckpt.Path);
        var fRep = Represent(f, x, layers, norm);
        try
        {
            if (wantCka)
            {
                var cka = layers.Select(l => Compare(pRep[l], fRep[l])).ToList();
                Json.Write(folder.CkaCell(ckpt.Label), new CkaDivergenceCell(
                    cka.Select(c => InvarianceMetrics.Dissimilarity(c.value)).ToArray(),
                    Intervals ? cka.Select(c => c.loo!.Select(InvarianceMetrics.Dissimilarity).ToArray()).ToArray() : null));
            }
            foreach (var seed in todo)
            {
                cancel.ThrowIfCancellationRequested();
                log?.Invoke($"{ckpt.Label}, seed {seed}");
                var diagnostics = new List<InversionDiagnostics>();
                double[][]? flow = null, looFGivenP = null, looPGivenF = null;
                double[]? fGivenP = null, pGivenF = null;
                if (needP)
                {
                    var invP = PretrainedInversions(p, x, layers, names, norm, stir, seed, diagnostics, cancel);
                    try { (fGivenP, looFGivenP, flow) = CompareOnInversions(f, fRep, invP, layers, norm, settings.Wants(MetricNames.Flow)); }
                    finally { foreach (var t in invP.Values) t.Dispose(); }
                }
                if (needF && fGivenP is not null && IsPretrained(ckpt))
                {
                    // f is p itself (a run's epoch 0): X'(f, i, s) = X'(p, i, s), so STIR(p|f) is STIR(f|p), the noise floor.
                    (pGivenF, looPGivenF) = (fGivenP, looFGivenP);
                }
                else if (needF)
                {
                    var invF = StirInversion.Invert(f, x, layers, norm, stir, seed, device, progress?.Invoke($"invert {ckpt.Label} s{seed}"), cancel);
                    try
                    {
                        var compared = layers.Select(l =>
                        {
                            using var rep = Represent(p, invF[l].Images, [l], norm);
                            return Compare(pRep[l], rep[l]);
                        }).ToList();
                        pGivenF = compared.Select(c => c.value).ToArray();
                        looPGivenF = Intervals ? compared.Select(c => c.loo!).ToArray() : null;
                        diagnostics.AddRange(layers.Select((l, k) => InversionDiagnostics.Of(ckpt.Label, seed, names[k], invF[l].RelativeError)));
                    }
                    finally { foreach (var inv in invF.Values) inv.Dispose(); }
                }
                Warn(diagnostics);
                Json.Write(folder.Cell(ckpt.Label, seed), new AnalysisCell(ckpt.Label, seed, fGivenP, flow, pGivenF, diagnostics, looFGivenP, looPGivenF));
            }
        }
        finally
        {
            fRep.Dispose();
        }
    }

    bool IsPretrained(AnalyzedCheckpoint ckpt) =>
        string.Equals(System.IO.Path.GetFullPath(ckpt.Path), System.IO.Path.GetFullPath(settings.Pretrained), StringComparison.Ordinal);

    /// <summary>X'(p, l, seed) for every layer, from the cache or inverted now (and cached). Images (N,3,H,W) per layer.</summary>
    Dictionary<LayerId, Tensor> PretrainedInversions(VisionTransformer p, Tensor x, LayerId[] layers, string[] names, Normalization norm,
        StirSettings stir, int seed, List<InversionDiagnostics> diagnostics, CancellationToken cancel = default)
    {
        var path = PretrainedInversionsPath(p, seed);
        var result = new Dictionary<LayerId, Tensor>();
        if (File.Exists(path))
        {
            using var file = Safetensors.Open(path);
            foreach (var (l, k) in layers.Select((l, k) => (l, k)))
            {
                result[l] = file.Get($"images_{names[k]}");
                using var err = file.Get($"error_{names[k]}");
                diagnostics.Add(InversionDiagnostics.Of("pretrained", seed, names[k], err.data<double>().ToArray()));
            }
            return result;
        }
        var inv = StirInversion.Invert(p, x, layers, norm, stir, seed, device, progress?.Invoke($"invert pretrained s{seed}"), cancel);
        var save = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (l, k) in layers.Select((l, k) => (l, k)))
            {
                save[$"images_{names[k]}"] = inv[l].Images;
                save[$"error_{names[k]}"] = tensor(inv[l].RelativeError);
                diagnostics.Add(InversionDiagnostics.Of("pretrained", seed, names[k], inv[l].RelativeError));
            }
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            Safetensors.Save(path, save);
            foreach (var l in layers) result[l] = inv[l].Images.clone();
            return result;
        }
        finally
        {
            foreach (var (k, t) in save) if (k.StartsWith("error_")) t.Dispose();
            foreach (var i in inv.Values) i.Dispose();
        }
    }

    /// <summary>The file of X'(p, ·, seed): in the shared cache under p's key, or in this analysis's own folder.</summary>
    string PretrainedInversionsPath(VisionTransformer p, int seed) => settings.InversionCache is { } cache
        ? AnalysisLayout.SharedInversions(cache, _cacheKey ??= InversionCache.Key(p, settings), seed)
        : folder.PretrainedInversions(seed);

    /// <summary>
    /// STIR(f_j | p_i) for every pretrained-layer inversion i: f's layer-j representation of X against that of X'(p, i).
    /// Returns the diagonal (STIR(f_i | p_i)) with its leave-one-out values and, when asked, the full matrix.
    /// </summary>
    (double[] diagonal, double[][]? loo, double[][]? matrix) CompareOnInversions(VisionTransformer f, VitIntermediates fRep,
        Dictionary<LayerId, Tensor> invP, LayerId[] layers, Normalization norm, bool fullMatrix)
    {
        var diagonal = new double[layers.Length];
        var loo = Intervals ? new double[layers.Length][] : null;
        var matrix = fullMatrix ? new double[layers.Length][] : null;
        for (int i = 0; i < layers.Length; i++)
        {
            var compareOn = fullMatrix ? layers : [layers[i]];
            using var rep = Represent(f, invP[layers[i]], compareOn, norm);
            if (matrix is not null) matrix[i] = layers.Select(j => Cka.Linear(fRep[j], rep[j])).ToArray();
            diagonal[i] = matrix?[i][i] ?? Cka.Linear(fRep[layers[i]], rep[layers[i]]);
            if (loo is not null) loo[i] = CkaJackknife.LeaveOneOut(fRep[layers[i]], rep[layers[i]]);
        }
        return (diagonal, loo, matrix);
    }

    /// <summary>Linear CKA of two representations of the probe images, and with each image left out in turn.</summary>
    (double value, double[]? loo) Compare(Tensor a, Tensor b) =>
        (Cka.Linear(a, b), Intervals ? CkaJackknife.LeaveOneOut(a, b) : null);

    static void CheckSameBackbone(VisionTransformer p, VisionTransformer f, string path)
    {
        var (a, b) = (p.Config with { NumClasses = 0 }, f.Config with { NumClasses = 0 });
        if (a != b) throw new InvariscopeException($"{path}: its architecture differs from the pretrained model's ({b.ToJson().ReplaceLineEndings(" ")} vs {a.ToJson().ReplaceLineEndings(" ")})");
    }

    readonly HashSet<InversionDiagnostics> _warned = [];

    /// <summary>Warns once per inversion (the shared inversions on p come back for every checkpoint); results.json keeps the same warnings.</summary>
    void Warn(IEnumerable<InversionDiagnostics> diagnostics)
    {
        foreach (var d in diagnostics.Where(d => d.ConvergedPoorly && _warned.Add(d)))
            log?.Invoke($"warning: {d.Warning}");
    }
}
