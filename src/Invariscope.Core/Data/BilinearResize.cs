using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Invariscope.Data;

/// <summary>
/// Separable bilinear (triangle-filter) resizing of float (C, H, W) planes in managed code, matching
/// <c>torch.nn.functional.interpolate(mode="bilinear", align_corners=False)</c> when enlarging and its
/// <c>antialias=True</c> (PIL-style) variant when shrinking, which is torchvision's default. Kept off libtorch
/// so that loader threads do not compete with training for libtorch's intra-op thread pool.
/// </summary>
internal static class BilinearResize
{
    /// <summary>Per output position: first input index, tap count, and normalised weights (MaxTaps per row).</summary>
    sealed record Kernel(int[] Start, int[] Taps, float[] Weights, int MaxTaps);

    static readonly ConcurrentDictionary<(int, int), Kernel> Kernels = new();

    static Kernel Build(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double support = Math.Max(scale, 1.0), invWidth = 1.0 / support;
        int maxTaps = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var taps = new int[outSize];
        var weights = new float[outSize * maxTaps];
        for (int i = 0; i < outSize; i++)
        {
            double center = (i + 0.5) * scale;
            int lo = Math.Max(0, (int)(center - support + 0.5)), hi = Math.Min(inSize, (int)(center + support + 0.5));
            double sum = 0;
            for (int j = lo; j < hi; j++) sum += Math.Max(0, 1 - Math.Abs((j + 0.5 - center) * invWidth));
            start[i] = lo;
            taps[i] = hi - lo;
            for (int j = lo; j < hi; j++)
                weights[i * maxTaps + j - lo] = (float)(Math.Max(0, 1 - Math.Abs((j + 0.5 - center) * invWidth)) / sum);
        }
        return new Kernel(start, taps, weights, maxTaps);
    }

    /// <summary>Resizes (C, h, w) <paramref name="src"/> to (C, outH, outW) <paramref name="dst"/>.</summary>
    public static void Resize(ReadOnlySpan<float> src, int channels, int h, int w, Span<float> dst, int outH, int outW)
    {
        var kx = Kernels.GetOrAdd((w, outW), k => Build(k.Item1, k.Item2));
        var ky = Kernels.GetOrAdd((h, outH), k => Build(k.Item1, k.Item2));
        var tmp = new float[channels * h * outW];
        for (int row = 0; row < channels * h; row++)
        {
            var s = src.Slice(row * w, w);
            var d = tmp.AsSpan(row * outW, outW);
            for (int i = 0; i < outW; i++)
            {
                int o = kx.Start[i], wi = i * kx.MaxTaps;
                float acc = 0;
                for (int t = 0; t < kx.Taps[i]; t++) acc += kx.Weights[wi + t] * s[o + t];
                d[i] = acc;
            }
        }
        for (int c = 0; c < channels; c++)
        {
            var plane = tmp.AsSpan(c * h * outW, h * outW);
            for (int i = 0; i < outH; i++)
            {
                var d = dst.Slice((c * outH + i) * outW, outW);
                d.Clear();
                int o = ky.Start[i], wi = i * ky.MaxTaps;
                for (int t = 0; t < ky.Taps[i]; t++)
                    AddScaled(d, plane.Slice((o + t) * outW, outW), ky.Weights[wi + t]);
            }
        }
    }

    /// <summary><c>d += w * s</c>, vectorised.</summary>
    static void AddScaled(Span<float> d, ReadOnlySpan<float> s, float w)
    {
        int x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var dv = MemoryMarshal.Cast<float, Vector<float>>(d);
            var sv = MemoryMarshal.Cast<float, Vector<float>>(s);
            var wv = new Vector<float>(w);
            for (int k = 0; k < dv.Length; k++) dv[k] += wv * sv[k];
            x = dv.Length * Vector<float>.Count;
        }
        for (; x < d.Length; x++) d[x] += w * s[x];
    }
}
