using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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
    /// <param name="text">The JSON.</param>
    /// <param name="source">What the text is, for errors: a file, or the flag that gave the value.</param>
    /// <param name="lines">Whether errors give the line (not for a text the program put together, such as a <c>--set</c>).</param>
    /// <exception cref="InvariscopeException">Not valid JSON of that shape, or <c>null</c>; the message names <paramref name="source"/>
    /// and, when a field is at fault, the field and what it must be (<see cref="Describe"/>).</exception>
    public static T Deserialize<T>(string text, string source, bool lines = true)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Options) ?? throw new InvariscopeException($"{source}: empty JSON");
        }
        catch (JsonException e)
        {
            throw new InvariscopeException($"{source}: {Describe(e, lines)}", e);
        }
    }

    /// <summary>
    /// A reading error in the words of a config: the field by its JSON path (<c>epochs</c>, <c>analysis.steps</c>,
    /// <c>settings[0].lr</c>) and the value it must hold (<c>epochs: expected an integer (line 3)</c>), an unknown
    /// field by name, else the serializer's own message with its position as a line. .NET type names and byte offsets
    /// mean nothing to whoever wrote the file, so they never reach the message.
    /// </summary>
    public static string Describe(JsonException e, bool lines = true)
    {
        string message = e.Message.ReplaceLineEndings(" ");
        string field = e.Path is null or "$" ? "" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        string where = lines && e.LineNumber is { } line ? $" (line {line + 1})" : "";
        if (Regex.Match(message, @"could not be converted to (?<type>\S+?)\. Path:") is { Success: true } converted)
            return $"{(field == "" ? "the document" : field)}: expected {Expected(FieldType(converted.Groups["type"].Value, field))}{where}";
        if (Regex.Match(message, @"^The JSON property '(?<name>[^']*)' could not be mapped") is { Success: true } unknown)
            return $"unknown field '{(field == "" ? unknown.Groups["name"].Value : field)}'{where}";
        var position = Regex.Match(message, @"\s*(Path: .*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?$");
        return position.Success ? $"{message[..position.Index].TrimEnd('.')}{(field == "" ? "" : $" (at {field})")}{where}" : message;
    }

    /// <summary>
    /// The type a value at <paramref name="field"/> must have, given the type the serializer names: itself, except for
    /// a record read through its constructor, where the serializer names the record; then its property of that JSON name.
    /// </summary>
    static string FieldType(string named, string field)
    {
        if (Expected(named) != "an object" || field == "") return named;
        var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(named)).FirstOrDefault(t => t is not null);
        string name = Regex.Replace(field[(field.LastIndexOf('.') + 1)..], @"\[\d+\]$", "");
        var property = type?.GetProperties().FirstOrDefault(p =>
            (p.GetCustomAttributes(typeof(JsonPropertyNameAttribute), true).FirstOrDefault() as JsonPropertyNameAttribute)?.Name == name);
        return property?.PropertyType.ToString() ?? named;
    }

    /// <summary>What a value of <paramref name="type"/> is, in a config's words: <c>int</c> is "an integer" (for typed flags too).</summary>
    public static string Expected(Type type) => Expected(type.ToString());

    /// <summary>What a .NET type holds, in JSON words: <c>System.Int32</c> is "an integer".</summary>
    static string Expected(string type)
    {
        if (Regex.Match(type, @"^System\.Nullable`1\[(?<inner>.+)\]$") is { Success: true } nullable)
            return $"{Expected(nullable.Groups["inner"].Value)} or null";
        return type switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" or "System.UInt32" or "System.UInt64" => "an integer",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.String" => "a string",
            _ when type.Contains("List`1", StringComparison.Ordinal) || type.EndsWith("[]", StringComparison.Ordinal) => "a list",
            _ => "an object",
        };
    }

    /// <summary>Reading options for a JSON tree: a duplicate key is an error, as in <see cref="Options"/>.</summary>
    public static JsonDocumentOptions StrictDocument { get; } = new() { AllowDuplicateProperties = false };

    /// <summary>Parses <paramref name="text"/> as a JSON tree.</summary>
    /// <exception cref="InvariscopeException">Not valid JSON; the message names <paramref name="source"/>.</exception>
    public static JsonNode? Parse(string text, string source)
    {
        try { return JsonNode.Parse(text, documentOptions: StrictDocument); }
        catch (JsonException e) { throw new InvariscopeException($"{source}: {Describe(e)}", e); }
    }

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Write<T>(string path, T value) => AtomicFile.WriteText(path, Serialize(value));

    /// <summary>Reads <paramref name="path"/> as <typeparamref name="T"/>, or default when the file is absent.</summary>
    /// <exception cref="InvariscopeException">The file exists but is not valid JSON of that shape (named).</exception>
    public static T? Read<T>(string path) => File.Exists(path) ? Deserialize<T>(File.ReadAllText(path), path) : default;
}
