using Invariscope.Data;

namespace Invariscope.Tests.Data.CorruptionTests;

/// <summary>Deterministic natural-ish images: gradients, a hard-edged disk and bar, and fine texture.</summary>
internal static class TestImages
{
    public static Image8 Natural(int size, int channels)
    {
        var px = new byte[size * size * channels];
        var rng = new Random(1234);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double u = (double)x / size, v = (double)y / size;
                bool disk = (u - 0.6) * (u - 0.6) + (v - 0.4) * (v - 0.4) < 0.06;
                bool bar = u > 0.15 && u < 0.3 && v > 0.2;
                double texture = 18 * Math.Sin(x * 1.7) * Math.Cos(y * 1.3) + rng.Next(-10, 11);
                for (int c = 0; c < channels; c++)
                {
                    double value = 50 + 90 * u + 40 * v * (c + 1) / channels + texture;
                    if (disk) value = 200 - 30 * c + texture / 2;
                    if (bar) value = 30 + 20 * c;
                    px[(y * size + x) * channels + c] = (byte)Math.Clamp(value, 0, 255);
                }
            }
        return new Image8(size, size, channels, px);
    }

    public static Image8 Uniform(int size, int channels, byte value)
    {
        var px = new byte[size * size * channels];
        Array.Fill(px, value);
        return new Image8(size, size, channels, px);
    }

    public static double MeanAbsDiff(Image8 a, Image8 b)
    {
        double s = 0;
        for (int i = 0; i < a.Pixels.Length; i++) s += Math.Abs(a.Pixels[i] - b.Pixels[i]);
        return s / a.Pixels.Length;
    }
}

internal static class Distortion
{
    /// <summary>Mean absolute difference after standardising each image (per channel z-scores): blind to affine intensity changes.</summary>
    public static double Standardized(Image8 a, Image8 b)
    {
        var za = ZScores(a);
        var zb = ZScores(b);
        return za.Zip(zb, (x, y) => Math.Abs(x - y)).Average();
    }

    private static double[] ZScores(Image8 img)
    {
        var z = new double[img.Pixels.Length];
        int ch = img.Channels;
        for (int c = 0; c < ch; c++)
        {
            var v = img.Pixels.Where((_, i) => i % ch == c).Select(p => (double)p).ToArray();
            double mean = v.Average(), std = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average()) + 1e-9;
            for (int i = c; i < z.Length; i += ch) z[i] = (img.Pixels[i] - mean) / std;
        }
        return z;
    }

    /// <summary>Mean absolute difference of 4×4 block means: blind to fine-scale blur, sensitive to pixels moved far.</summary>
    public static double Coarse(Image8 a, Image8 b)
    {
        double s = 0;
        int n = 0, ch = a.Channels;
        for (int by = 0; by + 4 <= a.Height; by += 4)
            for (int bx = 0; bx + 4 <= a.Width; bx += 4)
                for (int c = 0; c < ch; c++)
                {
                    double d = 0;
                    for (int y = by; y < by + 4; y++)
                        for (int x = bx; x < bx + 4; x++)
                            d += a[y, x, c] - b[y, x, c];
                    s += Math.Abs(d / 16);
                    n++;
                }
        return s / n;
    }
}
