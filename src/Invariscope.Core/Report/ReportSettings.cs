using Invariscope.Runtime;

namespace Invariscope.Report;

/// <summary>
/// How the report draws its figures: the one settings record of <c>report</c> (its flags) and of the study's report
/// cell (the defaults). Figures are laid out in CSS pixels for the size they are shown at on the page; the PNG has
/// <see cref="Dpi"/>/96 device pixels per CSS pixel (so 192 gives a sharp figure on a high-density screen, 300 one
/// for print), and every figure is also written as SVG beside its PNG, which has no resolution at all.
/// </summary>
public sealed record ReportSettings
{
    /// <summary>The PNG resolution: 96 is one pixel per CSS pixel.</summary>
    public const int DefaultDpi = 96;
    /// <summary>The lowest accepted <see cref="Dpi"/>.</summary>
    public const int MinDpi = 48;
    /// <summary>The highest accepted <see cref="Dpi"/> (a 1050 px figure is then 6,560 pixels wide).</summary>
    public const int MaxDpi = 600;

    /// <summary>The defaults (the study's report cell uses them).</summary>
    public static ReportSettings Default { get; } = new();

    /// <summary>PNG resolution in dots per inch of a 96-dpi CSS pixel grid.</summary>
    public int Dpi { get; init; } = DefaultDpi;

    /// <summary>PNG pixels per layout pixel.</summary>
    public float Scale => Dpi / 96f;

    /// <summary>This record, checked.</summary>
    /// <exception cref="InvariscopeException"><see cref="Dpi"/> outside [<see cref="MinDpi"/>, <see cref="MaxDpi"/>] (field <c>dpi</c>).</exception>
    public ReportSettings Validate()
    {
        if (Dpi < MinDpi || Dpi > MaxDpi)
            throw new InvariscopeException($"dpi {Dpi}: must lie between {MinDpi} and {MaxDpi} (96 = one PNG pixel per CSS pixel)") { Field = "dpi" };
        return this;
    }
}
