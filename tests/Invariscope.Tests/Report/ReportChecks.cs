using System.Text.Json;
using System.Text.RegularExpressions;
using Invariscope.Analysis;
using Invariscope.Study;

namespace Invariscope.Tests.Report;

/// <summary>
/// What a study's report and its result tables must hold, checked on a study built by a test (the demo test builds
/// one; these checks ride on it instead of building another).
/// </summary>
static class ReportChecks
{
    /// <summary>
    /// The page: one title; the findings first (the first section, its verdict table before anything else); a table
    /// of contents linking every section's anchor; every figure embedded as PNG, linked to the SVG beside it, shown at
    /// the SVG's size; every figure file in figures/ on the page; the inversion warnings of results.json on the page.
    /// </summary>
    public static void Page(string html, string reportDir)
    {
        string page = File.ReadAllText(html);
        Assert.Single(Regex.Matches(page, "<h1[ >]"));
        var sections = Regex.Matches(page, "<h2 id=\"([^\"]+)\">([^<]+)</h2>").Select(m => (id: m.Groups[1].Value, text: m.Groups[2].Value)).ToList();
        Assert.Equal("Findings", sections[0].text);
        int findings = page.IndexOf("<h2 id=\"findings\">", StringComparison.Ordinal);
        Assert.True(findings < page.IndexOf("<table>", StringComparison.Ordinal), "the findings' table is the page's first table");
        Assert.Equal("Key numbers", sections[1].text);
        // the table of contents: one link per section, each to an anchor that exists
        var nav = Regex.Match(page, "<nav class=\"contents\">(.*?)</nav>", RegexOptions.Singleline);
        Assert.True(nav.Success, "no table of contents");
        Assert.Equal(sections.Select(s => s.id), Regex.Matches(nav.Value, "href=\"#([^\"]+)\"").Select(m => m.Groups[1].Value));
        Assert.Equal(sections.Count, sections.Select(s => s.id).Distinct().Count());

        var figures = Path.Combine(reportDir, "figures");
        var pngs = Directory.GetFiles(figures, "*.png").Select(Path.GetFileName).Order().ToList();
        Assert.NotEmpty(pngs);
        Assert.Equal(pngs.Select(p => Path.ChangeExtension(p, ".svg")), Directory.GetFiles(figures, "*.svg").Select(Path.GetFileName).Order());
        var embedded = Regex.Matches(page, "<figure><a href=\"figures/([^\"]+\\.svg)\"><img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" width=\"(\\d+)\" height=\"(\\d+)\"")
            .Select(m => (svg: m.Groups[1].Value, png: Convert.FromBase64String(m.Groups[2].Value), width: m.Groups[3].Value)).ToList();
        Assert.Equal(pngs.Count, embedded.Count); // every figure written is on the page, once
        foreach (var (svg, png, width) in embedded)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(figures, Path.ChangeExtension(svg, ".png"))), png);
            Assert.Contains($"width=\"{width}\"", File.ReadAllText(Path.Combine(figures, svg))[..400]);
        }
    }

    /// <summary>The inversions' "did not converge well" warnings: in each run's results.json, as the run logged them, and on the page.</summary>
    public static void Warnings(string studyDir, IEnumerable<string> runs, string log, string html)
    {
        var written = runs.SelectMany(r => JsonDocument.Parse(File.ReadAllText(Path.Combine(studyDir, r, "analysis", "results.json")))
            .RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!)).ToHashSet();
        var logged = Regex.Matches(log, "warning: (inversion on [^\\n]*did not converge well[^\\n]*)").Select(m => m.Groups[1].Value.TrimEnd()).ToHashSet();
        Assert.NotEmpty(logged); // 4 inversion steps: far from converged
        Assert.Equal(logged.Order(), written.Order());
        string page = File.ReadAllText(html);
        Assert.All(written, w => Assert.Contains(System.Net.WebUtility.HtmlEncode(w), page));
    }

    /// <summary>
    /// The result tables, read back with an RFC 4180 parser: every per-run CSV starts with the setting and seed
    /// columns; the study's per_layer.csv is the runs' stacked; hypotheses.csv has one row per distinct hypothesis of
    /// statistics.json, with its duplicates named; study.json writes '&amp;' and '→' as themselves.
    /// </summary>
    public static void Tables(string studyDir, IReadOnlyList<string> runs, int seed)
    {
        foreach (var run in runs)
            foreach (var csv in new[] { "metrics.csv", "robustness/robustness.csv", "analysis/per_layer.csv", "analysis/flow.csv", "analysis/aggregates.csv", "analysis/inversions.csv" })
            {
                string path = Path.Combine(studyDir, run, csv);
                if (!File.Exists(path)) continue; // the reconstruction setting has no robustness
                var table = CsvTable.Read(path);
                Assert.Equal(["setting", "seed"], table.Header[..2]);
                Assert.All(table.Rows, r => Assert.Equal([run, seed.ToString(System.Globalization.CultureInfo.InvariantCulture)], r[..2]));
            }

        var stacked = CsvTable.Read(Path.Combine(studyDir, "per_layer.csv"));
        Assert.Equal(AnalysisResults.PerLayerCsvHeader.Split(','), stacked.Header);
        Assert.Equal(runs.SelectMany(r => CsvTable.Read(Path.Combine(studyDir, r, "analysis", "per_layer.csv")).Rows).Select(r => string.Join('|', r)),
            stacked.Rows.Select(r => string.Join('|', r)));
        Assert.Equal(runs, stacked.Column("setting").Distinct());
        Assert.All(stacked.Column("mean"), v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture));

        var hypotheses = CsvTable.Read(Path.Combine(studyDir, "hypotheses.csv"));
        Assert.Equal(StudyTables.HypothesesHeader.Split(','), hypotheses.Header);
        using var stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(studyDir, "statistics.json")));
        int expected = 0, aliased = 0;
        foreach (var s in stats.RootElement.GetProperty("settings").EnumerateArray())
            foreach (var f in s.GetProperty("families").EnumerateArray())
            {
                var entries = f.GetProperty("hypotheses").EnumerateArray().ToList();
                Assert.Equal(f.GetProperty("distinct").GetInt32(), entries.Count);
                expected += entries.Count;
                string setting = s.GetProperty("setting").GetString()!, target = f.GetProperty("target").GetString()!;
                var rows = hypotheses.Rows.Where(r => hypotheses.Get(r, "setting") == setting && hypotheses.Get(r, "target") == target).ToList();
                Assert.Equal(entries.Select(e => e.GetProperty("id").GetString()), rows.Select(r => hypotheses.Get(r, "id")));
                // the duplicates are named, and none is a row of its own
                var ids = rows.Select(r => hypotheses.Get(r, "id")).ToHashSet();
                foreach (var r in rows.Where(r => hypotheses.Get(r, "aliases").Length > 0))
                    foreach (var alias in hypotheses.Get(r, "aliases").Split(';'))
                    {
                        Assert.DoesNotContain(alias, ids);
                        aliased++;
                    }
                Assert.Equal(entries.Sum(e => e.GetProperty("aliases").GetArrayLength()), rows.Sum(r => hypotheses.Get(r, "aliases") is { Length: > 0 } a ? a.Split(';').Length : 0));
                Assert.Equal(f.GetProperty("total").GetInt32(), rows.Count + rows.Sum(r => hypotheses.Get(r, "aliases") is { Length: > 0 } a ? a.Split(';').Length : 0));
                Assert.Single(rows, r => hypotheses.Get(r, "headline") == "true");
            }
        Assert.Equal(expected, hypotheses.Rows.Count);
        Assert.True(aliased > 0, "the grid of a 5-layer model has identical series (e.g. first4 and all of a metric with one changing layer)");
        Assert.True(File.Exists(Path.Combine(studyDir, "hypotheses_pooled.csv")));

        string studyJson = File.ReadAllText(Path.Combine(studyDir, "study.json"));
        Assert.Contains("&n=", studyJson);
        Assert.Contains("pretrained → FT", studyJson);
        Assert.DoesNotContain("\\u0026", studyJson);
        Assert.DoesNotContain("\\u2192", studyJson);
    }
}
