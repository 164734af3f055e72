namespace Invariscope.Report;

/// <summary>
/// The report page's inline CSS. Nothing may be wider than the screen: figures scale down, and below 700 px a table
/// reflows into one card per row, each cell under its column's name, so no column is cut off on a phone.
/// </summary>
internal static class HtmlStyle
{
    public const string Css = """
        body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222; background: #fff;
               max-width: 1100px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
        h1 { font-size: 1.8em; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
        h2 { font-size: 1.4em; margin-top: 1.8em; border-bottom: 1px solid #eee; padding-bottom: .2em; }
        h3 { font-size: 1.15em; margin-top: 1.4em; }
        a { color: #0b5394; }
        nav.contents { background: #f7f7f7; border: 1px solid #e2e2e2; padding: .5em 1.2em; margin: 1em 0; }
        nav.contents h2.contents-title { font-size: 1em; margin: .3em 0; border: none; }
        nav.contents ol { columns: 2 18em; margin: .3em 0; padding-left: 1.4em; }
        nav.contents li { break-inside: avoid; }
        .note { border-left: 4px solid #c9822b; background: #fdf5e9; padding: .4em 1em; margin: 1em 0; }
        .note p { margin: .4em 0; }
        .note ul { margin: .3em 0; font-size: .9em; }
        figure { margin: 1.2em 0; text-align: center; }
        figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { font-size: .92em; color: #555; margin-top: .4em; }
        figcaption a.svg { font-size: .85em; margin-left: .4em; }
        .row { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
        .row figure { flex: 1 1 0; min-width: 280px; margin: .6em 0; }
        div.table { max-width: 100%; overflow-x: auto; margin: 1em 0; }
        table { border-collapse: collapse; font-size: .92em; }
        caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: .4em; }
        th, td { border: 1px solid #bbb; padding: .3em .6em; text-align: left; vertical-align: top; overflow-wrap: break-word; }
        th { background: #f2f2f2; }
        tr:nth-child(even) td { background: #fafafa; }
        td.sig, tr:nth-child(even) td.sig { font-weight: bold; background: #d8f0d8; }
        td.bad, tr:nth-child(even) td.bad { font-weight: bold; background: #f6dcdc; }
        details { margin: .8em 0; }
        summary { cursor: pointer; color: #0b5394; }
        pre { background: #f6f6f6; border: 1px solid #ddd; padding: .8em; overflow-x: auto; font-size: .88em; }
        @media (max-width: 700px) {
          body { margin: 1em auto; padding: 0 .8em; }
          h1 { font-size: 1.45em; }
          div.table table, div.table tbody, div.table tr, div.table td, div.table caption { display: block; width: 100%; box-sizing: border-box; }
          div.table thead { display: none; }
          div.table tr { border: 1px solid #bbb; margin: 0 0 .7em 0; }
          div.table td { border: none; border-bottom: 1px solid #eee; display: grid; grid-template-columns: 40% minmax(0, 1fr); gap: .8em; }
          div.table td::before { content: attr(data-label); font-weight: bold; color: #444; }
          tr:nth-child(even) td { background: #fff; }
        }
        """;
}
