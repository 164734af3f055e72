using System.Globalization;
using Invariscope.Runtime;

namespace Invariscope.Models;

/// <summary>The kind of layer a <see cref="LayerId"/> names.</summary>
public enum LayerKind
{
    /// <summary>A transformer block's output tokens (B,T,D).</summary>
    Block,
    /// <summary>The tokens after the final norm (B,T,D).</summary>
    FinalNorm,
    /// <summary>The pooled feature after fc_norm, the head's input (B,D).</summary>
    PreLogits,
}

/// <summary>
/// One readable layer of a ViT: block i's output, the tokens after the final norm, or the pooled feature after fc_norm.
/// <see cref="Name"/> is how every file and result calls it (<c>block{i}</c>, <c>final_norm</c>, <c>pre_logits</c>).
/// Layers order by depth: blocks by index, then <c>final_norm</c>, then <c>pre_logits</c>.
/// </summary>
public readonly record struct LayerId : IComparable<LayerId>
{
    LayerId(LayerKind kind, int block) => (Kind, Block) = (kind, block);

    /// <summary>What the layer is.</summary>
    public LayerKind Kind { get; }

    /// <summary>The block index for <see cref="LayerKind.Block"/>; −1 for <c>final_norm</c> and <c>pre_logits</c>.</summary>
    public int Block { get; }

    /// <summary>Block <paramref name="index"/>'s output (index ≥ 0; the model's depth bounds it, see <see cref="Check"/>).</summary>
    public static LayerId OfBlock(int index) => index >= 0 ? new(LayerKind.Block, index)
        : throw new ArgumentOutOfRangeException(nameof(index), $"block {index}: block indices are non-negative");

    /// <summary>The tokens after the final norm.</summary>
    public static LayerId FinalNorm { get; } = new(LayerKind.FinalNorm, -1);

    /// <summary>The pooled feature after fc_norm.</summary>
    public static LayerId PreLogits { get; } = new(LayerKind.PreLogits, -1);

    /// <summary>Whether this is a block's output.</summary>
    public bool IsBlock => Kind == LayerKind.Block;

    /// <summary>The name in files and results: <c>block{i}</c>, <c>final_norm</c> or <c>pre_logits</c>.</summary>
    public string Name => Kind switch
    {
        LayerKind.Block => "block" + Block.ToString(CultureInfo.InvariantCulture),
        LayerKind.FinalNorm => "final_norm",
        _ => "pre_logits",
    };

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>The deepest block this layer's output depends on in a <paramref name="depth"/>-block model.</summary>
    public int LastBlock(int depth) => IsBlock ? Block : depth - 1;

    /// <summary>Reads a name written by <see cref="Name"/> (exactly: <c>block3</c>, not <c>Block03</c>).</summary>
    public static bool TryParse(string? name, out LayerId layer)
    {
        layer = default;
        switch (name)
        {
            case "final_norm": layer = FinalNorm; return true;
            case "pre_logits": layer = PreLogits; return true;
        }
        if (name is null || !name.StartsWith("block", StringComparison.Ordinal) || name.Length == 5) return false;
        var digits = name.AsSpan(5);
        if ((digits.Length > 1 && digits[0] == '0')
            || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int i)) return false;
        layer = OfBlock(i);
        return true;
    }

    /// <summary>Throws unless this layer exists in a <paramref name="depth"/>-block model; <paramref name="field"/> names the source.</summary>
    public void Check(int depth, string field)
    {
        if (IsBlock && Block >= depth)
            throw new InvariscopeException($"{field}: {Name} is out of range for a {depth}-block model (valid: {NamesFor(depth)})") { Field = field };
    }

    /// <summary>
    /// <paramref name="layers"/> checked against a <paramref name="depth"/>-block model, distinct and in depth order.
    /// </summary>
    /// <exception cref="InvariscopeException">No layers, or one the model does not have; names <paramref name="field"/>.</exception>
    public static LayerId[] Sorted(IEnumerable<LayerId> layers, int depth, string field)
    {
        var sorted = (layers ?? throw new InvariscopeException($"{field}: no layers given") { Field = field }).Distinct().Order().ToArray();
        if (sorted.Length == 0) throw new InvariscopeException($"{field}: no layers given") { Field = field };
        foreach (var l in sorted) l.Check(depth, field);
        return sorted;
    }

    /// <summary>Every layer of a <paramref name="depth"/>-block model, in depth order: the blocks, final_norm, pre_logits.</summary>
    public static LayerId[] Every(int depth) => [.. Enumerable.Range(0, depth).Select(OfBlock), FinalNorm, PreLogits];

    /// <summary>The valid names of a <paramref name="depth"/>-block model, for messages.</summary>
    public static string NamesFor(int depth) => $"block0..block{depth - 1}, final_norm, pre_logits";

    int Rank => Kind switch { LayerKind.Block => Block, LayerKind.FinalNorm => int.MaxValue - 1, _ => int.MaxValue };

    /// <inheritdoc/>
    public int CompareTo(LayerId other) => Rank.CompareTo(other.Rank);

    /// <summary>Shallower than.</summary>
    public static bool operator <(LayerId a, LayerId b) => a.CompareTo(b) < 0;
    /// <summary>Deeper than.</summary>
    public static bool operator >(LayerId a, LayerId b) => a.CompareTo(b) > 0;
    /// <summary>Not deeper than.</summary>
    public static bool operator <=(LayerId a, LayerId b) => a.CompareTo(b) <= 0;
    /// <summary>Not shallower than.</summary>
    public static bool operator >=(LayerId a, LayerId b) => a.CompareTo(b) >= 0;
}
