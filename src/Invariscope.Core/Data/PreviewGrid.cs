using Invariscope.Runtime;
using SkiaSharp;

namespace Invariscope.Data;

/// <summary>A rendered preview: PNG bytes, the dataset indices shown (row-major), and a warning or null.</summary>
public sealed record Preview(byte[] Png, int[] Indices, string? Warning);

/// <summary>Draws a grid of dataset samples with each class name written under its image.</summary>
public static class PreviewGrid
{
    const int FontSize = 13, LabelHeight = 18, Gap = 4, MaxSide = 128, MaxLabelWidth = 150;

    /// <summary>
    /// Renders <paramref name="n"/> examples drawn by a permutation seeded by <paramref name="seed"/>, each
    /// magnified <paramref name="scale"/> times (nearest neighbour; sides over 128 px are first shrunk to 128).
    /// </summary>
    public static Preview Render(IImageDataset dataset, int n = 64, int scale = 2, int seed = 0)
    {
        if (n < 1) throw new InvariscopeException($"n {n}: the preview needs at least 1 image") { Field = "n" };
        if (scale < 1 || scale > 16) throw new InvariscopeException($"scale {scale}: must be in 1..16") { Field = "scale" };
        if (dataset.Count == 0) throw new InvariscopeException($"{dataset.Name}: the dataset is empty");
        var indices = SeedRng.Permutation(dataset.Count, SeedRng.Mix((ulong)seed, 0x97E)).Take(n).ToArray();
        var images = indices.Select(dataset.GetImage).ToArray();
        var names = indices.Select(i => dataset.ClassNames[dataset.GetLabel(i)]).ToArray();

        var typeface = FindTypeface();
        string? warning = typeface is null ? "no font with Latin glyphs found on this system; labels were not drawn" : null;
        using var font = new SKFont(typeface ?? SKTypeface.Default, FontSize);
        using var textPaint = new SKPaint { Color = SKColors.White, IsAntialias = true };

        int side = Math.Min(MaxSide, images.Max(im => Math.Max(im.Height, im.Width))) * scale;
        int labelWidth = (int)Math.Ceiling(names.Max(s => font.MeasureText(s))) + 6;
        int cellW = Math.Max(side, Math.Min(labelWidth, MaxLabelWidth)), cellH = side + LabelHeight;
        int cols = (int)Math.Ceiling(Math.Sqrt(indices.Length)), rows = (indices.Length + cols - 1) / cols;
        int width = Gap + cols * (cellW + Gap), height = Gap + rows * (cellH + Gap);

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvariscopeException($"preview: cannot allocate a {width}x{height} canvas");
        var canvas = surface.Canvas;
        canvas.Clear(new SKColor(32, 32, 32));
        for (int k = 0; k < indices.Length; k++)
        {
            float x0 = Gap + k % cols * (cellW + Gap), y0 = Gap + k / cols * (cellH + Gap);
            using (var bitmap = ImageCodec.ToBitmap(images[k]))
            using (var image = SKImage.FromBitmap(bitmap))
            {
                float f = (float)side / Math.Max(images[k].Height, images[k].Width);
                float w = images[k].Width * f, h = images[k].Height * f;
                var dest = SKRect.Create(x0 + (cellW - w) / 2, y0 + (side - h) / 2, w, h);
                var sampling = f >= 1 ? new SKSamplingOptions(SKFilterMode.Nearest) : new SKSamplingOptions(SKFilterMode.Linear);
                canvas.DrawImage(image, dest, sampling);
            }
            if (typeface is not null)
                canvas.DrawText(Fit(names[k], font, cellW - 2), x0 + cellW / 2f, y0 + side + FontSize + 1, SKTextAlign.Center, font, textPaint);
        }
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return new Preview(png.ToArray(), indices, warning);
    }

    /// <summary>A sans-serif typeface that has Latin glyphs, or null when the system has none.</summary>
    static SKTypeface? FindTypeface()
    {
        foreach (var family in new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "sans-serif" })
            if (SKTypeface.FromFamilyName(family) is { } t && t.GetGlyph('A') != 0) return t;
        var fallback = SKTypeface.Default;
        return fallback.GetGlyph('A') != 0 ? fallback : SKFontManager.Default.MatchCharacter('A');
    }

    /// <summary>The label, cut with an ellipsis to fit <paramref name="width"/> pixels.</summary>
    static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width) return text;
        for (int len = text.Length - 1; len > 0; len--)
            if (font.MeasureText(text[..len] + "…") <= width) return text[..len] + "…";
        return "…";
    }
}
