using Invariscope.Report;
using SkiaSharp;

namespace Invariscope.Tests.Report;

/// <summary>Deterministic, realistic-looking inputs for the report figures, and PNG inspection helpers.</summary>
internal static class ReportSamples
{
    public static readonly string[] Layers =
        [.. Enumerable.Range(0, 12).Select(i => $"block{i}"), "pre_logits"];

    /// <summary>Folder for figures a person wants to look at: $INVARISCOPE_REPORT_SAMPLES, else null.</summary>
    public static string? SampleDir => Environment.GetEnvironmentVariable("INVARISCOPE_REPORT_SAMPLES");

    public static LayerCurve Curve(string setting, double scale, double phase, bool band)
    {
        int n = Layers.Length;
        double[] mean = Enumerable.Range(0, n).Select(i => scale * (0.2 + 0.8 * i / (n - 1.0)) + 0.05 * Math.Sin(i + phase)).ToArray();
        return new LayerCurve(setting, Layers, mean,
            band ? mean.Select(v => v - 0.06 * scale).ToArray() : null,
            band ? mean.Select(v => v + 0.06 * scale).ToArray() : null);
    }

    public static FlowMatrix Flow(string setting)
    {
        int n = Layers.Length;
        double[][] v = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n)
            .Select(j => Math.Round(0.9 * Math.Tanh((i - j) / 3.0) * Math.Exp(-Math.Abs(i - j) / 6.0) + 0.03 * Math.Sin(i * 7 + j), 4))
            .ToArray()).ToArray();
        return new FlowMatrix(setting, Layers, v);
    }

    public static EpochSeries Series(string name, int epochs, double start, double end, bool band = false)
    {
        int[] e = Enumerable.Range(1, epochs).ToArray();
        double[] v = e.Select(x => end + (start - end) * Math.Exp(-(x - 1) / 3.0)).ToArray();
        return new EpochSeries(name, e, v, band ? v.Select(x => x - 0.02).ToArray() : null, band ? v.Select(x => x + 0.02).ToArray() : null);
    }

    /// <summary>Decodes a PNG written by a figure; fails the test when it is not one.</summary>
    public static SKBitmap Decode(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 8 && bytes[0] == 0x89 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G',
            $"{path} is not a PNG");
        SKBitmap? bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        return bitmap;
    }

    /// <summary>A single-panel figure: the panel's size plus the title and a one-line legend below it.</summary>
    public static void AssertSinglePanelSize(SKBitmap b)
    {
        Assert.Equal(Figures.Width, b.Width);
        Assert.InRange(b.Height, Figures.Height + 30, Figures.Height + 90);
    }

    /// <summary>Fraction of pixels in the rectangle that are not near-white.</summary>
    public static double InkFraction(SKBitmap b, int x0, int y0, int x1, int y1)
    {
        long ink = 0, all = 0;
        for (int y = Math.Max(0, y0); y < Math.Min(b.Height, y1); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(b.Width, x1); x++)
            {
                SKColor c = b.GetPixel(x, y);
                all++;
                if (c.Red < 235 || c.Green < 235 || c.Blue < 235) ink++;
            }
        return all == 0 ? 0 : (double)ink / all;
    }

    /// <summary>Number of pixels that are not fully opaque.</summary>
    public static int TransparentPixels(SKBitmap b)
    {
        int n = 0;
        for (int y = 0; y < b.Height; y++)
            for (int x = 0; x < b.Width; x++)
                if (b.GetPixel(x, y).Alpha < 255) n++;
        return n;
    }

    /// <summary>Number of dark (text-like) pixels in the rectangle.</summary>
    public static int DarkPixels(SKBitmap b, int x0, int y0, int x1, int y1)
    {
        int dark = 0;
        for (int y = Math.Max(0, y0); y < Math.Min(b.Height, y1); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(b.Width, x1); x++)
            {
                SKColor c = b.GetPixel(x, y);
                if (c.Red < 90 && c.Green < 90 && c.Blue < 90) dark++;
            }
        return dark;
    }

    /// <summary>Number of pixels that differ between two same-sized images.</summary>
    public static int DifferingPixels(SKBitmap a, SKBitmap b)
    {
        Assert.Equal(a.Width, b.Width);
        Assert.Equal(a.Height, b.Height);
        int d = 0;
        for (int y = 0; y < a.Height; y++)
            for (int x = 0; x < a.Width; x++)
                if (a.GetPixel(x, y) != b.GetPixel(x, y)) d++;
        return d;
    }
}

/// <summary>A fresh temporary folder (or the sample folder when set), deleted when disposed unless it is the sample folder.</summary>
internal sealed class ReportTemp : IDisposable
{
    private readonly bool keep;
    public string Path { get; }

    public ReportTemp()
    {
        string? samples = ReportSamples.SampleDir;
        keep = !string.IsNullOrEmpty(samples);
        Path = keep ? Directory.CreateDirectory(samples!).FullName : Directory.CreateTempSubdirectory("invariscope-report-").FullName;
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (keep) return;
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }
}
