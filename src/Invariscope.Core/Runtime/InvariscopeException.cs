namespace Invariscope.Runtime;

/// <summary>
/// An error caused by the user's input (a bad path, a malformed file, an unknown tensor name, a bad flag).
/// The CLI prints its message as one line and exits non-zero; the message names the file or tensor.
/// </summary>
public sealed class InvariscopeException : Exception
{
    /// <summary>Creates the error with a one-line message.</summary>
    public InvariscopeException(string message) : base(message) { }

    /// <summary>Creates the error with a one-line message and the exception that caused it.</summary>
    public InvariscopeException(string message, Exception inner) : base(message, inner) { }
}
