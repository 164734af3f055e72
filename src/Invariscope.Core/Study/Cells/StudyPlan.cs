using System.Text.Json;
using System.Text.Json.Nodes;
using Invariscope.Analysis;
using Invariscope.Layout;
using Invariscope.Runtime;
using Invariscope.Training;

namespace Invariscope.Study.Cells;

/// <summary>
/// Every cell of a study with the cells it depends on, in plan order (a valid order: each cell after its
/// dependencies): the training runs (pretraining first), each run's robustness per epoch, the inversions on each
/// pretrained start per STIR seed, each run's analysis per (epoch, STIR seed), the statistics, the report.
/// The plan is a pure function of the config: epoch cells come from the training plan, and an epoch that a run
/// did not write (hp-ft may stop its head probing early) is a cell that is done, and empty, once the run is.
/// </summary>
public sealed class StudyPlan
{
    readonly Dictionary<string, Cell> _byId;

    /// <summary>The cells in plan order.</summary>
    public IReadOnlyList<Cell> Cells { get; }

    /// <summary>The training runs: the pretraining run first (if any), then every setting's runs in study order.</summary>
    public IReadOnlyList<StudyRun> Runs { get; }

    /// <summary>The pretrained starts whose inversions are cells.</summary>
    public IReadOnlyList<InversionStart> Starts { get; }

    StudyPlan(IReadOnlyList<Cell> cells, IReadOnlyList<StudyRun> runs, IReadOnlyList<InversionStart> starts)
    {
        Cells = cells;
        Runs = runs;
        Starts = starts;
        _byId = cells.ToDictionary(c => c.Id);
    }

    /// <summary>The cell with this id, or null.</summary>
    public Cell? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The cell with this id.</summary>
    public Cell this[string id] => _byId[id];

    /// <summary>The plan of a (validated) study config.</summary>
    public static StudyPlan For(StudyConfig config)
    {
        var runs = new List<StudyRun>();
        if (config.Pretrain is not null) runs.Add(new StudyRun(StudyLayout.PretrainName, null, null));
        runs.AddRange(config.Settings.SelectMany(s => s.Runs.Select(r => new StudyRun(r.Dir, s, r.Seed))));
        var train = runs.ToDictionary(r => r, r => Train(config, r));
        var pretrain = config.Pretrain is null ? null : runs[0];
        var settingRuns = runs.Where(r => r.Setting is not null).ToList();

        var cells = new List<Cell>();
        foreach (var run in runs)
        {
            bool fromPretrain = run.Setting is not null && train[run].Init == StudyConfig.PretrainRef;
            cells.Add(new Cell(CellIds.Train(run), CellKind.Train, fromPretrain ? [CellIds.Train(pretrain!)] : []) { Run = run });
        }
        foreach (var run in settingRuns.Where(r => r.Setting!.Robustness && config.Robustness is not null))
            foreach (var epoch in Epochs(train[run]))
                cells.Add(new Cell(CellIds.Robustness(run, epoch), CellKind.Robustness, [CellIds.Train(run)]) { Run = run, Epoch = epoch });

        var analysed = settingRuns.Where(r => r.Setting!.Analyze).ToList();
        var analysis = config.Analysis; // what the plan depends on (metrics, seeds) is the same for every run
        var starts = InvarianceAnalysis.InvertsPretrained(analysis) ? Group(config, analysed, train) : [];
        var startOf = starts.SelectMany(s => s.Runs.Select(r => (r, s))).ToDictionary(x => x.r, x => x.s);
        foreach (var start in starts)
            for (int seed = 0; seed < analysis.Seeds; seed++)
                cells.Add(new Cell(CellIds.Inversion(start, seed), CellKind.Inversion,
                    [CellIds.Train(start.FromPretrain ? pretrain! : start.First)]) { Start = start, Seed = seed });
        foreach (var run in analysed)
        {
            var start = startOf.GetValueOrDefault(run);
            foreach (var epoch in Epochs(train[run]))
                for (int seed = 0; seed < analysis.Seeds; seed++)
                    cells.Add(new Cell(CellIds.Analysis(run, epoch, seed), CellKind.Analysis,
                        start is null ? [CellIds.Train(run)] : [CellIds.Train(run), CellIds.Inversion(start, seed)])
                    { Run = run, Epoch = epoch, Seed = seed, Start = start });
        }
        var upstream = cells.Where(c => c.Kind is CellKind.Robustness or CellKind.Analysis || (c.Kind == CellKind.Train && c.Run!.Setting is not null));
        cells.Add(new Cell(CellIds.Statistics, CellKind.Statistics, [.. upstream.Select(c => c.Id)]));
        cells.Add(new Cell(CellIds.Report, CellKind.Report, [CellIds.Statistics]));
        return new StudyPlan(cells, runs, starts);
    }

