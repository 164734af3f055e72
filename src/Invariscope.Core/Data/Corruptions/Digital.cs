using System.Runtime.InteropServices;
using SkiaSharp;

namespace Invariscope.Data.Corruptions;

/// <summary>The digital corruptions of CIFAR-10-C (parameters of <c>make_cifar_c.py</c>).</summary>
internal static class Digital
{
    /// <summary>
    /// Adds c = .05/.1/.15/.2/.3 to HSV value (clipped to 1), keeping hue and saturation, with skimage's
    /// <c>rgb2hsv</c>/<c>hsv2rgb</c> formulas. On a gray image that is <c>min(x + c, 1)</c>.
    /// </summary>
    public static Image8 Brightness(Image8 image, int severity, CorruptionRng rng)
    {
        double shift = new[] { 0.05, 0.1, 0.15, 0.2, 0.3 }[severity - 1];
        var x = Raster.From(image);
        if (x.Channels == 1)
        {
            for (int i = 0; i < x.Data.Length; i++) x.Data[i] = Math.Clamp(x.Data[i] + shift, 0, 1);
            return x.ToImage8();
        }
        var d = x.Data;
        for (int i = 0; i < d.Length; i += 3)
        {
            double r = d[i], g = d[i + 1], b = d[i + 2];
            double v = Math.Max(r, Math.Max(g, b)), delta = v - Math.Min(r, Math.Min(g, b));
            double s = v == 0 ? 0 : delta / v, h = 0;
            if (delta != 0)
            {
                // skimage assigns red, then green, then blue cases; the last matching one wins.
                if (b == v) h = 4 + (r - g) / delta;
                else if (g == v) h = 2 + (b - r) / delta;
                else h = (g - b) / delta;
                h = ((h / 6) % 1 + 1) % 1;
            }
            v = Math.Clamp(v + shift, 0, 1);
            double hi = Math.Floor(h * 6), f = h * 6 - hi;
            double p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
            (d[i], d[i + 1], d[i + 2]) = ((int)hi % 6) switch
            {
                0 => (v, t, p),
                1 => (q, v, p),
                2 => (p, v, t),
                3 => (p, q, v),
                4 => (t, p, v),
                _ => (v, p, q),
            };
        }
        return x.ToImage8();
    }

    /// <summary>Per channel <c>(x - mean)·c + mean</c>, mean over the image, c = .75/.5/.4/.3/.15.</summary>
    public static Image8 Contrast(Image8 image, int severity, CorruptionRng rng)
    {
        double factor = new[] { 0.75, 0.5, 0.4, 0.3, 0.15 }[severity - 1];
        var x = Raster.From(image);
        int ch = x.Channels, n = x.Height * x.Width;
        for (int c = 0; c < ch; c++)
        {
            double mean = 0;
            for (int i = c; i < x.Data.Length; i += ch) mean += x.Data[i];
            mean /= n;
            for (int i = c; i < x.Data.Length; i += ch) x.Data[i] = (x.Data[i] - mean) * factor + mean;
        }
        return x.ToImage8();
    }

    /// <summary>
    /// A random affine (three points around the centre moved by U(-a, a), bilinear, OpenCV reflect-101 border),
    /// then a displacement field: U(-1,1) noise per pixel, Gaussian-smoothed (σ, truncate 3, scipy reflect) and
    /// scaled by α, applied with bilinear sampling. (α, σ, a) are the reference's fractions of the image size
    /// (0,0,.08) (.05,.2,.07) (.08,.06,.06) (.1,.04,.05) (.1,.03,.03), here times min(H, W) (32 for CIFAR).
    /// OpenCV's 5-bit fixed-point interpolation weights are exact doubles here.
    /// </summary>
    public static Image8 Elastic(Image8 image, int severity, CorruptionRng rng)
    {
        int h = image.Height, w = image.Width, ch = image.Channels, size = Math.Min(h, w);
        var (alpha, sigma, range) = ElasticParameters(severity, size);
        double cx = w / 2, cy = h / 2, sq = size / 3;
        var src = new[] { (cx + sq, cy + sq), (cx + sq, cy - sq), (cx - sq, cy - sq) };
        var dst = src.Select(p => (p.Item1 + rng.Uniform(-range, range), p.Item2 + rng.Uniform(-range, range))).ToArray();
        var inverse = AffineFromPoints(dst, src); // warpAffine samples the source at M⁻¹·(x, y)

        var x = Raster.From(image);
        var warped = new Raster(h, w, ch);
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++)
            {
                double sx = inverse[0] * xx + inverse[1] * y + inverse[2], sy = inverse[3] * xx + inverse[4] * y + inverse[5];
                for (int c = 0; c < ch; c++) warped[y, xx, c] = x.Bilinear(sy, sx, c, Border.Reflect101);
            }

