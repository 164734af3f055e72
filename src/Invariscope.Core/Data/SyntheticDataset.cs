using Invariscope.Runtime;

namespace Invariscope.Data;

/// <summary>The classification tasks of <see cref="SyntheticDataset"/>, all over the same rendering family.</summary>
public enum SyntheticTask
{
    /// <summary>One large object; label = its shape (circle, square, triangle, cross, ring, frame). Texture is random.</summary>
    Shapes,
    /// <summary>One large filled object; label = its texture (solid, stripes, checker, dots, concentric). Shape is random.</summary>
    Texture,
    /// <summary>One to five small objects in distinct cells of a 3x3 grid; label = how many ("1".."5").</summary>
    Count,
    /// <summary>
    /// One large filled object (circle, square or triangle, as in <see cref="Texture"/>); label = its texture and its colour together (5 textures × 4 hue ranges =
    /// 20 classes, "stripes/blue" ...). The rich pretraining task of the demo: it learns the texture features that
    /// <see cref="Texture"/> needs, but not that task's invariance to colour.
    /// </summary>
    Objects,
}

/// <summary>
/// A procedural, file-free dataset built into the program. Image <c>i</c> is a pure function of
/// (task, seed, i, size, shift), so random access is O(1) and any subset is reproducible. Labels are exactly
/// balanced: each block of K consecutive indices holds each of the K classes once, in a seeded order. The
/// OOD shift renders the very same scenes (same labels and geometry) with a different look; see
/// <see cref="SyntheticTask"/> for the tasks.
/// </summary>
public sealed class SyntheticDataset : IImageDataset
{
    readonly ulong _seed;

    /// <summary>The task whose labels this dataset carries.</summary>
    public SyntheticTask Task { get; }
    /// <summary>Image side in pixels; images are (Size, Size, 3).</summary>
    public int Size { get; }
    /// <summary>True for the shifted, out-of-distribution rendering.</summary>
    public bool Ood { get; }
    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }
    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>Creates <paramref name="count"/> examples of <paramref name="task"/> at <paramref name="size"/> x <paramref name="size"/>.</summary>
    public SyntheticDataset(SyntheticTask task, int count, int seed = 0, int size = 32, bool ood = false)
    {
        if (count < 0) throw new InvariscopeException($"synthetic:{Lower(task)}: n={count} must be >= 0");
        if (size < 8 || size > 1024) throw new InvariscopeException($"synthetic:{Lower(task)}: size={size} must be in 8..1024");
        Task = task;
        Count = count;
        Size = size;
        Ood = ood;
        _seed = SeedRng.Mix((ulong)seed, SeedRng.Hash(Lower(task)));
        ClassNames = task switch
        {
            SyntheticTask.Shapes => SyntheticRenderer.Shapes,
            SyntheticTask.Texture => SyntheticRenderer.Textures,
            SyntheticTask.Objects => SyntheticRenderer.Objects,
            _ => SyntheticRenderer.Counts,
        };
        Name = $"synthetic:{Lower(task)} (n={count}, seed={seed}, size={size}, shift={(ood ? "ood" : "none")})";
    }

    /// <summary>Parses a task name (<c>shapes</c>, <c>texture</c>, <c>count</c>).</summary>
    public static SyntheticTask ParseTask(string name) =>
        Enum.TryParse<SyntheticTask>(name, ignoreCase: true, out var task) && Enum.IsDefined(task)
            ? task
            : throw new InvariscopeException(
                $"synthetic:{name}: unknown task; valid tasks: {string.Join(", ", Enum.GetNames<SyntheticTask>().Select(n => n.ToLowerInvariant()))}");

    static string Lower(SyntheticTask task) => task.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public int GetLabel(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        int k = ClassNames.Count;
        var order = SeedRng.Permutation(k, SeedRng.Mix(_seed, 0x1ABE1, (ulong)(index / k)));
        return order[index % k];
    }

    /// <summary>The (Size, Size, 3) RGB image of example <paramref name="index"/>.</summary>
    public Image8 GetImage(int index)
    {
        int label = GetLabel(index);
        var pixels = SyntheticRenderer.Render(Task, label, SeedRng.Mix(_seed, 0x5CE4E, (ulong)index), Size, Ood);
        return new Image8(Size, Size, 3, pixels);
    }
}
