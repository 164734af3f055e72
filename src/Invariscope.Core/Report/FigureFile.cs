using System.Text;
using System.Text.RegularExpressions;
using Invariscope.Runtime;
using SkiaSharp;

namespace Invariscope.Report;

/// <summary>
/// Writes one figure twice from the same drawing code: <c>NAME.png</c> at the report's resolution and <c>NAME.svg</c>
/// beside it (vector, text kept as text). Both are written atomically; the same input gives the same bytes.
/// </summary>
internal static partial class FigureFile
{
    /// <summary>The SVG written beside <paramref name="png"/>.</summary>
    public static string SvgPath(string png) => Path.ChangeExtension(png, ".svg");

    /// <summary>
    /// Draws a figure of <paramref name="width"/>×<paramref name="height"/> layout pixels with <paramref name="draw"/>
    /// into a PNG of <see cref="ReportSettings.Scale"/> times as many pixels, and into an SVG of the layout size.
    /// Returns <paramref name="png"/>.
    /// </summary>
    public static string Save(string png, int width, int height, Action<SKCanvas> draw, ReportSettings? settings = null)
    {
        float scale = (settings ?? ReportSettings.Default).Scale;
        var info = new SKImageInfo((int)Math.Round(width * scale), (int)Math.Round(height * scale), SKColorType.Rgba8888, SKAlphaType.Premul);
        using (SKSurface surface = SKSurface.Create(info))
        {
            SKCanvas canvas = surface.Canvas;
            canvas.Clear(SKColors.White);
            canvas.Scale(scale);
            draw(canvas);
            canvas.Flush();
            using SKImage image = surface.Snapshot();
            using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
            AtomicFile.Write(png, data.ToArray());
        }
        AtomicFile.Write(SvgPath(png), Svg(width, height, draw));
        return png;
    }

    static byte[] Svg(int width, int height, Action<SKCanvas> draw)
    {
        using var buffer = new MemoryStream();
        using (var stream = new SKManagedWStream(buffer))
        {
            using (SKCanvas canvas = SKSvgCanvas.Create(SKRect.Create(width, height), stream))
            {
                using (var white = new SKPaint { Color = SKColors.White })
                    canvas.DrawRect(SKRect.Create(width, height), white);
                draw(canvas);
            }
            stream.Flush();
        }
        // The text names the embedded font's family; a viewer without DejaVu Sans falls back to a wide sans serif.
        string text = Encoding.UTF8.GetString(buffer.ToArray())
            .Replace("font-family=\"DejaVu Sans\"", "font-family=\"DejaVu Sans, Verdana, sans-serif\"", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(RenumberClips(text));
    }

    /// <summary>
    /// Skia numbers clip paths with a counter that runs over the whole process, so the same figure drawn twice would
    /// differ in its ids: they are renumbered in order of appearance, and the same input gives the same bytes.
    /// </summary>
    static string RenumberClips(string svg)
    {
        var ids = new Dictionary<string, string>();
        return ClipId().Replace(svg, m => ids.TryGetValue(m.Value, out var id) ? id : ids[m.Value] = $"clip{ids.Count + 1}");
    }

    [GeneratedRegex("\\bcl_[0-9a-f]+\\b")]
    private static partial Regex ClipId();
}
