namespace Invariscope.Data;

/// <summary>
/// Procedural scenes for <see cref="SyntheticDataset"/>: a noisy two-colour gradient background and one or
/// more rotated, textured shapes. All geometry is relative to the image side, so a scene renders at any size.
/// The in-distribution look is dark, coloured backgrounds with bright saturated objects and mild noise; the
/// shifted (OOD) look draws the same scene (same draws, same labels) with grey mid-tone backgrounds, pale
/// desaturated objects, 20% smaller objects and strong noise. The texture's contrast depends on the task: faint
/// where texture is a distractor (shapes), strong where it is the label (texture).
/// </summary>
internal static class SyntheticRenderer
{
    public static readonly string[] Shapes = ["circle", "square", "triangle", "cross", "ring", "frame"];
    public static readonly string[] Textures = ["solid", "stripes", "checker", "dots", "concentric"];
    public static readonly string[] Counts = ["1", "2", "3", "4", "5"];
    public static readonly string[] Hues = ["warm", "green", "blue", "pink"];
    public static readonly string[] Objects = [.. Textures.SelectMany(t => Hues.Select(h => $"{t}/{h}"))];

    /// <summary>Renders the scene of <paramref name="sceneSeed"/> as (size, size, 3) bytes; <paramref name="label"/> is the task's class.</summary>
    public static byte[] Render(SyntheticTask task, int label, ulong sceneSeed, int size, bool ood)
    {
        var rng = new SeedRng(sceneSeed);
        var px = new byte[size * size * 3];
        Background(px, size, ref rng, ood);
        float scale = ood ? 0.8f : 1f;
        switch (task)
        {
            case SyntheticTask.Shapes:
                Draw(px, size, RandomObject(ref rng, label, rng.NextInt(Textures.Length), (float)rng.Uniform(0.22, 0.4) * size * scale, 0.7f, size, ood));
                break;
            case SyntheticTask.Texture:
                Draw(px, size, RandomObject(ref rng, rng.NextInt(3), label, (float)rng.Uniform(0.34, 0.43) * size * scale, 0.35f, size, ood));
                break;
            case SyntheticTask.Objects:
                Draw(px, size, RandomObject(ref rng, rng.NextInt(3), label / Hues.Length, (float)rng.Uniform(0.34, 0.43) * size * scale, 0.35f, size, ood, label % Hues.Length));
                break;
            case SyntheticTask.Count:
                Span<int> cells = stackalloc int[9];
                for (int c = 0; c < 9; c++) cells[c] = c;
                for (int k = 0; k <= label; k++)
                {
                    int pick = k + rng.NextInt(9 - k);
                    (cells[k], cells[pick]) = (cells[pick], cells[k]);
                    var o = RandomObject(ref rng, rng.NextInt(Shapes.Length), rng.NextInt(Textures.Length),
                        (float)rng.Uniform(0.08, 0.12) * size * scale, 0.5f, size, ood);
                    float cell = size / 3f, slack = MathF.Max(0, cell / 2 - 1.15f * o.R);
                    o.Cx = (cells[k] % 3 + 0.5f) * cell + (float)rng.Uniform(-slack, slack);
                    o.Cy = (cells[k] / 3 + 0.5f) * cell + (float)rng.Uniform(-slack, slack);
                    Draw(px, size, o);
                }
                break;
        }
        return px;
    }

    struct Obj
    {
        public int Shape, Texture;
        public float Cx, Cy, R, Cos, Sin;
        public byte R1, G1, B1, R2, G2, B2;
    }

    /// <summary>
    /// A random object; the texture's second colour is the first scaled by <paramref name="contrast"/>. A
    /// <paramref name="hueBin"/> ≥ 0 keeps the hue inside that quarter of the colour wheel, away from its edges.
    /// </summary>
    static Obj RandomObject(ref SeedRng rng, int shape, int texture, float r, float contrast, int size, bool ood, int hueBin = -1)
    {
        double angle = rng.Uniform(0, 2 * Math.PI);
        float margin = 1.15f * r;
        var o = new Obj
        {
            Shape = shape, Texture = texture, R = r,
            Cos = (float)Math.Cos(angle), Sin = (float)Math.Sin(angle),
            Cx = (float)rng.Uniform(margin, Math.Max(margin, size - margin)),
            Cy = (float)rng.Uniform(margin, Math.Max(margin, size - margin)),
        };
        double h = rng.NextDouble(), su = rng.NextDouble(), vu = rng.NextDouble();
        if (hueBin >= 0) h = (hueBin + 0.15 + 0.7 * h) / Hues.Length;
        var (s, v) = ood ? (0.2 + 0.35 * su, 0.7 + 0.3 * vu) : (0.45 + 0.55 * su, 0.6 + 0.4 * vu);
        (o.R1, o.G1, o.B1) = Hsv(h, s, v);
        (o.R2, o.G2, o.B2) = ((byte)(o.R1 * contrast), (byte)(o.G1 * contrast), (byte)(o.B1 * contrast));
        return o;
    }

