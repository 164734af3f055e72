namespace Invariscope.Data.Corruptions;

/// <summary>Seeded procedural textures for fog (the reference's plasma fractal) and frost (our substitute).</summary>
internal static class ProceduralTextures
{
    /// <summary>
    /// The reference's <c>plasma_fractal</c> (diamond-square on a torus): a size×size map (size a power of two),
    /// corner 0, wibble starting at 100 and divided by <paramref name="wibbleDecay"/> each level, each new point the
    /// mean of its four neighbours plus <c>wibble·U(-wibble, wibble)</c>; finally rescaled to [0, 1].
    /// </summary>
    public static double[,] Plasma(int size, double wibbleDecay, CorruptionRng rng)
    {
        if (size < 2 || (size & (size - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(size), "must be a power of two >= 2");
        var map = new double[size, size];
        double wibble = 100;
        for (int step = size; step >= 2; step /= 2, wibble /= wibbleDecay)
        {
            int m = size / step, half = step / 2;
            double Wibbled(double sum) => sum / 4 + wibble * rng.Uniform(-wibble, wibble);
            var squares = new double[m, m];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                {
                    int i1 = (i + 1) % m * step, j1 = (j + 1) % m * step;
                    squares[i, j] = Wibbled(map[i * step, j * step] + map[i1, j * step] + map[i * step, j1] + map[i1, j1]);
                }
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                    map[i * step + half, j * step + half] = squares[i, j];
            // Diamonds: points between two corners horizontally (row multiple of step), then vertically.
            var across = new double[m, m];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                    across[i, j] = Wibbled(map[i * step + half, j * step + half] + map[(i - 1 + m) % m * step + half, j * step + half]
                                           + map[i * step, j * step] + map[i * step, (j + 1) % m * step]);
            var down = new double[m, m];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                    down[i, j] = Wibbled(map[i * step + half, j * step + half] + map[i * step + half, (j - 1 + m) % m * step + half]
                                         + map[i * step, j * step] + map[(i + 1) % m * step, j * step]);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                {
                    map[i * step, j * step + half] = across[i, j];
                    map[i * step + half, j * step] = down[i, j];
                }
        }
        double min = double.MaxValue, max = double.MinValue;
        foreach (double v in map) { min = Math.Min(min, v); max = Math.Max(max, v); }
        double range = max - min;
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
                map[i, j] = range > 0 ? (map[i, j] - min) / range : 0;
        return map;
    }

    /// <summary>The smallest power of two that is at least <paramref name="n"/> (and at least 2).</summary>
    public static int PowerOfTwoAtLeast(int n) => (int)Math.Max(2, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)n));

    /// <summary>
    /// A frost-like RGB texture on [0, 255] standing in for the reference's frost photographs (not shipped with
    /// this project): a dim plasma haze plus bright ice needles with side branches, lightly blurred, tinted
    /// ice-blue. Mean brightness is around 100/255, needles reach about 240/255.
    /// </summary>
    public static Raster Frost(int height, int width, CorruptionRng rng)
    {
        int size = PowerOfTwoAtLeast(Math.Max(height, width));
        var haze = Plasma(size, 2.0, rng);
        var v = new Raster(height, width, 1);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                v[y, x, 0] = 0.12 + 0.3 * haze[y, x];
        int needles = Math.Max(4, height * width / 24);
        double maxLength = Math.Max(height, width) / 3.0;
        for (int n = 0; n < needles; n++)
        {
            double y0 = rng.Uniform(0, height), x0 = rng.Uniform(0, width);
            double angle = rng.Uniform(0, 2 * Math.PI), length = rng.Uniform(2, maxLength);
            double brightness = rng.Uniform(0.55, 0.95);
            DrawLine(v, y0, x0, angle, length, brightness);
            for (double t = rng.Uniform(1, 3); t < length; t += rng.Uniform(2, 4))
            {
                double by = y0 + t * Math.Sin(angle), bx = x0 + t * Math.Cos(angle);
                double side = rng.NextDouble() < 0.5 ? -1 : 1;
                DrawLine(v, by, bx, angle + side * Math.PI / 3, (length - t) * 0.4, brightness * 0.8);
            }
        }
        var soft = Filters.Gaussian(v, 0.5, 4.0, Border.Reflect);
        var tint = new[] { 0.86, 0.94, 1.0 };
        var rgb = new Raster(height, width, 3);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    rgb[y, x, c] = Math.Min(1.0, soft[y, x, 0]) * tint[c] * 255.0;
        return rgb;
    }

    private static void DrawLine(Raster v, double y0, double x0, double angle, double length, double brightness)
    {
        for (double t = 0; t <= length; t += 0.5)
        {
            int y = (int)Math.Round(y0 + t * Math.Sin(angle)), x = (int)Math.Round(x0 + t * Math.Cos(angle));
            if (y < 0 || y >= v.Height || x < 0 || x >= v.Width) return;
            double fade = brightness * (1 - 0.5 * t / Math.Max(length, 1e-9));
            v[y, x, 0] = Math.Max(v[y, x, 0], fade);
        }
    }
}
