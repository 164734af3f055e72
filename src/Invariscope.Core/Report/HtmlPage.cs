using Invariscope.Runtime;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Invariscope.Report;

/// <summary>
/// Builds one self-contained HTML report page: inline CSS, figures embedded as base64 PNG data URIs (each linked to
/// the SVG written beside it), no scripts and no references to the network, so the single file can be mailed or
/// archived as is. Second-level headings get anchors and a table of contents (<see cref="Contents"/>); tables reflow
/// into one card per row on a narrow screen. All text is HTML-escaped.
/// Calls chain: <c>new HtmlPage("t").Heading("h", 2).Paragraph("p").Figure("f.png", "caption").Save("r.html")</c>.
/// </summary>
public sealed partial class HtmlPage
{
    private const string ContentsMarker = "<!--contents-->";

    private readonly string title;
    private readonly string? folder;
    private readonly StringBuilder body = new();
    private readonly List<(string id, string text)> sections = [];

    /// <summary>Starts a page; <paramref name="title"/> becomes the document title and its only first-level heading.</summary>
    /// <param name="title">Page title (escaped).</param>
    /// <param name="folder">Where the page will be saved: links to the figures' SVG files are relative to it (null: to the PNG's folder).</param>
    public HtmlPage(string title, string? folder = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        this.title = title;
        this.folder = folder is null ? null : Path.GetFullPath(folder);
        Heading(title, 1);
    }

    /// <summary>Adds a heading; a second-level one gets an anchor (its id, from its text) and an entry in the table of contents.</summary>
    /// <param name="text">Heading text (escaped).</param>
    /// <param name="level">1..6; values outside are clamped.</param>
    /// <returns>This page.</returns>
    public HtmlPage Heading(string text, int level)
    {
        int h = Math.Clamp(level, 1, 6);
        body.Append("<h").Append(h);
        if (h == 2)
        {
            string id = UniqueId(text);
            sections.Add((id, text));
            body.Append(" id=\"").Append(id).Append('"');
        }
        body.Append('>').Append(Escape(text)).Append("</h").Append(h).Append(">\n");
        return this;
    }

    /// <summary>The ids of the second-level headings, in order (the anchors of the table of contents).</summary>
    public IReadOnlyList<string> Anchors => [.. sections.Select(s => s.id)];

    /// <summary>Marks where the table of contents goes: a list of links to every second-level heading of the page, filled in when the page is rendered.</summary>
    /// <returns>This page.</returns>
    public HtmlPage Contents()
    {
        body.Append(ContentsMarker).Append('\n');
        return this;
    }

    /// <summary>Adds a paragraph of plain text.</summary>
    /// <param name="text">Paragraph text (escaped).</param>
    /// <returns>This page.</returns>
    public HtmlPage Paragraph(string text)
    {
        body.Append("<p>").Append(Escape(text)).Append("</p>\n");
        return this;
    }

    /// <summary>Adds a highlighted note (a caveat the reader must not miss), with an optional list of details.</summary>
    /// <param name="text">The note (escaped).</param>
    /// <param name="items">Lines listed under it (escaped).</param>
    /// <returns>This page.</returns>
    public HtmlPage Note(string text, IEnumerable<string>? items = null)
    {
        body.Append("<div class=\"note\"><p>").Append(Escape(text)).Append("</p>");
        var list = items?.ToList() ?? [];
        if (list.Count > 0) body.Append(ListHtml(list));
        body.Append("</div>\n");
        return this;
    }

    /// <summary>Adds a bulleted list.</summary>
    /// <param name="items">The items (escaped).</param>
    /// <returns>This page.</returns>
    public HtmlPage List(IEnumerable<string> items)
    {
        body.Append(ListHtml(items)).Append('\n');
        return this;
    }

    /// <summary>Adds content that stays folded until the reader opens it (a long table behind a figure).</summary>
    /// <param name="summary">What is folded (escaped).</param>
    /// <param name="content">Adds the folded content to this page.</param>
    /// <returns>This page.</returns>
    public HtmlPage Folded(string summary, Action<HtmlPage> content)
    {
        ArgumentNullException.ThrowIfNull(content);
        body.Append("<details><summary>").Append(Escape(summary)).Append("</summary>\n");
        content(this);
        body.Append("</details>\n");
        return this;
    }

    /// <summary>Embeds a PNG (its bytes, as a base64 data URI) with a caption; the image links to the SVG beside it when there is one.</summary>
    /// <param name="pngPath">PNG file to embed; read now.</param>
    /// <param name="caption">Caption (escaped); also the image's alt text.</param>
    /// <returns>This page.</returns>
    public HtmlPage Figure(string pngPath, string caption)
    {
        AppendFigure(pngPath, caption);
        return this;
    }

    /// <summary>Embeds several PNGs in one row (wrapping on narrow screens), each with its caption.</summary>
    /// <param name="figures">PNG files and their captions.</param>
    /// <returns>This page.</returns>
    public HtmlPage FiguresSideBySide(params (string png, string caption)[] figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        body.Append("<div class=\"row\">\n");
        foreach ((string png, string caption) in figures) AppendFigure(png, caption);
        body.Append("</div>\n");
        return this;
    }

