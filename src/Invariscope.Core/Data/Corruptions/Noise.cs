namespace Invariscope.Data.Corruptions;

/// <summary>The noise corruptions of CIFAR-10-C (parameters of <c>make_cifar_c.py</c>), on [0,1] data.</summary>
internal static class Noise
{
    /// <summary>Additive N(0, σ²) per value, σ = .04/.06/.08/.09/.10.</summary>
    public static Image8 Gaussian(Image8 image, int severity, CorruptionRng rng)
    {
        double sigma = new[] { 0.04, 0.06, 0.08, 0.09, 0.10 }[severity - 1];
        var x = Raster.From(image);
        for (int i = 0; i < x.Data.Length; i++) x.Data[i] += rng.Normal(0, sigma);
        return x.ToImage8();
    }

    /// <summary>Photon noise: <c>Poisson(x·c)/c</c> per value, c = 500/250/100/75/50.</summary>
    public static Image8 Shot(Image8 image, int severity, CorruptionRng rng)
    {
        double c = new[] { 500.0, 250, 100, 75, 50 }[severity - 1];
        var x = Raster.From(image);
        for (int i = 0; i < x.Data.Length; i++) x.Data[i] = rng.Poisson(x.Data[i] * c) / c;
        return x.ToImage8();
    }

    /// <summary>
    /// Salt and pepper as skimage's <c>random_noise(mode='s&amp;p')</c>: each value independently replaced with
    /// probability amount = .01/.02/.03/.05/.07, by 1 or 0 with equal odds.
    /// </summary>
    public static Image8 Impulse(Image8 image, int severity, CorruptionRng rng)
    {
        double amount = new[] { 0.01, 0.02, 0.03, 0.05, 0.07 }[severity - 1];
        var x = Raster.From(image);
        for (int i = 0; i < x.Data.Length; i++)
        {
            bool flip = rng.NextDouble() < amount;
            bool salt = rng.NextDouble() < 0.5;
            if (flip) x.Data[i] = salt ? 1.0 : 0.0;
        }
        return x.ToImage8();
    }
}
