using System.CommandLine;

namespace Invariscope.Cli.Commands;

/// <summary>
/// <c>invariscope completion bash</c>: prints a bash completion script. The script asks the program itself what
/// may come next, through System.CommandLine's <c>[suggest:POSITION]</c> directive, so it always knows the
/// commands and options of the version installed (no generated list to go stale). Completing a word starts the
/// program but never libtorch: parsing touches no model.
/// </summary>
public static class CompletionCommand
{
    /// <summary>The bash script: one function that hands the line to the directive and keeps the prefix matches.</summary>
    public const string Bash = """
        # bash completion for invariscope: eval "$(invariscope completion bash)" (or save it under
        # /etc/bash_completion.d/ or ~/.local/share/bash-completion/completions/invariscope)
        _invariscope_complete() {
            local exe=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
            [[ $exe == "~/"* ]] && exe=$HOME/${exe#"~/"}
            # the program's own name first, however it was typed, and the line up to the cursor
            local line=${COMP_LINE:0:COMP_POINT}
            line="invariscope${line#"${COMP_WORDS[0]}"}"
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$("$exe" "[suggest:${#line}]" "$line" 2>/dev/null)" -- "$cur"))
        }
        complete -o default -F _invariscope_complete invariscope
        """;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "the shell: bash (zsh reads it too after 'autoload -U bashcompinit; bashcompinit')" };
        shell.AcceptOnlyFromAmong("bash");
        var command = new Command("completion", "Print a shell completion script: eval \"$(invariscope completion bash)\" in ~/.bashrc.") { shell };
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.WriteLine(Bash);
            return 0;
        });
        return command;
    }
}
