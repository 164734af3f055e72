using System.Text.Json.Nodes;
using Invariscope.Runtime;

namespace Invariscope.Layout;

/// <summary>
/// The one rule for a folder that may already hold work (a run, a robustness evaluation, an analysis): the work is
/// resumed only under the settings it was started with, because its finished parts (checkpoints, epoch results,
/// cached inversions, cells) are only valid for those. Each stage keeps its settings as a JSON file in its folder
/// (<see cref="Json"/> policy) and asks here before it writes anything else.
/// </summary>
public static class SameSettings
{
    /// <summary>
    /// Whether the settings file <paramref name="path"/> holds <paramref name="json"/>: true when it does (resume),
    /// false when there is no such file (nothing to resume). Writes nothing.
    /// </summary>
    /// <param name="path">The stage's settings file.</param>
    /// <param name="json">The settings now, as the stage writes them.</param>
    /// <param name="what">What the folder holds, for the message (<c>a run</c>, <c>an analysis</c>).</param>
    /// <param name="hint">What to do instead, for the message.</param>
    /// <param name="canonical">
    /// Rewrites the saved text into the form <paramref name="json"/> has (parse and serialize again, which fills the
    /// defaults of fields added since it was written, and drops what may change on resume); null compares as saved.
    /// </param>
    /// <exception cref="InvariscopeException">
    /// The file holds other settings: one line naming the folder and the first field that differs, with both values.
    /// </exception>
    public static bool Check(string path, string json, string what, string hint, Func<string, string>? canonical = null)
    {
        if (!File.Exists(path)) return false;
        var saved = File.ReadAllText(path);
        if (canonical is not null) saved = canonical(saved);
        if (saved == json) return true;
        var field = FirstDifference(Json.Parse(saved, path), Json.Parse(json, "the settings")) ?? "the formatting";
        throw new InvariscopeException($"{Path.GetDirectoryName(path)}: holds {what} with other settings ({field}); {hint}");
    }

    /// <summary>
    /// <see cref="Check"/>, and when the folder holds no settings yet, writes <paramref name="json"/> to
    /// <paramref name="path"/> (atomically, creating the folder). Returns whether the folder already held them.
    /// </summary>
    /// <exception cref="InvariscopeException">The folder holds other settings; nothing is written.</exception>
    public static bool Claim(string path, string json, string what, string hint, Func<string, string>? canonical = null)
    {
        if (Check(path, json, what, hint, canonical)) return true;
        AtomicFile.WriteText(path, json);
        return false;
    }

    /// <summary>
    /// The first field, as a dotted path with <c>[i]</c> for array items, whose values differ, with the value saved
    /// and the value now (<c>train.lr: 0.001 saved, 0.0001 now</c>); null when the two trees are equal.
    /// </summary>
    public static string? FirstDifference(JsonNode? saved, JsonNode? now) => Difference(saved, now, "");

    static string? Difference(JsonNode? saved, JsonNode? now, string at)
    {
        if (saved is JsonObject a && now is JsonObject b)
        {
            foreach (var key in a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key)))
            {
                string field = at.Length == 0 ? key : $"{at}.{key}";
                if (!a.ContainsKey(key) || !b.ContainsKey(key))
                    return $"{field}: {(a.ContainsKey(key) ? Show(a[key]) : "absent")} saved, {(b.ContainsKey(key) ? Show(b[key]) : "absent")} now";
                if (Difference(a[key], b[key], field) is { } d) return d;
            }
            return null;
        }
        if (saved is JsonArray x && now is JsonArray y)
        {
            for (int i = 0; i < Math.Max(x.Count, y.Count); i++)
            {
                string item = $"{(at.Length == 0 ? "" : at)}[{i}]";
                if (i >= x.Count || i >= y.Count)
                    return $"{item}: {(i < x.Count ? Show(x[i]) : "absent")} saved, {(i < y.Count ? Show(y[i]) : "absent")} now";
                if (Difference(x[i], y[i], item) is { } d) return d;
            }
            return null;
        }
        return JsonNode.DeepEquals(saved, now) ? null : $"{(at.Length == 0 ? "the settings" : at)}: {Show(saved)} saved, {Show(now)} now";
    }

    static string Show(JsonNode? value)
    {
        // strings unescaped, so a data spec reads as typed (the file escapes '&')
        var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? $"\"{s}\"" : value?.ToJsonString() ?? "null";
        return text.Length <= 60 ? text : text[..57] + "...";
    }
}
