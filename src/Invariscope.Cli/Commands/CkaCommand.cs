using System.CommandLine;
using System.Globalization;
using Invariscope.Analysis;
using Invariscope.Formats;
using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Cli.Commands;

/// <summary>
/// <c>invariscope cka</c>: CKA between two tensors (<c>FILE:TENSOR</c>), or layer by layer between two
/// <c>extract</c> output files (every tensor name the two files share).
/// </summary>
public static class CkaCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var a = new Option<string>("--a") { Description = "FILE.safetensors:TENSOR (N, ...), or an extract output file for layer-by-layer mode", Required = true };
        var b = new Option<string>("--b") { Description = "FILE.safetensors:TENSOR (N, ...), or an extract output file for layer-by-layer mode", Required = true };
        var kind = new Option<string>("--kind") { Description = "linear (default), debiased or rbf", DefaultValueFactory = _ => "linear" };
        var threshold = new Option<double>("--threshold") { Description = "RBF bandwidth as a fraction of the median distance (rbf only)", DefaultValueFactory = _ => 0.5 };
        var command = new Command("cka", "Centered kernel alignment between two representations, or between two extract files layer by layer.")
        {
            a, b, kind, threshold,
        };
        command.SetAction(parse =>
        {
            TorchRuntime.Initialize();
            var k = ParseKind(parse.GetValue(kind)!);
            double t = parse.GetValue(threshold);
            if (k == CkaKind.Rbf && (!(t > 0) || double.IsInfinity(t)))
                throw new InvariscopeException($"--threshold must be a positive number, got {t.ToString(CultureInfo.InvariantCulture)}");
            var refA = ParseArg(parse.GetValue(a)!);
            var refB = ParseArg(parse.GetValue(b)!);
            var output = parse.InvocationConfiguration.Output;
            if (refA.Tensor is not null && refB.Tensor is not null)
                output.WriteLine(Format(Single(refA.File, refA.Tensor, refB.File, refB.Tensor, k, t)));
            else if (refA.Tensor is null && refB.Tensor is null)
                LayerByLayer(refA.File, refB.File, k, t, output);
            else
                throw new InvariscopeException(
                    "--a and --b must both be FILE.safetensors:TENSOR, or both plain files for layer-by-layer mode");
            return 0;
        });
        return command;
    }

    /// <summary>Parses <c>--kind</c>: linear, debiased or rbf (case-insensitive).</summary>
    internal static CkaKind ParseKind(string s) => s.ToLowerInvariant() switch
    {
        "linear" => CkaKind.Linear,
        "debiased" => CkaKind.Debiased,
        "rbf" => CkaKind.Rbf,
        _ => throw new InvariscopeException($"--kind {s}: expected linear, debiased or rbf"),
    };

    /// <summary>An existing file is a plain file; otherwise <c>FILE:TENSOR</c> when it has a tensor part.</summary>
    static (string File, string? Tensor) ParseArg(string arg)
    {
        if (File.Exists(arg)) return (arg, null);
        try { return Safetensors.ParseTensorRef(arg); }
        catch (InvariscopeException) { return (arg, null); } // a plain path; opening it reports a missing file
    }

    static double Single(string fileA, string tensorA, string fileB, string tensorB, CkaKind kind, double threshold)
    {
        using var sa = Safetensors.Open(fileA);
        using var sb = Safetensors.Open(fileB);
        string label = $"{fileA}:{tensorA} vs {fileB}:{tensorB}";
        CheckRows(sa.Info(tensorA).Shape, sb.Info(tensorB).Shape, $"{fileA}:{tensorA}", $"{fileB}:{tensorB}");
        using var x = sa.Get(tensorA);
        using var y = sb.Get(tensorB);
        return Compute(kind, x, y, threshold, label);
    }

    static void LayerByLayer(string fileA, string fileB, CkaKind kind, double threshold, TextWriter output)
    {
        using var sa = Safetensors.Open(fileA);
        using var sb = Safetensors.Open(fileB);
        var names = sa.Names.Where(sb.Contains).Order(LayerOrder.Instance).ToList();
        if (names.Count == 0)
            throw new InvariscopeException($"{fileA} and {fileB} have no tensor names in common");
        int width = names.Max(n => n.Length);
        foreach (var name in names)
        {
            CheckRows(sa.Info(name).Shape, sb.Info(name).Shape, $"{fileA}:{name}", $"{fileB}:{name}");
            using var x = sa.Get(name);
            using var y = sb.Get(name);
            double v = Compute(kind, x, y, threshold, $"{name} ({fileA} vs {fileB})");
            output.WriteLine($"{name.PadRight(width)}  {Format(v)}");
        }
    }

    static void CheckRows(long[] a, long[] b, string nameA, string nameB)
    {
        if (a.Length == 0 || b.Length == 0)
            throw new InvariscopeException($"{(a.Length == 0 ? nameA : nameB)} is a scalar; expected a (N, ...) representation");
        if (a[0] != b[0])
            throw new InvariscopeException($"{nameA} has N={a[0]} samples but {nameB} has N={b[0]}; CKA needs the same samples in both");
    }

    static double Compute(CkaKind kind, TorchSharp.torch.Tensor x, TorchSharp.torch.Tensor y, double threshold, string label)
    {
        try { return Cka.Compute(kind, x, y, threshold); }
        catch (InvariscopeException e) { throw new InvariscopeException($"{label}: {e.Message}", e); }
    }

    static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// Natural order of tensor names: layer names (<see cref="LayerId"/>) in depth order (<c>block0, block1, …, block10</c>,
/// <c>final_norm</c>, <c>pre_logits</c>), then <c>logits</c>, then any other names in ordinal order.
/// </summary>
sealed class LayerOrder : IComparer<string>
{
    public static readonly LayerOrder Instance = new();

    static (int group, LayerId layer, string name) Key(string s) =>
        LayerId.TryParse(s, out var layer) ? (0, layer, s) : (s == "logits" ? 1 : 2, default, s);

    public int Compare(string? x, string? y)
    {
        var (gx, lx, nx) = Key(x ?? "");
        var (gy, ly, ny) = Key(y ?? "");
        int c = gx.CompareTo(gy);
        if (c == 0) c = lx.CompareTo(ly);
        return c != 0 ? c : string.CompareOrdinal(nx, ny);
    }
}
