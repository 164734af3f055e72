using System.Text.RegularExpressions;
using Invariscope.Report;

namespace Invariscope.Tests.Report;

public class HtmlPageTests
{
    private static string SamplePng(ReportTemp dir) =>
        Figures.Scatter(dir.File("h_fig.png"), "fig", "x", "y", [("a", [1.0, 2.0], [2.0, 1.0])]);

    [Fact]
    public void Page_embeds_images_escapes_text_and_references_no_network()
    {
        using var dir = new ReportTemp();
        string png = SamplePng(dir);
        string html = new HtmlPage("Report <1> & more")
            .Heading("Section <b>", 2)
            .Paragraph("<script>alert('x')</script> a < b & c")
            .Figure(png, "caption \"quoted\" <i>")
            .FiguresSideBySide((png, "left"), (png, "right"))
            .Table(["layer", "r <value>"], [["block0", "0.5"], ["<td>", "1"]], "Table <caption>", (r, c) => r == 1 ? "sig" : null)
            .Preformatted("invariscope report --in <dir>")
            .Render();

        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; a &lt; b &amp; c", html);
        Assert.Contains("<title>Report &lt;1&gt; &amp; more</title>", html);
        Assert.Contains("<h2 id=\"section-b\">Section &lt;b&gt;</h2>", html);
        Assert.Contains("<tr><td data-label=\"layer\" class=\"sig\">&lt;td&gt;</td><td data-label=\"r &lt;value&gt;\" class=\"sig\">1</td></tr>", html);
        Assert.Contains("<caption>Table &lt;caption&gt;</caption>", html);
        Assert.Contains("<pre>invariscope report --in &lt;dir&gt;</pre>", html);
        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("<i>", html);

        MatchCollection images = Regex.Matches(html, "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
        Assert.Equal(3, images.Count);
        Assert.Equal(File.ReadAllBytes(png), Convert.FromBase64String(images[0].Groups[1].Value));
        Assert.Contains("class=\"row\"", html);
    }

    [Fact]
    public void Table_marks_cells_the_caller_classes()
    {
        string html = new HtmlPage("t")
            .Table(["a", "b"], [["1", "2"], ["3"]], null, (r, c) => r == 0 && c == 1 ? "sig" : null)
            .Render();
        Assert.Contains("<tr><td data-label=\"a\">1</td><td data-label=\"b\" class=\"sig\">2</td></tr>", html);
        Assert.Contains("<tr><td data-label=\"a\">3</td><td data-label=\"b\"></td></tr>", html);
        Assert.DoesNotContain("<caption>", html);
        Assert.Contains(".sig", html);
    }

    [Fact]
    public void Save_writes_atomically_and_replaces_an_existing_file()
    {
        using var dir = new ReportTemp();
        string folder = Path.Combine(dir.Path, "h_atomic");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "report.html");
        File.WriteAllText(path, "old");
        string returned = new HtmlPage("new page").Paragraph("hello").Save(path);
        Assert.Equal(path, returned);
        string text = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", text);
        Assert.Contains("<p>hello</p>", text);
        Assert.Equal("report.html", Assert.Single(Directory.GetFiles(folder).Select(f => Path.GetFileName(f))));

        string nested = Path.Combine(folder, "sub", "r.html");
        new HtmlPage("x").Save(nested);
        Assert.True(File.Exists(nested));
    }

    [Fact]
    public void Heading_levels_are_clamped()
    {
        string html = new HtmlPage("t").Heading("deep", 9).Heading("shallow", 0).Render();
        Assert.Contains("<h6>deep</h6>", html);
        Assert.Contains("<h1>shallow</h1>", html);
    }
}
