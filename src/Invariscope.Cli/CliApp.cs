using System.CommandLine;
using Invariscope.Runtime;

namespace Invariscope.Cli;

/// <summary>The <c>invariscope</c> command line: a root command with one thin sub-command per file in Commands/.</summary>
public static class CliApp
{
    /// <summary>Builds the command tree.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("Invariscope: what did finetuning do to this vision transformer, layer by layer?");
        root.Subcommands.Add(Commands.DemoCommand.Create());
        root.Subcommands.Add(Commands.ExtractCommand.Create());
        root.Subcommands.Add(Commands.DataCommand.Build());
        root.Subcommands.Add(Commands.TrainCommand.CreateTrain());
        root.Subcommands.Add(Commands.TrainCommand.CreateFinetune());
        root.Subcommands.Add(Commands.BenchCommand.Create());
        root.Subcommands.Add(Commands.CkaCommand.Create());
        root.Subcommands.Add(Commands.AnalyzeCommand.Create());
        root.Subcommands.Add(Commands.EvaluateCommand.Create());
        root.Subcommands.Add(Commands.FeaturesChangeCommand.Create());
        root.Subcommands.Add(Commands.RobustnessCommand.Create());
        root.Subcommands.Add(Commands.StudyCommand.Create());
        root.Subcommands.Add(Commands.ReportCommand.Create());
        root.Subcommands.Add(Commands.CompletionCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs; returns the process exit code. A usage error (an unknown option, a missing required one, a
    /// value its flag's type cannot hold: <see cref="UsageLine"/>, <see cref="UsageError"/>) prints one line and returns
    /// 2. Input errors print one line and return 1; when the library names the config
    /// field at fault (<see cref="InvariscopeException.Field"/>) and the command has the flag that sets it, the line
    /// ends with "(set with --flag)". Any other failure (a write to a read-only or full disk, a file where a folder is
    /// expected, memory) is the last net: one line, exit 1, never a stack trace. .NET's I/O messages name the path.
    /// </summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        // let InvariscopeException reach the catch below instead of System.CommandLine's stack-trace printer
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        var parsed = Build().Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            stderr.WriteLine($"invariscope: usage: {UsageLine.For(parsed)}");
            return 2;
        }
        try
        {
            return parsed.Invoke(config);
        }
        catch (UsageError e)
        {
            stderr.WriteLine($"invariscope: usage: {e.Message} (see '{UsageLine.Path(parsed.CommandResult.Command)} --help')");
            return 2;
        }
        catch (InvariscopeException e)
        {
            stderr.WriteLine($"invariscope: error: {e.Message}{FlagHint(parsed.CommandResult.Command, e.Field)}");
            return 1;
        }
        catch (Exception e) when (e is OperationCanceledException)
        {
            stderr.WriteLine("invariscope: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"invariscope: error: {LastNet(e)}");
            return 1;
        }
    }

    /// <summary>The one line for a failure no stage turned into an <see cref="InvariscopeException"/>.</summary>
    internal static string LastNet(Exception e)
    {
        e = e is AggregateException { InnerExceptions: [var only] } ? only : e;
        e = e is TypeInitializationException or System.Reflection.TargetInvocationException && e.InnerException is { } inner ? inner : e;
        string what = e switch
        {
            IOException or UnauthorizedAccessException => "cannot write or read a file",
            OutOfMemoryException => "out of memory",
            System.Text.Json.JsonException => "invalid JSON",
            _ => e.GetType().Name,
        };
        return $"{what}: {e.Message.ReplaceLineEndings(" ")}";
    }

    /// <summary>
    /// " (set with --flag)" when <paramref name="command"/> has the flag of <paramref name="field"/>, else "". A field's
    /// flag is its snake_case name in kebab case (<c>max_rows</c> → <c>--max-rows</c>); inside a section
    /// (<c>analysis.steps</c>, from a study the command builds, such as the demo's) the last name counts. A command that
    /// reads the field from a file has no such flag, so its errors name the field alone.
    /// </summary>
    internal static string FlagHint(Command command, string? field)
    {
        if (field is null) return "";
        foreach (var name in new[] { field, field[(field.LastIndexOf('.') + 1)..] })
        {
            var flag = "--" + name.Replace('_', '-');
            if (command.Options.Any(o => o.Name == flag || o.Aliases.Contains(flag))) return $" (set with {flag})";
        }
        return "";
    }
}
