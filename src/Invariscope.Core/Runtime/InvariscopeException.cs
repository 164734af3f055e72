namespace Invariscope.Runtime;

/// <summary>
/// An error caused by the user's input (a bad path, a malformed file, an unknown tensor name, a bad setting).
/// The CLI prints its message as one line and exits non-zero; the message names the file, tensor or config field.
/// </summary>
public sealed class InvariscopeException : Exception
{
    /// <summary>Creates the error with a one-line message.</summary>
    public InvariscopeException(string message) : base(message) { }

    /// <summary>Creates the error with a one-line message and the exception that caused it.</summary>
    public InvariscopeException(string message, Exception inner) : base(message, inner) { }

    /// <summary>
    /// The config field whose value is wrong (snake_case, dotted inside a section: <c>steps</c>, <c>analysis.steps</c>),
    /// or null. The library names fields, never command-line flags; the CLI says which of its flags sets the field.
    /// </summary>
    public string? Field { get; init; }

    /// <summary>
    /// The same error inside config section <paramref name="section"/> of <paramref name="source"/>: a message that
    /// begins with the field's name (<c>steps 0: …</c>) becomes <c>SOURCE: section.steps 0: …</c>.
    /// </summary>
    public InvariscopeException Within(string section, string source) =>
        new($"{source}: {section}.{Message}", this) { Field = Field is null ? null : $"{section}.{Field}" };
}
