using System.Text.Json;
using Invariscope.Study;
using Invariscope.Study.Cells;

namespace Invariscope.Tests.Study;

public class StudyPlanTests
{
    /// <summary>A random order of the plan's cells in which each cell comes after its dependencies (Kahn's algorithm, seeded).</summary>
    internal static List<Cell> ShuffledValidOrder(StudyPlan plan, int seed)
    {
        var random = new Random(seed);
        var waiting = plan.Cells.ToDictionary(c => c.Id, c => c.DependsOn.Count);
        var dependents = plan.Cells.SelectMany(c => c.DependsOn.Select(d => (d, c.Id))).ToLookup(x => x.d, x => x.Id);
        var ready = plan.Cells.Where(c => c.DependsOn.Count == 0).Select(c => c.Id).ToList();
        var order = new List<Cell>();
        while (ready.Count > 0)
        {
            int i = random.Next(ready.Count);
            var id = ready[i];
            ready.RemoveAt(i);
            order.Add(plan[id]);
            foreach (var next in dependents[id])
                if (--waiting[next] == 0) ready.Add(next);
        }
        Assert.Equal(plan.Cells.Count, order.Count); // every cell reached: the dependencies have no cycle
        return order;
    }

    [Fact]
    public void The_demo_plan_lists_every_cell_with_dependencies_that_exist_come_first_and_share_the_pretrained_inversions()
    {
        // Defaults: pretraining, then ft, scratch and ft-recon over 3 training seeds of 10 epochs, 1 STIR seed, robustness off for ft-recon.
        var plan = StudyPlan.For(Demo.Config(new DemoOptions()));
        var counts = plan.Cells.GroupBy(c => c.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1 + 3 * 3, counts[CellKind.Train]);
        Assert.Equal(2 * 3 * 11, counts[CellKind.Robustness]);                 // ft and scratch, epochs 0..10
        Assert.Equal(1 + 3, counts[CellKind.Inversion]);                       // @pretrain (ft, ft-recon) and each scratch seed
        Assert.Equal(3 * 3 * 11, counts[CellKind.Analysis]);
        Assert.Equal(1, counts[CellKind.Statistics]);
        Assert.Equal(1, counts[CellKind.Report]);

        // Ids are unique; every dependency exists and comes earlier in plan order (so the plan order is valid and acyclic).
        Assert.Equal(plan.Cells.Count, plan.Cells.Select(c => c.Id).Distinct().Count());
        var position = plan.Cells.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i);
        Assert.All(plan.Cells, c => Assert.All(c.DependsOn, d => Assert.True(position.TryGetValue(d, out var at) && at < position[c.Id], $"{c.Id} needs {d}")));
        ShuffledValidOrder(plan, 1);

        Assert.Empty(plan["train/pretrain"].DependsOn);
        Assert.Equal(["train/pretrain"], plan["train/ft/seed_1"].DependsOn);
        Assert.Empty(plan["train/scratch/seed_1"].DependsOn);
        Assert.Equal(["train/ft/seed_2"], plan["robustness/ft/seed_2/epoch_010"].DependsOn);
        Assert.Null(plan.Find("robustness/ft-recon/seed_0/epoch_000"));
        // One inversion cell on the pretrained model serves both settings that start from it; scratch seeds have their own.
        Assert.Equal(["train/pretrain"], plan["inversion/pretrain/s0"].DependsOn);
        foreach (var run in new[] { "ft/seed_0", "ft/seed_2", "ft-recon/seed_0", "ft-recon/seed_1" })
            Assert.Equal([$"train/{run}", "inversion/pretrain/s0"], plan[$"analysis/{run}/epoch_004/s0"].DependsOn);
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal([$"train/scratch/seed_{k}"], plan[$"inversion/scratch/seed_{k}/s0"].DependsOn);
            Assert.Equal([$"train/scratch/seed_{k}", $"inversion/scratch/seed_{k}/s0"], plan[$"analysis/scratch/seed_{k}/epoch_000/s0"].DependsOn);
        }
        var statistics = plan["statistics"].DependsOn.ToHashSet();
        Assert.All(plan.Cells.Where(c => c.Kind is CellKind.Robustness or CellKind.Analysis), c => Assert.Contains(c.Id, statistics));
        Assert.DoesNotContain("train/pretrain", statistics);
        Assert.Equal(["statistics"], plan["report"].DependsOn);

        // The JSON of --plan: the same cells, kinds and dependencies.
        using var json = JsonDocument.Parse(plan.ToJson());
        var cells = json.RootElement.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(plan.Cells.Select(c => c.Id), cells.Select(c => c.GetProperty("id").GetString()));
        var one = cells.Single(c => c.GetProperty("id").GetString() == "analysis/ft-recon/seed_1/epoch_007/s0");
        Assert.Equal("analysis", one.GetProperty("kind").GetString());
        Assert.Equal(["train/ft-recon/seed_1", "inversion/pretrain/s0"], one.GetProperty("depends_on").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(7, one.GetProperty("epoch").GetInt32());
        Assert.Equal(99, json.RootElement.GetProperty("counts").GetProperty("analysis").GetInt32());
    }

    [Fact]
    public void Without_shared_inversions_each_run_inverts_its_own_start_and_a_single_run_setting_has_plain_ids()
    {
        var demo = Demo.Config(DemoTests.Tiny("unused"));
        var config = (demo with { Analysis = demo.Analysis with { ShareInversions = false } }).Validate("test");
        var plan = StudyPlan.For(config);
        Assert.Equal(["inversion/ft/s0", "inversion/ft/s1", "inversion/scratch/s0", "inversion/scratch/s1", "inversion/ft-recon/s0", "inversion/ft-recon/s1"],
            plan.Cells.Where(c => c.Kind == CellKind.Inversion).Select(c => c.Id));
        Assert.Equal(["train/ft"], plan["inversion/ft/s1"].DependsOn);   // p is the run's own epoch 0
        Assert.Equal(["train/ft", "inversion/ft/s1"], plan["analysis/ft/epoch_003/s1"].DependsOn);
    }
}
