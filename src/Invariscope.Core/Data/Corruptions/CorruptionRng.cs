namespace Invariscope.Data.Corruptions;

/// <summary>
/// A small seeded random generator (xoshiro256**, seeded through splitmix64) owned by one corruption call, so
/// results depend only on (corruption, seed) and never on global state or the .NET version.
/// </summary>
internal sealed class CorruptionRng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the generator from the user seed and the corruption name (stable FNV-1a hash, not string.GetHashCode).</summary>
    public CorruptionRng(int seed, string stream)
    {
        ulong h = 14695981039346656037UL;
        foreach (char ch in stream)
        {
            h ^= ch;
            h *= 1099511628211UL;
        }
        ulong x = h ^ (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [lo, hi) (NumPy <c>randint</c> convention: high exclusive).</summary>
    public int Integer(int lo, int hi) => lo + (int)(NextDouble() * (hi - lo));

    /// <summary>Normal with the given mean and standard deviation (Box-Muller).</summary>
    public double Normal(double mean, double std)
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return mean + std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Poisson with mean <paramref name="lambda"/>: multiplication method below 10, else Hörmann's PTRS (as NumPy).</summary>
    public long Poisson(double lambda)
    {
        if (lambda <= 0) return 0;
        if (lambda < 10)
        {
            double limit = Math.Exp(-lambda), prod = NextDouble();
            long k = 0;
            while (prod > limit)
            {
                k++;
                prod *= NextDouble();
            }
            return k;
        }
        double slam = Math.Sqrt(lambda), loglam = Math.Log(lambda);
        double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
        double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
        while (true)
        {
            double u = NextDouble() - 0.5, v = NextDouble();
            double us = 0.5 - Math.Abs(u);
            long k = (long)Math.Floor((2 * a / us + b) * u + lambda + 0.43);
            if (us >= 0.07 && v <= vr) return k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            if (Math.Log(v) + Math.Log(invalpha) - Math.Log(a / (us * us) + b) <= -lambda + k * loglam - LogFactorial(k))
                return k;
        }
    }

    private static double LogFactorial(long k)
    {
        if (k < 2) return 0;
        double n = k + 1.0; // Stirling series for ln Γ(n), accurate to ~1e-10 for n >= 3
        return (n - 0.5) * Math.Log(n) - n + 0.5 * Math.Log(2 * Math.PI)
               + 1.0 / (12 * n) - 1.0 / (360 * n * n * n) + 1.0 / (1260 * Math.Pow(n, 5));
    }
}
