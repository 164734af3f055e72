using System.CommandLine;
using System.CommandLine.Parsing;
using Invariscope.Runtime;

namespace Invariscope.Cli;

/// <summary>
/// The one line printed for a command line that does not parse. A typo (a token close to one of the command's
/// options or sub-commands) gets the suggestion alone: the errors that follow from it (its value taken for an
/// argument, a required option seemingly missing) would only mislead. A value a typed flag cannot hold names the flag
/// and the type it takes, in words, not as a .NET type.
/// </summary>
public static class UsageLine
{
    /// <summary>The line, without the <c>invariscope: usage: </c> prefix.</summary>
    public static string For(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        string name = Path(command);
        foreach (var token in parsed.UnmatchedTokens)
        {
            bool flag = token.StartsWith('-');
            var names = flag
                ? command.Options.Concat(command.Parents.OfType<Command>().SelectMany(c => c.Options.Where(o => o.Recursive)))
                    .SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal))
                : command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            if (Typo.Closest(token, names) is { Count: > 0 } best)
                return $"'{token}' is not {(flag ? "an option" : "a command")} of '{name}'. Did you mean {string.Join(" or ", best)}?";
        }
        // the unmatched tokens in the program's words, then the errors that are not about them
        var unmatched = parsed.UnmatchedTokens.Select(t => t.StartsWith('-') ? $"'{t}' is not an option of '{name}'" : $"unexpected argument '{t}'");
        var others = parsed.Errors.Where(e => !parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))).Select(Describe);
        return $"{string.Join("; ", unmatched.Concat(others).Distinct())} (see '{name} --help')";
    }

    /// <summary><c>invariscope data info</c>: the command's path from the root.</summary>
    /// (The root's own name is the executable's, which is another in tests, so it is always spelled out.)
    public static string Path(Command command) =>
        string.Join(' ', command.Parents.OfType<Command>().Reverse().Append(command).Where(c => c is not RootCommand).Select(c => c.Name).Prepend("invariscope"));

    static string Describe(ParseError e)
    {
        var option = e.SymbolResult switch
        {
            OptionResult o => o,
            ArgumentResult { Parent: OptionResult o } => o,
            _ => null,
        };
        if (option is not null && e.Message.StartsWith("Cannot parse argument", StringComparison.Ordinal))
        {
            var type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
            return $"{option.Option.Name} {string.Join(" ", option.Tokens.Select(t => t.Value))}: expected {Json.Expected(type)}";
        }
        // System.CommandLine's list of allowed values spans lines and tabs
        return string.Join(' ', e.Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
    }
}
