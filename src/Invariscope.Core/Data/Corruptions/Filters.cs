namespace Invariscope.Data.Corruptions;

/// <summary>
/// Our equivalents of the external filters <c>make_cifar_c.py</c> calls (scipy.ndimage, OpenCV, ImageMagick, PIL),
/// computed in double precision.
/// </summary>
internal static class Filters
{
    /// <summary>scipy's <c>gaussian_filter</c> over H and W of each channel: kernel radius <c>int(truncate*sigma+0.5)</c>.</summary>
    public static Raster Gaussian(Raster src, double sigma, double truncate, Border border)
    {
        if (sigma <= 1e-15) return src.Clone();
        int radius = (int)(truncate * sigma + 0.5);
        var k = new double[2 * radius + 1];
        for (int i = -radius; i <= radius; i++) k[i + radius] = Math.Exp(-0.5 * i * i / (sigma * sigma));
        Normalize(k);
        return Separable(src, k, border);
    }

    /// <summary>OpenCV's <c>getGaussianKernel(ksize, sigma)</c> for sigma &gt; 0.</summary>
    public static double[] CvGaussianKernel(int ksize, double sigma)
    {
        var k = new double[ksize];
        double mid = (ksize - 1) / 2.0;
        for (int i = 0; i < ksize; i++) k[i] = Math.Exp(-(i - mid) * (i - mid) / (2 * sigma * sigma));
        Normalize(k);
        return k;
    }

