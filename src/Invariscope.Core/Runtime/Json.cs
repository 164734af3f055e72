using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Invariscope.Runtime;

/// <summary>
/// The one JSON policy of every file Invariscope writes and reads (configs, settings, sidecars, metrics, results):
/// indented, Unicode and HTML-significant characters written as themselves (<c>&amp;</c>, <c>→</c>, <c>é</c>, not
/// <c>\u0026</c>: the files are read by people and by JSON parsers, never embedded in HTML; quotes, backslashes and control
/// characters are still escaped, as JSON requires), one encoder for every writer (so the bytes of a file do not depend on
/// who wrote it), and NaN and ±infinity as the named literals <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>. An
/// undefined value (a correlation of a constant series, a validation loss without validation data) is then written and
/// read back instead of failing the write. The same options read and write, so every file reads back what was written.
/// <para>
/// NaN policy: a non-finite number is never written by accident. Config records refuse them in their validation
/// (<c>TrainConfig.Validate</c>: "lr must be a finite number"), so they cannot reach a config file; results write
/// them as the literals above, which mean "undefined" (no validation set, a constant series) and read back as
/// <see cref="double.NaN"/>, which reports and figures show as "n/a"/a gap. <see cref="Serialize{T}"/> never throws
/// on one.
/// </para>
/// <para>A key given twice in one object is an error naming the key and the file (the last value would win silently).
/// A record's constructor parameter without a default is required, and a non-nullable one may not be null.</para>
/// </summary>
public static class Json
{
    /// <summary>The options (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = Build();

    static JsonSerializerOptions Build()
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            AllowDuplicateProperties = false,
            // a file missing a field, or holding null where none is allowed, is an error naming the field
            // (a results.json of {} would otherwise load as a record of nulls and fail far away)
            RespectRequiredConstructorParameters = true,
            RespectNullableAnnotations = true,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary><paramref name="value"/> (a record, or a JSON tree such as a <see cref="JsonObject"/>) as JSON text.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary><paramref name="value"/> as a JSON tree (to embed in a larger document).</summary>
    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options);

    /// <summary>Parses <paramref name="text"/> into <typeparamref name="T"/>.</summary>
    /// <exception cref="InvariscopeException">Not valid JSON of that shape, or <c>null</c>; the message names <paramref name="source"/>.</exception>
    public static T Deserialize<T>(string text, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Options) ?? throw new InvariscopeException($"{source}: empty JSON");
        }
        catch (JsonException e)
        {
            throw new InvariscopeException($"{source}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>Reading options for a JSON tree: a duplicate key is an error, as in <see cref="Options"/>.</summary>
    public static JsonDocumentOptions StrictDocument { get; } = new() { AllowDuplicateProperties = false };

    /// <summary>Parses <paramref name="text"/> as a JSON tree.</summary>
    /// <exception cref="InvariscopeException">Not valid JSON; the message names <paramref name="source"/>.</exception>
    public static JsonNode? Parse(string text, string source)
    {
        try { return JsonNode.Parse(text, documentOptions: StrictDocument); }
        catch (JsonException e) { throw new InvariscopeException($"{source}: {e.Message.ReplaceLineEndings(" ")}", e); }
    }

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Write<T>(string path, T value) => AtomicFile.WriteText(path, Serialize(value));

    /// <summary>Reads <paramref name="path"/> as <typeparamref name="T"/>, or default when the file is absent.</summary>
    /// <exception cref="InvariscopeException">The file exists but is not valid JSON of that shape (named).</exception>
    public static T? Read<T>(string path) => File.Exists(path) ? Deserialize<T>(File.ReadAllText(path), path) : default;
}
