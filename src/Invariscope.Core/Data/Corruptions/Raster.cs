namespace Invariscope.Data.Corruptions;

/// <summary>How a filter reads outside the image.</summary>
internal enum Border
{
    /// <summary>Repeat the edge pixel (scipy <c>nearest</c>, ImageMagick's default virtual pixels).</summary>
    Nearest,

    /// <summary>Half-sample symmetric, <c>dcba|abcd|dcba</c> (scipy <c>reflect</c>).</summary>
    Reflect,

    /// <summary>Whole-sample symmetric, <c>dcb|abcd|cba</c> (OpenCV's default <c>BORDER_REFLECT_101</c>).</summary>
    Reflect101,
}

/// <summary>A float image (H, W, C) row-major; values are on the scale the caller chose ([0,1] or [0,255]).</summary>
internal sealed class Raster
{
    public Raster(int height, int width, int channels)
        : this(height, width, channels, new double[height * width * channels]) { }

    public Raster(int height, int width, int channels, double[] data)
    {
        Height = height;
        Width = width;
        Channels = channels;
        Data = data;
    }

    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }
    public double[] Data { get; }

    public double this[int y, int x, int c]
    {
        get => Data[(y * Width + x) * Channels + c];
        set => Data[(y * Width + x) * Channels + c] = value;
    }

    /// <summary>The image on [0, 1], as NumPy's <c>np.array(x) / 255.</c>.</summary>
    public static Raster From(Image8 image)
    {
        var r = new Raster(image.Height, image.Width, image.Channels);
        for (int i = 0; i < r.Data.Length; i++) r.Data[i] = image.Pixels[i] / 255.0;
        return r;
    }

    public Raster Clone() => new(Height, Width, Channels, (double[])Data.Clone());

    /// <summary>
    /// The reference's output step for [0,1] data: <c>np.uint8(np.clip(x, 0, 1) * 255)</c>, i.e. truncation;
    /// with <paramref name="round"/> it rounds instead (where the reference's last step wrote an 8-bit file).
    /// </summary>
    public Image8 ToImage8(bool round = false)
    {
        var pixels = new byte[Data.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            double v = Data[i];
            v = Math.Clamp(v, 0.0, 1.0) * 255.0;
            pixels[i] = (byte)(round ? Math.Floor(v + 0.5) : v);
        }
        return new Image8(Height, Width, Channels, pixels);
    }

    /// <summary>Maps index <paramref name="i"/> into [0, n) by the border rule.</summary>
    public static int MapIndex(int i, int n, Border border)
    {
        if ((uint)i < (uint)n) return i;
        if (n == 1) return 0;
        switch (border)
        {
            case Border.Nearest:
                return i < 0 ? 0 : n - 1;
            case Border.Reflect:
            {
                int period = 2 * n;
                int m = ((i % period) + period) % period;
                return m < n ? m : period - 1 - m;
            }
            default:
            {
                int period = 2 * n - 2;
                int m = ((i % period) + period) % period;
                return m < n ? m : period - m;
            }
        }
    }

    /// <summary>Bilinear sample of channel <paramref name="c"/> at fractional (y, x), outside read by the border rule.</summary>
    public double Bilinear(double y, double x, int c, Border border)
    {
        int y0 = (int)Math.Floor(y), x0 = (int)Math.Floor(x);
        double fy = y - y0, fx = x - x0;
        int ya = MapIndex(y0, Height, border), yb = MapIndex(y0 + 1, Height, border);
        int xa = MapIndex(x0, Width, border), xb = MapIndex(x0 + 1, Width, border);
        double top = this[ya, xa, c] * (1 - fx) + this[ya, xb, c] * fx;
        double bottom = this[yb, xa, c] * (1 - fx) + this[yb, xb, c] * fx;
        return top * (1 - fy) + bottom * fy;
    }
}
