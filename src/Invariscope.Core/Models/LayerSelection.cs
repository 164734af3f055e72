using System.Globalization;
using Invariscope.Runtime;

namespace Invariscope.Models;

/// <summary>
/// Which layers to take, the one grammar of every <c>--layers</c> (and of a study's <c>analysis.layers</c>):
/// <c>all</c> | <c>last:N</c> | a comma list of indices and names. A depth-D model has the index space
/// [block0 .. block{D−1}, pre_logits]: index i &lt; D is block i, index D is <c>pre_logits</c>, and negatives count
/// from the end (−1 = pre_logits, −2 = the last block). <c>all</c> is that whole space; <c>last:N</c> its last N.
/// Names (<c>block3</c>, <c>final_norm</c>, <c>pre_logits</c>) can stand in a list; <c>final_norm</c> has no index
/// and is taken only when named. A bare <c>3</c> is index 3, block 3, in every command.
/// </summary>
public sealed record LayerSelection
{
    /// <summary>One list item: an index into the space, or a layer named outright.</summary>
    readonly record struct Item(int Index, LayerId? Named);

    IReadOnlyList<Item>? Items { get; init; } // null: no list
    int? LastN { get; init; }

    /// <summary>The config field the text came from; errors name it (the CLI adds the flag that sets it).</summary>
    public string Field { get; init; } = "layers";

    /// <summary>The whole index space: every block, then pre_logits.</summary>
    public static LayerSelection All { get; } = new();

    /// <summary>The last <paramref name="n"/> layers of the index space.</summary>
    public static LayerSelection Last(int n) => new() { LastN = n };

    /// <summary>These indices of the index space (negatives from the end).</summary>
    public static LayerSelection Of(params int[] indices) => new() { Items = [.. indices.Select(i => new Item(i, null))] };

    /// <summary>These layers.</summary>
    public static LayerSelection Of(params LayerId[] layers) => new() { Items = [.. layers.Select(l => new Item(0, l))] };

    /// <summary>How many layers the index space of a <paramref name="depth"/>-block model holds: D blocks and pre_logits.</summary>
    public static int IndexCount(int depth) => depth + 1;

    /// <summary>
    /// The layers selected in a <paramref name="depth"/>-block model, distinct and in depth order.
    /// </summary>
    /// <exception cref="InvariscopeException">An index, name or N the model does not have; one line naming <see cref="Field"/> and the valid range.</exception>
    public LayerId[] Resolve(int depth)
    {
        int count = IndexCount(depth);
        LayerId At(int j) => j == depth ? LayerId.PreLogits : LayerId.OfBlock(j);
        if (LastN is int n)
        {
            if (n < 1 || n > count)
                throw new InvariscopeException($"{Field} last:{n}: N must be in 1..{count} for a {depth}-block model ({count} layers: blocks and pre_logits)") { Field = Field };
            return [.. Enumerable.Range(count - n, n).Select(At)];
        }
        if (Items is null) return [.. Enumerable.Range(0, count).Select(At)];
        var layers = Items.Select(item =>
        {
            if (item.Named is { } named)
            {
                named.Check(depth, Field);
                return named;
            }
            int j = item.Index < 0 ? count + item.Index : item.Index;
            if (j < 0 || j >= count)
                throw new InvariscopeException(
                    $"{Field}: index {item.Index} is out of range for a {depth}-block model (valid: 0..{depth} or -{count}..-1; {depth} = -1 = pre_logits)") { Field = Field };
            return At(j);
        });
        return LayerId.Sorted(layers, depth, Field);
    }

    /// <summary>
    /// Parses the grammar (see the type): <c>all</c>, <c>last:N</c>, or a comma list of indices and names, e.g.
    /// <c>0,5,-1</c> or <c>block2,final_norm,pre_logits</c>. Case and spaces around items do not matter.
    /// Indices are checked against a model's depth by <see cref="Resolve"/>.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="field">The config field it came from (errors name it).</param>
    /// <exception cref="InvariscopeException">Empty text or an item that is neither an integer nor a layer name.</exception>
    public static LayerSelection Parse(string? text, string field = "layers")
    {
        var trimmed = text?.Trim() ?? "";
        var lower = trimmed.ToLowerInvariant();
        if (lower.Length == 0) throw new InvariscopeException($"{field}: empty; {Grammar}") { Field = field };
        if (lower == "all") return All with { Field = field };
        if (lower.StartsWith("last:", StringComparison.Ordinal))
        {
            if (!int.TryParse(lower.AsSpan(5).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                throw new InvariscopeException($"{field} '{trimmed}': last:N takes a whole number N ≥ 1; {Grammar}") { Field = field };
            return Last(n) with { Field = field };
        }
        var items = new List<Item>();
        foreach (var part in lower.Split(',', StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i)) items.Add(new Item(i, null));
            else if (LayerId.TryParse(part, out var layer)) items.Add(new Item(0, layer));
            else throw new InvariscopeException($"{field} '{trimmed}': '{part}' is not a layer; {Grammar}") { Field = field };
        }
        return new LayerSelection { Items = items, Field = field };
    }

    /// <summary>The grammar in one clause, for messages.</summary>
    public const string Grammar =
        "use all, last:N, or a comma list of indices (0..D with D = pre_logits for a D-block model, negatives from the end) and names (block3, final_norm, pre_logits)";
}