        var dx = DisplacementField(h, w, sigma, alpha, rng);
        var dy = DisplacementField(h, w, sigma, alpha, rng);
        var output = new Raster(h, w, ch);
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++)
                for (int c = 0; c < ch; c++)
                    output[y, xx, c] = warped.Bilinear(y + dy[y, xx, 0], xx + dx[y, xx, 0], c, Border.Reflect);
        return output.ToImage8();
    }

    /// <summary>Elastic (α, σ, affine range) in pixels for an image whose smaller side is <paramref name="size"/>.</summary>
    internal static (double Alpha, double Sigma, double AffineRange) ElasticParameters(int severity, int size)
    {
        var (fa, fs, fr) = new[] { (0.0, 0.0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06), (0.1, 0.04, 0.05), (0.1, 0.03, 0.03) }[severity - 1];
        return (size * fa, size * fs, size * fr);
    }

    /// <summary>One axis of the elastic displacement: smoothed U(-1, 1) noise times α.</summary>
    internal static Raster DisplacementField(int h, int w, double sigma, double alpha, CorruptionRng rng)
    {
        var noise = new Raster(h, w, 1);
        for (int i = 0; i < noise.Data.Length; i++) noise.Data[i] = rng.Uniform(-1, 1);
        var field = Filters.Gaussian(noise, sigma, 3.0, Border.Reflect);
        for (int i = 0; i < field.Data.Length; i++) field.Data[i] *= alpha;
        return field;
    }

    /// <summary>The 2×3 affine [a b c; d e f] mapping each <paramref name="from"/> point onto its <paramref name="to"/> point.</summary>
    private static double[] AffineFromPoints((double X, double Y)[] from, (double X, double Y)[] to)
    {
        double Det(double a, double b, double c, double d, double e, double f, double g, double h, double i)
            => a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        var (x0, y0) = from[0];
        var (x1, y1) = from[1];
        var (x2, y2) = from[2];
        double det = Det(x0, y0, 1, x1, y1, 1, x2, y2, 1);
        var m = new double[6];
        for (int row = 0; row < 2; row++)
        {
            double t0 = row == 0 ? to[0].X : to[0].Y, t1 = row == 0 ? to[1].X : to[1].Y, t2 = row == 0 ? to[2].X : to[2].Y;
            m[row * 3] = Det(t0, y0, 1, t1, y1, 1, t2, y2, 1) / det;
            m[row * 3 + 1] = Det(x0, t0, 1, x1, t1, 1, x2, t2, 1) / det;
            m[row * 3 + 2] = Det(x0, y0, t0, x1, y1, t1, x2, y2, t2) / det;
        }
        return m;
    }

    /// <summary>PIL BOX resize to <c>int(size·c)</c>, c = .95/.9/.85/.75/.65, and back (see <see cref="Filters.ResizeBox"/>).</summary>
    public static Image8 Pixelate(Image8 image, int severity, CorruptionRng rng)
    {
        double c = new[] { 0.95, 0.9, 0.85, 0.75, 0.65 }[severity - 1];
        var small = Filters.ResizeBox(image, Math.Max(1, (int)(image.Height * c)), Math.Max(1, (int)(image.Width * c)));
        return Filters.ResizeBox(small, image.Height, image.Width);
    }

    /// <summary>
    /// JPEG encode at quality 80/65/58/50/40 (4:2:0 chroma, as PIL's default) and decode, with SkiaSharp's
    /// libjpeg-turbo instead of PIL's libjpeg: same quantisation tables, possibly ±1 differences from the decoder.
    /// </summary>
    public static Image8 Jpeg(Image8 image, int severity, CorruptionRng rng)
    {
        int quality = new[] { 80, 65, 58, 50, 40 }[severity - 1];
        int h = image.Height, w = image.Width, ch = image.Channels, stride = ch == 1 ? 1 : 4;
        var info = new SKImageInfo(w, h, ch == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var source = new SKBitmap(info);
        var row = new byte[source.RowBytes];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int c = 0; c < ch; c++) row[x * stride + c] = image.Pixels[(y * w + x) * ch + c];
                if (ch == 3) row[x * 4 + 3] = 255;
            }
            Marshal.Copy(row, 0, source.GetPixels() + y * source.RowBytes, row.Length);
        }
        var options = new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore);
        using var encoded = source.PeekPixels().Encode(options) ?? throw new InvalidOperationException("SkiaSharp failed to encode a JPEG");
        using var codec = SKCodec.Create(encoded) ?? throw new InvalidOperationException("SkiaSharp failed to read back its JPEG");
        using var decoded = SKBitmap.Decode(codec, info) ?? throw new InvalidOperationException("SkiaSharp failed to decode its JPEG");
        var pixels = new byte[w * h * ch];
        var data = decoded.GetPixelSpan();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++)
                    pixels[(y * w + x) * ch + c] = data[y * decoded.RowBytes + x * stride + c];
        return new Image8(h, w, ch, pixels);
    }
}