    /// <summary>Adds a table; every cell is escaped and carries its column's name (shown beside it when the table reflows on a narrow screen).</summary>
    /// <param name="header">Column names.</param>
    /// <param name="rows">Rows of cells; a row may be shorter than the header (missing cells stay empty).</param>
    /// <param name="caption">Optional table caption.</param>
    /// <param name="cellClass">Optional CSS class per (row, column) cell, for example <c>"sig"</c> to highlight
    /// significant results; null for none. Class names are escaped too.</param>
    /// <returns>This page.</returns>
    public HtmlPage Table(string[] header, IEnumerable<string[]> rows, string? caption, Func<int, int, string?>? cellClass = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        body.Append("<div class=\"table\"><table>\n");
        if (!string.IsNullOrEmpty(caption)) body.Append("<caption>").Append(Escape(caption)).Append("</caption>\n");
        body.Append("<thead><tr>");
        foreach (string h in header) body.Append("<th>").Append(Escape(h)).Append("</th>");
        body.Append("</tr></thead>\n<tbody>\n");
        int r = 0;
        foreach (string[] row in rows)
        {
            body.Append("<tr>");
            int columns = Math.Max(header.Length, row.Length);
            for (int c = 0; c < columns; c++)
            {
                string? cls = cellClass?.Invoke(r, c);
                body.Append("<td");
                if (c < header.Length) body.Append(" data-label=\"").Append(Escape(header[c])).Append('"');
                if (!string.IsNullOrEmpty(cls)) body.Append(" class=\"").Append(Escape(cls)).Append('"');
                body.Append('>').Append(c < row.Length ? Escape(row[c]) : "").Append("</td>");
            }
            body.Append("</tr>\n");
            r++;
        }
        body.Append("</tbody>\n</table></div>\n");
        return this;
    }

    /// <summary>Adds preformatted text (logs, command lines), escaped.</summary>
    /// <param name="text">The text.</param>
    /// <returns>This page.</returns>
    public HtmlPage Preformatted(string text)
    {
        body.Append("<pre>").Append(Escape(text)).Append("</pre>\n");
        return this;
    }

    /// <summary>The complete HTML document.</summary>
    /// <returns>The document text.</returns>
    public string Render()
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Escape(title)).Append("</title>\n")
            .Append("<style>\n").Append(HtmlStyle.Css).Append("\n</style>\n</head>\n<body>\n")
            .Append(body.ToString().Replace(ContentsMarker, ContentsHtml(), StringComparison.Ordinal))
            .Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Writes the page (UTF-8) atomically: a temp file in the same folder, then a move over
    /// <paramref name="path"/>, so a reader never sees a half-written report.</summary>
    /// <param name="path">HTML file to write; its folder is created if needed.</param>
    /// <returns><paramref name="path"/>.</returns>
    public string Save(string path) =>
        AtomicFile.WriteText(path, Render());

    private string ContentsHtml()
    {
        if (sections.Count == 0) return "";
        var nav = new StringBuilder("<nav class=\"contents\"><h2 class=\"contents-title\">Contents</h2><ol>");
        foreach (var (id, text) in sections) nav.Append("<li><a href=\"#").Append(id).Append("\">").Append(Escape(text)).Append("</a></li>");
        return nav.Append("</ol></nav>").ToString();
    }

    private string UniqueId(string text)
    {
        string slug = NonWord().Replace(text.ToLowerInvariant(), "-").Trim('-');
        if (slug.Length == 0) slug = "section";
        string id = slug;
        for (int k = 2; sections.Any(s => s.id == id); k++) id = $"{slug}-{k}";
        return id;
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonWord();

    private void AppendFigure(string pngPath, string caption)
    {
        ArgumentNullException.ThrowIfNull(pngPath);
        string data = Convert.ToBase64String(File.ReadAllBytes(pngPath));
        string svg = FigureFile.SvgPath(pngPath);
        bool hasSvg = File.Exists(svg);
        string href = hasSvg ? Path.GetRelativePath(folder ?? Path.GetDirectoryName(Path.GetFullPath(pngPath))!, Path.GetFullPath(svg)).Replace('\\', '/') : "";
        body.Append("<figure>");
        if (hasSvg) body.Append("<a href=\"").Append(Escape(href)).Append("\">");
        body.Append("<img src=\"data:image/png;base64,").Append(data).Append('"');
        // shown at its layout size (the SVG's), whatever the PNG's resolution; narrower screens scale it down
        if (hasSvg && SvgSize(svg) is (int w, int h)) body.Append(" width=\"").Append(w).Append("\" height=\"").Append(h).Append('"');
        body.Append(" alt=\"").Append(Escape(caption)).Append("\">");
        if (hasSvg) body.Append("</a>");
        body.Append("<figcaption>").Append(Escape(caption));
        if (hasSvg) body.Append(" <a class=\"svg\" href=\"").Append(Escape(href)).Append("\">SVG</a>");
        body.Append("</figcaption></figure>\n");
    }

    private static (int, int)? SvgSize(string svg)
    {
        using var reader = new StreamReader(svg);
        var head = new char[400];
        int n = reader.Read(head, 0, head.Length);
        var m = SvgDimensions().Match(new string(head, 0, n));
        return m.Success ? (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)) : null;
    }

    [GeneratedRegex("<svg[^>]*\\swidth=\"(\\d+)\"\\s+height=\"(\\d+)\"")]
    private static partial Regex SvgDimensions();

    private static string ListHtml(IEnumerable<string> items) =>
        "<ul>" + string.Concat(items.Select(i => "<li>" + Escape(i) + "</li>")) + "</ul>";

    private static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");
}
