namespace Invariscope.Data;

/// <summary>
/// A tiny counter-based random generator (SplitMix64). Everything random in the data stage (splits,
/// shuffles, augmentations, synthetic scenes) is a pure function of a seed derived with <see cref="Mix(ulong, ulong)"/>,
/// so results never depend on thread timing or call order.
/// </summary>
internal struct SeedRng
{
    ulong _state;

    public SeedRng(ulong seed) => _state = seed;

    /// <summary>The SplitMix64 finaliser: a bijective, well-mixed hash of one 64-bit word.</summary>
    public static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong Mix(ulong a, ulong b) => Finalize(Finalize(a + 0x9E3779B97F4A7C15UL) ^ (b + 0x632BE59BD9B4E019UL));
    public static ulong Mix(ulong a, ulong b, ulong c) => Mix(Mix(a, b), c);
    public static ulong Mix(ulong a, ulong b, ulong c, ulong d) => Mix(Mix(a, b, c), d);

    /// <summary>A stable 64-bit hash of a string (FNV-1a), for mixing names such as a task into seeds.</summary>
    public static ulong Hash(string s)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char ch in s) h = (h ^ ch) * 0x100000001B3UL;
        return h;
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Finalize(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)((NextUInt64() >> 33) * (ulong)n >> 31);

    /// <summary>A uniformly random permutation of 0..n-1 (Fisher-Yates).</summary>
    public static int[] Permutation(int n, ulong seed)
    {
        var rng = new SeedRng(seed);
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
