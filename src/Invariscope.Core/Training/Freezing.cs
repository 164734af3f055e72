using System.Text.RegularExpressions;
using TorchSharp;

namespace Invariscope.Training;

/// <summary>Which parameters train: name patterns with <c>*</c> wildcards matched against state_dict names.</summary>
public static class Freezing
{
    /// <summary>Whether <paramref name="name"/> matches any pattern (<c>*</c> = any run of characters).</summary>
    public static bool Matches(string name, IEnumerable<string> patterns) =>
        patterns.Any(p => Regex.IsMatch(name, "^" + Regex.Escape(p).Replace("\\*", ".*") + "$"));

    /// <summary>
    /// Sets requires_grad on every parameter of <paramref name="module"/>: true when <paramref name="trainable"/>
    /// says so and no freeze pattern matches. Returns the trainable (name, parameter) pairs.
    /// </summary>
    public static List<(string name, torch.Tensor param)> Apply(torch.nn.Module module, Func<string, bool> trainable, IEnumerable<string> frozen)
    {
        var frozenList = frozen.ToList();
        var result = new List<(string, torch.Tensor)>();
        foreach (var (name, p) in module.named_parameters())
        {
            bool train = trainable(name) && !Matches(name, frozenList);
            p.requires_grad = train;
            if (train) result.Add((name, p));
        }
        return result;
    }
}
