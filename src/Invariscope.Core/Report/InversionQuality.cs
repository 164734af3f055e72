using Invariscope.Analysis;
using Invariscope.Study;
using static Invariscope.Report.Numbers;

namespace Invariscope.Report;

/// <summary>
/// How far to trust the STIR numbers: the inversions' errors, and the analysis's "did not converge well" warnings
/// (results.json <c>warnings</c>, see <see cref="InversionDiagnostics.ConvergedPoorly"/>), flagged where STIR is shown.
/// </summary>
internal static class InversionQuality
{
    /// <summary>Every warning of every run, named by setting (and training seed).</summary>
    public static List<string> Warnings(StudyResults results) =>
        [.. results.Settings.SelectMany(s => s.Runs.Where(r => r.Analysis is not null)
            .SelectMany(r => r.Analysis!.Warnings.Select(w => $"{s.Label}{(r.Seed is int k ? $" (seed {k})" : "")}: {w}")))];

    /// <summary>A note where STIR-based numbers are shown, when some inversion did not converge well; nothing otherwise.</summary>
    public static void Flag(HtmlPage page, StudyResults results, string anchor)
    {
        var runs = results.Settings.SelectMany(s => s.Runs).Where(r => r.Analysis is not null).ToList();
        int poor = runs.Sum(r => r.Analysis!.Inversions.Count(d => d.ConvergedPoorly)), all = runs.Sum(r => r.Analysis!.Inversions.Count);
        if (poor == 0) return;
        page.Note($"Inversion quality: {poor} of {all} inversions did not converge well (median relative error above " +
                  $"{F(InversionDiagnostics.PoorMedian)}). Their STIR values, and so learning, forgetting and flow at those layers, mix real change " +
                  $"with inversion error, and the noise floor rises with it; more inversion steps (analysis.steps) lower it. Details: section \"{anchor}\".");
    }

    /// <summary>The inversion diagnostics per setting and layer, the poorly converged ones highlighted, and the warnings listed.</summary>
    public static void Section(HtmlPage page, StudyResults results, string heading)
    {
        var rows = results.Settings.Where(s => s.Analysis is not null).SelectMany(s => s.Analysis!.Inversions.GroupBy(d => d.Layer)
            .Select(g => (median: g.Average(d => d.Median), poor: g.Count(d => d.ConvergedPoorly), cells: new[] { s.Label, g.Key, F(g.Average(d => d.Median)), F(g.Max(d => d.Max)),
                I(g.Count(d => d.ConvergedPoorly)) + " of " + I(g.Count()) }))).ToList();
        if (rows.Count == 0) return;
        page.Heading(heading, 2);
        page.Paragraph("How closely the STIR inversions matched their targets: the relative L2 error of the layer's representation of the " +
                       $"inverted images against that of the probe images. Above a median of {F(InversionDiagnostics.PoorMedian)} an inversion " +
                       "counts as not converged (highlighted).");
        var perSetting = results.Settings.Where(s => s.Analysis is { Inversions.Count: > 0 }).Select(s =>
        {
            var worst = s.Analysis!.Inversions.GroupBy(d => d.Layer).MaxBy(g => g.Average(d => d.Median))!;
            int poor = s.Analysis.Inversions.Count(d => d.ConvergedPoorly);
            return (poor, cells: new[] { s.Label, I(s.Analysis.Inversions.Count), I(poor), $"{worst.Key} ({F(worst.Average(d => d.Median))})" });
        }).ToList();
        page.Table(["setting", "inversions", "not converged", "worst layer (mean of median relative error)"], perSetting.Select(r => r.cells),
            "Inversions per setting", (row, col) => col == 2 && perSetting[row].poor > 0 ? "bad" : null);
        page.Folded("Inversion errors per setting and layer", p => p.Table(["setting", "layer", "mean of median relative error", "worst relative error", "not converged"],
            rows.Select(r => r.cells), null,
            (row, col) => col == 2 && rows[row].median > InversionDiagnostics.PoorMedian || col == 4 && rows[row].poor > 0 ? "bad" : null));
        var warnings = Warnings(results);
        if (warnings.Count > 0)
            page.Folded($"The analysis's {warnings.Count} warning(s) (results.json \"warnings\")", p => p.List(warnings));
    }
}