    static void Background(byte[] px, int size, ref SeedRng rng, bool ood)
    {
        double h0 = rng.NextDouble(), h1 = h0 + 0.15 * rng.NextDouble(), su = rng.NextDouble(), v0u = rng.NextDouble(), v1u = rng.NextDouble();
        double angle = rng.Uniform(0, 2 * Math.PI);
        var (s, v0, v1) = ood
            ? (0.2 * su, 0.2 + 0.25 * v0u, 0.2 + 0.25 * v1u)
            : (0.1 + 0.4 * su, 0.1 + 0.35 * v0u, 0.1 + 0.35 * v1u);
        var (r0, g0, b0) = Hsv(h0, s, v0);
        var (r1, g1, b1) = Hsv(h1, s, v1);
        float ca = (float)Math.Cos(angle) / size, sa = (float)Math.Sin(angle) / size;
        int amp = ood ? 14 : 8;
        for (int y = 0, i = 0; y < size; y++)
            for (int x = 0; x < size; x++, i += 3)
            {
                float t = Math.Clamp((x - size / 2f) * ca + (y - size / 2f) * sa + 0.5f, 0f, 1f);
                ulong noise = rng.NextUInt64();
                px[i] = Noisy(r0 + (r1 - r0) * t, (int)(noise & 0xFF), amp);
                px[i + 1] = Noisy(g0 + (g1 - g0) * t, (int)(noise >> 8 & 0xFF), amp);
                px[i + 2] = Noisy(b0 + (b1 - b0) * t, (int)(noise >> 16 & 0xFF), amp);
            }
    }

    static byte Noisy(float value, int noiseByte, int amp) =>
        (byte)Math.Clamp((int)(value + (noiseByte - 128) * amp / 128f + 0.5f), 0, 255);

    static void Draw(byte[] px, int size, in Obj o)
    {
        float ext = 1.15f * o.R, inv = 1f / o.R;
        int x0 = Math.Max(0, (int)(o.Cx - ext)), x1 = Math.Min(size - 1, (int)(o.Cx + ext));
        int y0 = Math.Max(0, (int)(o.Cy - ext)), y1 = Math.Min(size - 1, (int)(o.Cy + ext));
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                float dx = x + 0.5f - o.Cx, dy = y + 0.5f - o.Cy;
                float u = (dx * o.Cos + dy * o.Sin) * inv, v = (dy * o.Cos - dx * o.Sin) * inv;
                if (!Inside(o.Shape, u, v)) continue;
                int i = (y * size + x) * 3;
                bool second = Patterned(o.Texture, u, v);
                // keep a little of the background noise so objects are not perfectly flat
                px[i] = Blend(second ? o.R2 : o.R1, px[i]);
                px[i + 1] = Blend(second ? o.G2 : o.G1, px[i + 1]);
                px[i + 2] = Blend(second ? o.B2 : o.B1, px[i + 2]);
            }
    }

    static byte Blend(byte fg, byte bg) => (byte)((fg * 7 + bg) >> 3);

    static bool Inside(int shape, float u, float v)
    {
        float au = MathF.Abs(u), av = MathF.Abs(v), r2 = u * u + v * v;
        const float Sqrt3 = 1.7320508f;
        return shape switch
        {
            0 => r2 <= 1f,
            1 => au <= 0.8f && av <= 0.8f,
            2 => v >= -0.55f && Sqrt3 * u + v <= 1.1f && -Sqrt3 * u + v <= 1.1f,
            3 => (au <= 0.3f && av <= 0.95f) || (av <= 0.3f && au <= 0.95f),
            4 => r2 <= 1f && r2 >= 0.3f,
            _ => MathF.Max(au, av) is >= 0.5f and <= 0.85f,
        };
    }

    static bool Patterned(int texture, float u, float v)
    {
        const float W = 0.33f;
        switch (texture)
        {
            case 0: return false;
            case 1: return ((int)MathF.Floor(u / W) & 1) == 1;
            case 2: return (((int)MathF.Floor(u / W) + (int)MathF.Floor(v / W)) & 1) == 1;
            case 3:
                float fu = u / (2 * W), fv = v / (2 * W);
                fu -= MathF.Round(fu);
                fv -= MathF.Round(fv);
                return fu * fu + fv * fv < 0.09f;
            default: return ((int)(MathF.Sqrt(u * u + v * v) / W) & 1) == 1;
        }
    }

    static (byte r, byte g, byte b) Hsv(double h, double s, double v)
    {
        h = (h - Math.Floor(h)) * 6;
        int sector = (int)h % 6;
        double f = h - Math.Floor(h), p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        var (r, g, b) = sector switch
        {
            0 => (v, t, p), 1 => (q, v, p), 2 => (p, v, t),
            3 => (p, q, v), 4 => (t, p, v), _ => (v, p, q),
        };
        return ((byte)(r * 255 + 0.5), (byte)(g * 255 + 0.5), (byte)(b * 255 + 0.5));
    }
}
