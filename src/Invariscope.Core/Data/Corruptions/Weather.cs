namespace Invariscope.Data.Corruptions;

/// <summary>The weather corruptions of CIFAR-10-C (parameters of <c>make_cifar_c.py</c>).</summary>
internal static class Weather
{
    /// <summary>
    /// Snow: a N(loc, scale) layer, centre-zoomed, thresholded, truncated to 8 bits, motion-blurred (ImageMagick
    /// style, angle in [-135°, -45°), rounded to 8 bits), added twice (itself and rotated 180°) to the image after
    /// lifting it towards <c>1.5·gray + .5</c> (gray = OpenCV's .299R+.587G+.114B; a gray image is its own gray).
    /// Parameters (loc, scale, zoom, threshold, radius, σ, blend) as the reference's CIFAR table.
    /// </summary>
    public static Image8 Snow(Image8 image, int severity, CorruptionRng rng)
    {
        var (loc, scale, zoom, threshold, radius, sigma, blend) = new[]
        {
            (0.1, 0.2, 1.0, 0.6, 8.0, 3.0, 0.95),
            (0.1, 0.2, 1.0, 0.5, 10.0, 4.0, 0.9),
            (0.15, 0.3, 1.75, 0.55, 10.0, 4.0, 0.9),
            (0.25, 0.3, 2.25, 0.6, 12.0, 6.0, 0.85),
            (0.3, 0.3, 1.25, 0.65, 14.0, 12.0, 0.8),
        }[severity - 1];
        int h = image.Height, w = image.Width, ch = image.Channels;
        var layer = new Raster(h, w, 1);
        for (int i = 0; i < layer.Data.Length; i++) layer.Data[i] = rng.Normal(loc, scale);
        layer = Filters.ClippedZoom(layer, zoom);
        for (int i = 0; i < layer.Data.Length; i++)
            if (layer.Data[i] < threshold) layer.Data[i] = 0;
        double angle = rng.Uniform(-135, -45);
        var blurred = Filters.MotionBlur(Raster.From(layer.ToImage8()), radius, sigma, angle);
        var flakes = Raster.From(blurred.ToImage8(round: true));

        var x = Raster.From(image);
        var output = new Raster(h, w, ch);
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++)
            {
                double gray = ch == 1 ? x[y, xx, 0] : 0.299 * x[y, xx, 0] + 0.587 * x[y, xx, 1] + 0.114 * x[y, xx, 2];
                double snow = flakes[y, xx, 0] + flakes[h - 1 - y, w - 1 - xx, 0];
                for (int c = 0; c < ch; c++)
                {
                    double v = x[y, xx, c];
                    output[y, xx, c] = blend * v + (1 - blend) * Math.Max(v, gray * 1.5 + 0.5) + snow;
                }
            }
        return output.ToImage8();
    }

    /// <summary>
    /// Frost: <c>clip(a·x + b·frost, 0, 255)</c> with (a, b) = (1,.2) (1,.3) (.9,.4) (.85,.4) (.75,.45). The reference
    /// crops a random 32×32 patch of one of its frost photographs; those files are not ours to ship, so frost is a
    /// seeded procedural texture (<see cref="ProceduralTextures.Frost"/>) of the image's size — same formula, a
    /// different-looking overlay. On a gray image the texture's channels are averaged.
    /// </summary>
    public static Image8 Frost(Image8 image, int severity, CorruptionRng rng)
    {
        var (a, b) = new[] { (1.0, 0.2), (1.0, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45) }[severity - 1];
        int h = image.Height, w = image.Width, ch = image.Channels;
        var frost = ProceduralTextures.Frost(h, w, rng);
        var pixels = new byte[image.Pixels.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++)
                {
                    double f = ch == 3 ? frost[y, x, c] : (frost[y, x, 0] + frost[y, x, 1] + frost[y, x, 2]) / 3;
                    int i = (y * w + x) * ch + c;
                    pixels[i] = (byte)Math.Clamp(a * image.Pixels[i] + b * f, 0.0, 255.0);
                }
        return new Image8(h, w, ch, pixels);
    }

    /// <summary>
    /// Fog: add <c>t·plasma</c> (t = .2/.5/.75/1/1.5, wibble decay 3/3/2.5/2/1.75) and rescale by
    /// <c>max/(max+t)</c>, max the image's brightest value. The reference's map is 32×32 for CIFAR; we use the
    /// smallest power of two covering the image and crop, as its ImageNet version does (256 for 224).
    /// </summary>
    public static Image8 Fog(Image8 image, int severity, CorruptionRng rng)
    {
        var (t, decay) = new[] { (0.2, 3.0), (0.5, 3.0), (0.75, 2.5), (1.0, 2.0), (1.5, 1.75) }[severity - 1];
        int h = image.Height, w = image.Width, ch = image.Channels;
        var plasma = ProceduralTextures.Plasma(ProceduralTextures.PowerOfTwoAtLeast(Math.Max(h, w)), decay, rng);
        var x = Raster.From(image);
        double max = x.Data.Max();
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++)
                for (int c = 0; c < ch; c++)
                    x[y, xx, c] = (x[y, xx, c] + t * plasma[y, xx]) * max / (max + t);
        return x.ToImage8();
    }
}