    /// <summary>Correlates every channel with the same odd-sized 1-D kernel along W, then along H.</summary>
    public static Raster Separable(Raster src, double[] k, Border border)
    {
        int r = k.Length / 2, h = src.Height, w = src.Width, ch = src.Channels;
        var tmp = new Raster(h, w, ch);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++)
                {
                    double s = 0;
                    for (int i = -r; i <= r; i++) s += k[i + r] * src[y, Raster.MapIndex(x + i, w, border), c];
                    tmp[y, x, c] = s;
                }
        var dst = new Raster(h, w, ch);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++)
                {
                    double s = 0;
                    for (int i = -r; i <= r; i++) s += k[i + r] * tmp[Raster.MapIndex(y + i, h, border), x, c];
                    dst[y, x, c] = s;
                }
        return dst;
    }

    /// <summary>OpenCV's <c>filter2D</c>: correlation with an odd square kernel, anchor at its centre.</summary>
    public static Raster Correlate(Raster src, double[,] kernel, Border border)
    {
        int r = kernel.GetLength(0) / 2, h = src.Height, w = src.Width, ch = src.Channels;
        var dst = new Raster(h, w, ch);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++)
                {
                    double s = 0;
                    for (int dy = -r; dy <= r; dy++)
                    {
                        int yy = Raster.MapIndex(y + dy, h, border);
                        for (int dx = -r; dx <= r; dx++)
                        {
                            double kv = kernel[dy + r, dx + r];
                            if (kv != 0) s += kv * src[yy, Raster.MapIndex(x + dx, w, border), c];
                        }
                    }
                    dst[y, x, c] = s;
                }
        return dst;
    }

    /// <summary>
    /// ImageMagick's <c>MotionBlurImage(radius, sigma, angle)</c>: a one-sided line of <c>2*ceil(radius)+1</c> taps
    /// weighted <c>exp(-i²/2σ²)</c> (normalised), tap i at offset <c>(ceil(i cos θ - ½), ceil(i sin θ - ½))</c>,
    /// edge pixels repeated outside the image.
    /// </summary>
    public static Raster MotionBlur(Raster src, double radius, double sigma, double angleDegrees)
    {
        int width = (int)(2 * Math.Ceiling(radius) + 1);
        var k = new double[width];
        for (int i = 0; i < width; i++) k[i] = Math.Exp(-(double)i * i / (2 * sigma * sigma));
        Normalize(k);
        double theta = angleDegrees * Math.PI / 180.0;
        var ox = new int[width];
        var oy = new int[width];
        for (int i = 0; i < width; i++)
        {
            ox[i] = (int)Math.Ceiling(i * Math.Cos(theta) - 0.5);
            oy[i] = (int)Math.Ceiling(i * Math.Sin(theta) - 0.5);
        }
        int h = src.Height, w = src.Width, ch = src.Channels;
        var dst = new Raster(h, w, ch);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++)
                {
                    double s = 0;
                    for (int i = 0; i < width; i++)
                        s += k[i] * src[Raster.MapIndex(y + oy[i], h, Border.Nearest), Raster.MapIndex(x + ox[i], w, Border.Nearest), c];
                    dst[y, x, c] = s;
                }
        return dst;
    }

    /// <summary>
    /// The reference's <c>clipped_zoom</c>: take the centre crop of size <c>ceil(n/zoom)</c>, enlarge it with scipy
    /// <c>zoom(order=1)</c> (linear, corners aligned, output <c>round(crop*zoom)</c>), keep the centre n pixels.
    /// Done per axis, so non-square images work (the reference assumes square).
    /// </summary>
    public static Raster ClippedZoom(Raster src, double zoom)
    {
        int h = src.Height, w = src.Width, ch = src.Channels;
        var (top, sy, trimY) = ZoomAxis(h, zoom);
        var (left, sx, trimX) = ZoomAxis(w, zoom);
        var dst = new Raster(h, w, ch);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++)
                    dst[y, x, c] = src.Bilinear(top + (y + trimY) * sy, left + (x + trimX) * sx, c, Border.Nearest);
        return dst;
    }

    private static (int Start, double Step, int Trim) ZoomAxis(int n, double zoom)
    {
        int crop = (int)Math.Ceiling(n / zoom);
        int outSize = (int)Math.Round(crop * zoom, MidpointRounding.ToEven);
        double step = outSize > 1 ? (crop - 1) / (double)(outSize - 1) : 0;
        return ((n - crop) / 2, step, (outSize - n) / 2);
    }

    /// <summary>
    /// PIL's <c>resize(..., Image.BOX)</c> on 8-bit data: horizontal pass then vertical, each output pixel the mean
    /// of the input pixels whose centres fall in its (at least one pixel wide) box, PIL's 22-bit fixed-point rounding.
    /// </summary>
    public static Image8 ResizeBox(Image8 src, int outHeight, int outWidth)
    {
        var img = src;
        if (outWidth != img.Width) img = ResizePass(img, outWidth, horizontal: true);
        if (outHeight != img.Height) img = ResizePass(img, outHeight, horizontal: false);
        return img;
    }

    private static Image8 ResizePass(Image8 src, int outSize, bool horizontal)
    {
        const int precision = 22;
        int inSize = horizontal ? src.Width : src.Height;
        double scale = (double)inSize / outSize, filterScale = Math.Max(scale, 1.0), support = 0.5 * filterScale;
        var starts = new int[outSize];
        var coeffs = new int[outSize][];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            var w = new double[Math.Max(xmax, 0)];
            double sum = 0;
            for (int i = 0; i < w.Length; i++)
            {
                double t = (i + xmin - center + 0.5) / filterScale;
                w[i] = t > -0.5 && t <= 0.5 ? 1.0 : 0.0;
                sum += w[i];
            }
            starts[o] = xmin;
            coeffs[o] = w.Select(v => (int)(0.5 + (sum != 0 ? v / sum : 0) * (1 << precision))).ToArray();
        }
        int h = horizontal ? src.Height : outSize, wd = horizontal ? outSize : src.Width, ch = src.Channels;
        var dst = new byte[h * wd * ch];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < wd; x++)
            {
                int o = horizontal ? x : y;
                for (int c = 0; c < ch; c++)
                {
                    long acc = 1L << (precision - 1);
                    for (int i = 0; i < coeffs[o].Length; i++)
                    {
                        int sIdx = starts[o] + i;
                        acc += (long)coeffs[o][i] * (horizontal ? src[y, sIdx, c] : src[sIdx, x, c]);
                    }
                    dst[(y * wd + x) * ch + c] = (byte)Math.Clamp(acc >> precision, 0, 255);
                }
            }
        return new Image8(h, wd, ch, dst);
    }

    private static void Normalize(double[] k)
    {
        double s = k.Sum();
        for (int i = 0; i < k.Length; i++) k[i] /= s;
    }
}
