using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace Invariscope.Report;

/// <summary>
/// The fonts that report figures use: DejaVu Sans, embedded in this assembly (licence in Report/Fonts/LICENSE),
/// so that figures render the same text on machines without any system fonts (SkiaSharp's NoDependencies
/// build has no fontconfig). The font is registered with ScottPlot under its own family name
/// <see cref="Family"/>, which no system font carries, so a figure can only ever get the embedded glyphs.
/// </summary>
public static class ReportFonts
{
    /// <summary>Family name under which the embedded DejaVu Sans is registered with ScottPlot.</summary>
    public const string Family = "Invariscope DejaVu Sans";

    private const string RegularResource = "Invariscope.Report.Fonts.DejaVuSans.ttf";
    private const string BoldResource = "Invariscope.Report.Fonts.DejaVuSans-Bold.ttf";

    private static readonly Lock Gate = new();
    private static bool registered;

    /// <summary>
    /// Registers the embedded fonts with ScottPlot (first in its resolver list) and makes <see cref="Family"/>
    /// ScottPlot's default font. Idempotent and thread-safe; every figure method calls it.
    /// </summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (!registered)
            {
                var resolver = new EmbeddedFontResolver(ReadResource(RegularResource), ReadResource(BoldResource));
                Fonts.FontResolvers.Insert(0, resolver);
                registered = true;
            }
            Fonts.Default = Family;
        }
    }

    /// <summary>Creates a typeface from the embedded regular or bold font file (caller disposes it).</summary>
    internal static SKTypeface CreateTypeface(bool bold)
    {
        byte[] bytes = ReadResource(bold ? BoldResource : RegularResource);
        return CreateTypeface(bytes);
    }

    private static SKTypeface CreateTypeface(byte[] bytes)
    {
        using var data = SKData.CreateCopy(bytes);
        return SKTypeface.FromData(data)
            ?? throw new InvalidOperationException("SkiaSharp could not load the embedded DejaVu Sans font.");
    }

    private static byte[] ReadResource(string name)
    {
        Assembly asm = typeof(ReportFonts).Assembly;
        using Stream stream = asm.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded font resource '{name}' is missing from {asm.GetName().Name}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Answers ScottPlot's typeface requests for <see cref="Family"/> from the embedded font files.</summary>
    private sealed class EmbeddedFontResolver(byte[] regularBytes, byte[] boldBytes) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            CreateTypeface(fontName, weight >= FontWeight.SemiBold, slant != FontSlant.Upright);

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            string.Equals(fontName, Family, StringComparison.OrdinalIgnoreCase)
                ? ReportFonts.CreateTypeface(bold ? boldBytes : regularBytes)
                : null;
    }
}
