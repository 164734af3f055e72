namespace Invariscope.Cli;

/// <summary>
/// A command line the program cannot take (an unknown flag, a value of the wrong type, two flags that exclude each
/// other) found after parsing, by a command: printed like System.CommandLine's own usage errors, one line, exit 2.
/// </summary>
public sealed class UsageError(string message, Exception? inner = null) : Exception(message, inner);
