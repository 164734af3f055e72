using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Checkpoints;

/// <summary>Copies a state dict into a module, requiring an exact match of names and shapes.</summary>
public static class StrictLoad
{
    /// <summary>
    /// Loads <paramref name="weights"/> into <paramref name="model"/>. Missing, unexpected and mis-shaped keys
    /// are all reported by name in one <see cref="InvariscopeException"/> naming <paramref name="source"/>.
    /// Values are converted to each parameter's dtype and device.
    /// </summary>
    public static void Into(nn.Module model, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var target = model.state_dict();
        var missing = target.Keys.Where(k => !weights.ContainsKey(k)).ToList();
        var unexpected = weights.Keys.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var misShaped = target.Keys.Where(weights.ContainsKey)
            .Where(k => !target[k].shape.SequenceEqual(weights[k].shape))
            .Select(k => $"{k} {Shape(weights[k].shape)} in file vs {Shape(target[k].shape)} in model")
            .ToList();
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"missing {List(missing)}");
        if (unexpected.Count > 0) problems.Add($"unexpected {List(unexpected)}");
        if (misShaped.Count > 0) problems.Add($"mis-shaped {List(misShaped)}");
        if (problems.Count > 0)
            throw new InvariscopeException($"{source}: checkpoint does not match the model: {string.Join("; ", problems)}");

        using var _ = no_grad();
        foreach (var (name, dst) in target)
            dst.copy_(weights[name]);
    }

    /// <summary>Formats a shape like PyTorch: (2, 3).</summary>
    public static string Shape(long[] shape) => "(" + string.Join(", ", shape) + ")";

    static string List(List<string> items) =>
        items.Count <= 8 ? string.Join(", ", items) : string.Join(", ", items.Take(8)) + $" and {items.Count - 8} more";
}
