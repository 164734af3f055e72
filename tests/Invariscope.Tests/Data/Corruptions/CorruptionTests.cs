using Invariscope.Data;
using Invariscope.Data.Corruptions;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data.CorruptionTests;

public class CorruptionTests
{
    private static readonly string[] Random =
        ["gaussian_noise", "shot_noise", "impulse_noise", "glass_blur", "motion_blur", "snow", "frost", "fog", "elastic_transform"];

    private static readonly Dictionary<string, Image8> Images = new()
    {
        ["rgb32"] = TestImages.Natural(32, 3),
        ["rgb64"] = TestImages.Natural(64, 3),
        ["gray32"] = TestImages.Natural(32, 1),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Corruptions.All)
            foreach (var image in Images.Keys)
                data.Add(name, image);
        return data;
    }

    [Fact]
    public void All_lists_the_fifteen_cifar_c_names_in_canonical_order()
    {
        Assert.Equal(
            ["gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur", "zoom_blur",
             "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate", "jpeg_compression"],
            Corruptions.All);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_keeps_shape_is_deterministic_and_distorts_more_with_severity(string name, string imageKey)
    {
        var clean = Images[imageKey];
        var distortion = new double[6];
        for (int severity = 1; severity <= 5; severity++)
        {
            var a = Corruptions.Apply(name, clean, severity, seed: 7);
            Assert.Equal((clean.Height, clean.Width, clean.Channels), (a.Height, a.Width, a.Channels));
            Assert.Equal(clean.Pixels.Length, a.Pixels.Length);
            Assert.Equal(a.Pixels, Corruptions.Apply(name, clean, severity, seed: 7).Pixels);
            if (Random.Contains(name))
                Assert.NotEqual(a.Pixels, Corruptions.Apply(name, clean, severity, seed: 8).Pixels);
            Assert.True(TestImages.MeanAbsDiff(clean, a) > 0, $"{name} severity {severity} left the image unchanged");
            // Random corruptions: average over seeds, as their severities are ordered in expectation.
            int[] seeds = Random.Contains(name) ? [7, 8, 9, 10] : [7];
            distortion[severity] = seeds.Average(seed => Measure(name, clean, Corruptions.Apply(name, clean, severity, seed)));
        }
        if (name == "elastic_transform") return; // see Elastic_displacement_grows_with_severity
        double tolerance = name switch { "glass_blur" => 0.10, "frost" => 0, _ => 0.05 };
        for (int s = 1; s < 5; s++)
            Assert.True(distortion[s + 1] >= distortion[s] * (1 - tolerance),
                $"{name}: distortion fell from {distortion[s]:F3} at severity {s} to {distortion[s + 1]:F3}");
        Assert.True(distortion[5] > distortion[1], $"{name}: severity 5 ({distortion[5]:F3}) not worse than 1 ({distortion[1]:F3})");
    }

    // Mean absolute difference, except where the reference's parameters make it non-monotone by design:
    // frost lowers the image weight as it raises the overlay (a·x + b·frost), so compare standardised images;
    // glass blur's sweeps (1,1,1,2,2) move pixels while its σ (.05,.25,.4,.25,.4) smooths, so compare 4×4 block means.
    private static double Measure(string name, Image8 clean, Image8 corrupted) => name switch
    {
        "frost" => Distortion.Standardized(clean, corrupted),
        "glass_blur" => Distortion.Coarse(clean, corrupted),
        _ => TestImages.MeanAbsDiff(clean, corrupted),
    };

    [Fact]
    public void Elastic_displacement_grows_with_severity()
    {
        // The reference shrinks the affine part (.08 → .03 of the size) while it grows the elastic field, so pixel
        // differences shrink with severity; the elastic field's RMS is what its severities order.
        var rms = Enumerable.Range(1, 5).Select(s =>
        {
            var (alpha, sigma, _) = Digital.ElasticParameters(s, 32);
            var field = Digital.DisplacementField(32, 32, sigma, alpha, new CorruptionRng(1, "test"));
            return Math.Sqrt(field.Data.Average(v => v * v));
        }).ToArray();
        Assert.Equal(0, rms[0]);
        for (int s = 1; s < 5; s++) Assert.True(rms[s] > rms[s - 1], $"rms {string.Join(", ", rms)}");
    }

    [Theory]
    [InlineData("fog_of_war", 1)]
    [InlineData("fog", 0)]
    [InlineData("fog", 6)]
    public void Unknown_name_or_severity_is_a_user_error_listing_valid_values(string name, int severity)
    {
        var ex = Assert.Throws<InvariscopeException>(() => Corruptions.Apply(name, Images["rgb32"], severity, 0));
        Assert.Contains(severity is < 1 or > 5 ? "1, 2, 3, 4, 5" : "gaussian_noise, shot_noise", ex.Message);
    }

    [Fact]
    public void Contrast_is_exactly_the_reference_formula()
    {
        var clean = Images["rgb32"];
        var c = new[] { 0.75, 0.5, 0.4, 0.3, 0.15 };
        for (int s = 1; s <= 5; s++)
        {
            var expected = new byte[clean.Pixels.Length];
            for (int ch = 0; ch < 3; ch++)
            {
                double mean = 0;
                for (int i = ch; i < expected.Length; i += 3) mean += clean.Pixels[i] / 255.0;
                mean /= 32 * 32;
                for (int i = ch; i < expected.Length; i += 3)
                    expected[i] = (byte)(Math.Clamp((clean.Pixels[i] / 255.0 - mean) * c[s - 1] + mean, 0, 1) * 255);
            }
            Assert.Equal(expected, Corruptions.Apply("contrast", clean, s, 0).Pixels);
        }
    }

    [Fact]
    public void Brightness_raises_hsv_value_and_keeps_hue_and_saturation()
    {
        var clean = Images["rgb32"];
        var shift = new[] { 0.05, 0.1, 0.15, 0.2, 0.3 };
        for (int s = 1; s <= 5; s++)
        {
            var b = Corruptions.Apply("brightness", clean, s, 0);
            for (int i = 0; i < clean.Pixels.Length; i += 3)
            {
                int vIn = Math.Max(clean.Pixels[i], Math.Max(clean.Pixels[i + 1], clean.Pixels[i + 2]));
                int vOut = Math.Max(b.Pixels[i], Math.Max(b.Pixels[i + 1], b.Pixels[i + 2]));
                Assert.InRange(vOut, Math.Min(255, vIn + shift[s - 1] * 255) - 1, Math.Min(255, vIn + shift[s - 1] * 255) + 1);
                // Hue and saturation are kept, so the channel order is kept.
                if (clean.Pixels[i] > clean.Pixels[i + 1]) Assert.True(b.Pixels[i] >= b.Pixels[i + 1]);
                if (clean.Pixels[i] < clean.Pixels[i + 1]) Assert.True(b.Pixels[i] <= b.Pixels[i + 1]);
            }
        }
        var gray = Images["gray32"];
        var g = Corruptions.Apply("brightness", gray, 2, 0);
        Assert.Equal(gray.Pixels.Select(p => (byte)(Math.Clamp(p / 255.0 + 0.1, 0, 1) * 255)), g.Pixels);
    }

    [Fact]
    public void Gaussian_noise_has_the_cifar_sigma()
    {
        var grey = TestImages.Uniform(64, 3, 128);
        var sigma = new[] { 0.04, 0.06, 0.08, 0.09, 0.10 };
        for (int s = 1; s <= 5; s++)
        {
            var noisy = Corruptions.Apply("gaussian_noise", grey, s, 3);
            var d = noisy.Pixels.Select(p => p - 128.0).ToArray();
            double mean = d.Average(), std = Math.Sqrt(d.Select(x => (x - mean) * (x - mean)).Average());
            Assert.InRange(std, sigma[s - 1] * 255 * 0.96, sigma[s - 1] * 255 * 1.04);
            Assert.InRange(mean, -1.5, 0.5); // truncation to uint8 lowers the mean by about 0.5
        }
    }

    [Fact]
    public void Shot_noise_variance_is_x_over_c()
    {
        var grey = TestImages.Uniform(64, 3, 128);
        var noisy = Corruptions.Apply("shot_noise", grey, 5, 3); // c = 50: var of x·c Poisson / c² = x/c
        var d = noisy.Pixels.Select(p => p / 255.0).ToArray();
        double mean = d.Average(), std = Math.Sqrt(d.Select(x => (x - mean) * (x - mean)).Average());
        Assert.InRange(std, Math.Sqrt(128 / 255.0 / 50) * 0.95, Math.Sqrt(128 / 255.0 / 50) * 1.05);
    }

    [Fact]
    public void Box_resize_to_an_exact_divisor_and_back_is_blocky()
    {
        var clean = Images["rgb32"];
        var blocky = Filters.ResizeBox(Filters.ResizeBox(clean, 16, 16), 32, 32);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                for (int c = 0; c < 3; c++)
                    Assert.Equal(blocky[y & ~1, x & ~1, c], blocky[y, x, c]);
        var small = Filters.ResizeBox(clean, 16, 16);
        Assert.Equal((clean[0, 0, 0] + clean[0, 1, 0] + clean[1, 0, 0] + clean[1, 1, 0]) / 4.0, small[0, 0, 0], 0.5 + 1e-9);
    }

    [Fact]
    public void Pixelate_repeats_columns_and_rows()
    {
        var p = Corruptions.Apply("pixelate", Images["rgb32"], 5, 0); // 32 → 20 → 32: 12 duplicated columns and rows
        int sameColumns = Enumerable.Range(0, 31).Count(x => Enumerable.Range(0, 32).All(y => p[y, x, 0] == p[y, x + 1, 0] && p[y, x, 2] == p[y, x + 1, 2]));
        int sameRows = Enumerable.Range(0, 31).Count(y => Enumerable.Range(0, 32).All(x => p[y, x, 1] == p[y + 1, x, 1]));
        Assert.True(sameColumns >= 12 && sameRows >= 12, $"{sameColumns} columns, {sameRows} rows repeated");
    }

    [Fact]
    public void Jpeg_round_trip_changes_but_stays_close_and_worsens_with_quality()
    {
        foreach (var clean in Images.Values)
        {
            var q80 = Corruptions.Apply("jpeg_compression", clean, 1, 0);
            var q40 = Corruptions.Apply("jpeg_compression", clean, 5, 0);
            Assert.NotEqual(clean.Pixels, q80.Pixels);
            Assert.InRange(TestImages.MeanAbsDiff(clean, q80), 0.5, 15);
            Assert.True(TestImages.MeanAbsDiff(clean, q40) > TestImages.MeanAbsDiff(clean, q80));
        }
    }

    [Fact]
    public void Plasma_fractal_spans_zero_to_one()
    {
        var map = ProceduralTextures.Plasma(32, 2.0, new CorruptionRng(0, "fog"));
        var values = map.Cast<double>().ToArray();
        Assert.Equal(0, values.Min());
        Assert.Equal(1, values.Max());
        Assert.True(values.Distinct().Count() > 1000);
    }
}
