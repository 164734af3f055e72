namespace Invariscope.Data.Corruptions;

/// <summary>The blur corruptions of CIFAR-10-C (parameters of <c>make_cifar_c.py</c>), on [0,1] data.</summary>
internal static class Blur
{
    /// <summary>
    /// Convolution with the reference's anti-aliased disk: a 17×17 grid, ones where x²+y² ≤ r², normalised, then
    /// OpenCV-Gaussian-blurred (3×3, σ = alias); (r, alias) = (.3,.4) (.4,.5) (.5,.6) (1,.2) (1.5,.1).
    /// Borders reflect as OpenCV's <c>filter2D</c>.
    /// </summary>
    public static Image8 Defocus(Image8 image, int severity, CorruptionRng rng)
    {
        var (radius, alias) = new[] { (0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1.0, 0.2), (1.5, 0.1) }[severity - 1];
        const int half = 8; // the reference's grid for radius <= 8, which all CIFAR radii are
        var disk = new Raster(2 * half + 1, 2 * half + 1, 1);
        double count = 0;
        for (int y = -half; y <= half; y++)
            for (int x = -half; x <= half; x++)
                if (x * x + y * y <= radius * radius)
                {
                    disk[y + half, x + half, 0] = 1;
                    count++;
                }
        for (int i = 0; i < disk.Data.Length; i++) disk.Data[i] /= count;
        var smooth = Filters.Separable(disk, Filters.CvGaussianKernel(3, alias), Border.Reflect101);
        var kernel = new double[2 * half + 1, 2 * half + 1];
        for (int y = 0; y < 2 * half + 1; y++)
            for (int x = 0; x < 2 * half + 1; x++)
                kernel[y, x] = smooth[y, x, 0];
        return Filters.Correlate(Raster.From(image), kernel, Border.Reflect101).ToImage8();
    }

    /// <summary>
    /// Gaussian blur (σ = .05/.25/.4/.25/.4, skimage's defaults: edge-repeat, truncate 4), truncate to 8 bits,
    /// then 1 or 2 sweeps (severity 4-5) swapping each pixel (bottom-right to top-left, 1 px from the border) with a
    /// neighbour offset by NumPy's <c>randint(-1, 1)</c> ∈ {-1, 0} per axis, then the Gaussian blur again.
    /// The reference hard-codes 32 as the sweep range; we use the image's height and width.
    /// </summary>
    public static Image8 Glass(Image8 image, int severity, CorruptionRng rng)
    {
        var (sigma, delta, iterations) = new[] { (0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2) }[severity - 1];
        var x = Filters.Gaussian(Raster.From(image), sigma, 4.0, Border.Nearest).ToImage8();
        var p = x.Pixels;
        int w = x.Width, ch = x.Channels;
        for (int it = 0; it < iterations; it++)
            for (int hh = x.Height - delta; hh > delta; hh--)
                for (int ww = w - delta; ww > delta; ww--)
                {
                    int dx = rng.Integer(-delta, delta), dy = rng.Integer(-delta, delta);
                    int a = (hh * w + ww) * ch, b = ((hh + dy) * w + ww + dx) * ch;
                    for (int c = 0; c < ch; c++) (p[a + c], p[b + c]) = (p[b + c], p[a + c]);
                }
        return Filters.Gaussian(Raster.From(x), sigma, 4.0, Border.Nearest).ToImage8();
    }

    /// <summary>
    /// ImageMagick-style motion blur (see <see cref="Filters.MotionBlur"/>) with (radius, σ) = (6,1) (6,1.5) (6,2)
    /// (8,2) (9,2.5) at an angle uniform in [-45°, 45°). The reference round-trips through ImageMagick and PNG, so
    /// the result is rounded (not truncated) to 8 bits.
    /// </summary>
    public static Image8 Motion(Image8 image, int severity, CorruptionRng rng)
    {
        var (radius, sigma) = new[] { (6.0, 1.0), (6.0, 1.5), (6.0, 2.0), (8.0, 2.0), (9.0, 2.5) }[severity - 1];
        double angle = rng.Uniform(-45, 45);
        return Filters.MotionBlur(Raster.From(image), radius, sigma, angle).ToImage8(round: true);
    }

    /// <summary>
    /// Mean of the image and its centre zooms by <c>np.arange(1, stop, 0.01)</c>, stop = 1.06/1.11/1.16/1.21/1.26
    /// (NumPy's float arange: 7/12/16/21/26 factors), each by <see cref="Filters.ClippedZoom"/>.
    /// </summary>
    public static Image8 Zoom(Image8 image, int severity, CorruptionRng rng)
    {
        double stop = new[] { 1.06, 1.11, 1.16, 1.21, 1.26 }[severity - 1];
        int count = (int)Math.Ceiling((stop - 1.0) / 0.01);
        var x = Raster.From(image);
        var sum = x.Clone();
        for (int i = 0; i < count; i++)
        {
            var z = Filters.ClippedZoom(x, 1.0 + i * 0.01);
            for (int j = 0; j < sum.Data.Length; j++) sum.Data[j] += z.Data[j];
        }
        for (int j = 0; j < sum.Data.Length; j++) sum.Data[j] /= count + 1;
        return sum.ToImage8();
    }
}
