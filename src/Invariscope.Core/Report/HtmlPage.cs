using Invariscope.Runtime;
using System.Net;
using System.Text;

namespace Invariscope.Report;

/// <summary>
/// Builds one self-contained HTML report page: inline CSS, figures embedded as base64 PNG data URIs, no scripts
/// and no references to the network, so the single file can be mailed or archived as is. All text is HTML-escaped.
/// Calls chain: <c>new HtmlPage("t").Heading("h", 2).Paragraph("p").Figure("f.png", "caption").Save("r.html")</c>.
/// </summary>
public sealed class HtmlPage
{
    private const string Css = """
        body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222; background: #fff;
               max-width: 1100px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
        h1 { font-size: 1.8em; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
        h2 { font-size: 1.4em; margin-top: 1.8em; border-bottom: 1px solid #eee; padding-bottom: .2em; }
        h3 { font-size: 1.15em; margin-top: 1.4em; }
        figure { margin: 1.2em 0; text-align: center; }
        figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { font-size: .92em; color: #555; margin-top: .4em; }
        .row { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
        .row figure { flex: 1 1 0; min-width: 280px; margin: .6em 0; }
        table { border-collapse: collapse; margin: 1em 0; font-size: .92em; }
        caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: .4em; }
        th, td { border: 1px solid #bbb; padding: .3em .6em; text-align: left; vertical-align: top; }
        th { background: #f2f2f2; }
        tr:nth-child(even) td { background: #fafafa; }
        td.sig, tr:nth-child(even) td.sig { font-weight: bold; background: #d8f0d8; }
        td.bad, tr:nth-child(even) td.bad { font-weight: bold; background: #f6dcdc; }
        pre { background: #f6f6f6; border: 1px solid #ddd; padding: .8em; overflow-x: auto; font-size: .88em; }
        """;

    private readonly string title;
    private readonly StringBuilder body = new();

    /// <summary>Starts a page; <paramref name="title"/> becomes the document title and the first heading.</summary>
    /// <param name="title">Page title (escaped).</param>
    public HtmlPage(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        this.title = title;
        Heading(title, 1);
    }

    /// <summary>Adds a heading.</summary>
    /// <param name="text">Heading text (escaped).</param>
    /// <param name="level">1..6; values outside are clamped.</param>
    /// <returns>This page.</returns>
    public HtmlPage Heading(string text, int level)
    {
        int h = Math.Clamp(level, 1, 6);
        body.Append("<h").Append(h).Append('>').Append(Escape(text)).Append("</h").Append(h).Append(">\n");
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

    /// <summary>Embeds a PNG (its bytes, as a base64 data URI) with a caption.</summary>
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

    /// <summary>Adds a table; every cell is escaped.</summary>
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
        body.Append("<table>\n");
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
                body.Append(string.IsNullOrEmpty(cls) ? "<td>" : $"<td class=\"{Escape(cls)}\">");
                body.Append(c < row.Length ? Escape(row[c]) : "").Append("</td>");
            }
            body.Append("</tr>\n");
            r++;
        }
        body.Append("</tbody>\n</table>\n");
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
            .Append("<style>\n").Append(Css).Append("\n</style>\n</head>\n<body>\n")
            .Append(body)
            .Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Writes the page (UTF-8) atomically: a temp file in the same folder, then a move over
    /// <paramref name="path"/>, so a reader never sees a half-written report.</summary>
    /// <param name="path">HTML file to write; its folder is created if needed.</param>
    /// <returns><paramref name="path"/>.</returns>
    public string Save(string path) =>
        AtomicFile.WriteText(path, Render());

    private void AppendFigure(string pngPath, string caption)
    {
        ArgumentNullException.ThrowIfNull(pngPath);
        string data = Convert.ToBase64String(File.ReadAllBytes(pngPath));
        body.Append("<figure><img src=\"data:image/png;base64,").Append(data).Append("\" alt=\"")
            .Append(Escape(caption)).Append("\">");
        if (!string.IsNullOrEmpty(caption)) body.Append("<figcaption>").Append(Escape(caption)).Append("</figcaption>");
        body.Append("</figure>\n");
    }

    private static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");
}
