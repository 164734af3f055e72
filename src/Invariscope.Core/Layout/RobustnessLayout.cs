namespace Invariscope.Layout;

/// <summary>
/// The layout of a run's robustness evaluation, <c>RUN/robustness/</c>: <c>settings.json</c> (what was measured),
/// one <c>epoch_NNN.json</c> per evaluated epoch (written when done, so a killed evaluation resumes), and
/// <c>robustness.csv</c> (one row per epoch).
/// </summary>
public sealed class RobustnessLayout(string root)
{
    /// <summary>The folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);
    /// <summary>The robustness settings the epochs were evaluated with.</summary>
    public string SettingsPath => Path.Combine(Root, "settings.json");
    /// <summary>The table of every evaluated epoch.</summary>
    public string Csv => Path.Combine(Root, "robustness.csv");

    /// <summary>The result file of one epoch.</summary>
    public string Epoch(int epoch) => Path.Combine(Root, $"epoch_{epoch:D3}.json");

    /// <summary>Every epoch result file present (any order; empty when the folder does not exist).</summary>
    public IEnumerable<string> EpochFiles() =>
        Directory.Exists(Root) ? Directory.EnumerateFiles(Root, "epoch_*.json") : [];
}