    /// <summary>A run's train config as planned (<c>@pretrain</c> not yet resolved).</summary>
    public static TrainConfig Train(StudyConfig config, StudyRun run) =>
        run.Setting is null ? config.PretrainConfig()! : config.SettingConfig(run.Setting, null, seed: run.Seed);

    /// <summary>The epochs a run's plan would write: 0 (its start) to the sum of its phases.</summary>
    static IEnumerable<int> Epochs(TrainConfig train) => Enumerable.Range(0, TrainingPlan.For(train).Sum(p => p.Epochs) + 1);

    /// <summary>
    /// Groups the analysed runs by their start: the pretrained model (for <c>init: @pretrain</c>), an init file, or
    /// (scratch) the run's own initialisation; and by normalisation, which the inversions depend on. Without shared
    /// inversions each run is its own start.
    /// </summary>
    static List<InversionStart> Group(StudyConfig config, List<StudyRun> runs, Dictionary<StudyRun, TrainConfig> train)
    {
        string Key(StudyRun r)
        {
            var c = train[r];
            if (!config.Analysis.ShareInversions || c.Strategy == "scratch") return "run\n" + r.Dir;
            return (c.Init == StudyConfig.PretrainRef ? "pretrain" : "file\n" + Path.GetFullPath(c.Init!) + "\n" + c.InitConfig) + "\n" + c.Normalize;
        }
        var starts = new List<InversionStart>();
        foreach (var group in runs.GroupBy(Key))
        {
            var members = group.ToList();
            bool fromPretrain = group.Key.StartsWith("pretrain\n", StringComparison.Ordinal);
            // The study's pretrained model is "pretrain" (a reserved run name); any other start is named after its first run.
            string name = fromPretrain && !starts.Any(s => s.FromPretrain) ? StudyLayout.PretrainName : members[0].Dir;
            starts.Add(new InversionStart(name, fromPretrain, members[0], members, config.Analysis.ShareInversions));
        }
        return starts;
    }

    /// <summary>The plan as JSON: every cell's id, kind, dependencies, and what it works on.</summary>
    public string ToJson()
    {
        var cells = new JsonArray();
        foreach (var c in Cells)
        {
            var o = new JsonObject { ["id"] = c.Id, ["kind"] = CellIds.Name(c.Kind), ["depends_on"] = new JsonArray([.. c.DependsOn.Select(d => (JsonNode)d)]) };
            if (c.Run is not null) o["run"] = c.Run.Dir;
            if (c.Epoch is int e) o["epoch"] = e;
            if (c.Seed is int s) o["seed"] = s;
            if (c.Start is not null) o["start"] = c.Start.Name;
            cells.Add(o);
        }
        var counts = new JsonObject();
        foreach (var kind in Enum.GetValues<CellKind>()) counts[CellIds.Name(kind)] = Cells.Count(c => c.Kind == kind);
        return Json.Serialize(new JsonObject { ["cells"] = cells, ["counts"] = counts });
    }

    /// <summary>The cell with this id, or a one-line error listing how ids look.</summary>
    /// <exception cref="InvariscopeException">No such cell.</exception>
    public Cell Get(string id) => Find(id) ?? throw new InvariscopeException(
        $"unknown cell '{id}' (ids look like {string.Join(", ", Cells.Select(c => c.Kind).Distinct().Select(k => Cells.First(c => c.Kind == k).Id))}; see --plan)");
}
