using System.Diagnostics;
using System.Reflection;

namespace Invariscope.Tests.Cli;

/// <summary>
/// The CLI as a .NET tool, as a user gets it: <c>dotnet pack</c> of the CLI project into a folder, then
/// <c>dotnet tool install --tool-path TMP --add-source FEED</c> from that folder alone (a NuGet config with no other
/// source: nothing is fetched), then the installed <c>invariscope</c>: its help, a command that runs libtorch (so the
/// package carries the libLibTorchSharp.so fixed for an older libstdc++, see build/native), and bash completion.
/// About 15 s: the pack compiles the CLI once more for linux-x64 and zips its 500 MB of libtorch; every file it
/// writes is a hard link where it can be (the tool install itself unpacks about 700 MB, removed afterwards).
/// </summary>
public class ToolPackageTests
{
    static readonly string Configuration =
        typeof(ToolPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    static (int code, string output) Run(string file, string workDir, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    [Fact]
    public void Dotnet_pack_then_tool_install_from_the_folder_gives_a_working_invariscope_command()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            return; // the tool package is built for linux-x64 only (see the CLI's project file)
        using var dir = new TestData.TempDir();
        string feed = dir.File("feed"), tools = dir.File("tools"), project = TestData.RepoFile("src/Invariscope.Cli/Invariscope.Cli.csproj");

        var (code, output) = Run("dotnet", dir.Path, "pack", project, "-c", Configuration, "-o", feed, "-nodeReuse:false",
            "-p:CreateHardLinksForCopyLocalIfPossible=true", "-p:CreateHardLinksForPublishFilesIfPossible=true");
        Assert.True(code == 0, output);
        // the tool package proper (the RID-specific one) and the package that points to it, which is what is installed
        var v = typeof(Invariscope.Cli.CliApp).Assembly.GetName().Version!;
        Assert.Equal([$"Invariscope.Cli.{v.ToString(3)}.nupkg", $"Invariscope.Cli.linux-x64.{v.ToString(3)}.nupkg"],
            Directory.GetFiles(feed).Select(Path.GetFileName).Order());

        File.WriteAllText(dir.File("nuget.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /></packageSources></configuration>
            """);
        (code, output) = Run("dotnet", dir.Path, "tool", "install", "Invariscope.Cli", "--tool-path", tools, "--add-source", feed,
            "--configfile", dir.File("nuget.config"));
        Assert.True(code == 0, output);
        string invariscope = Path.Combine(tools, "invariscope");

        (code, output) = Run(invariscope, dir.Path, "--help");
        Assert.True(code == 0, output);
        Assert.Contains("finetune", output);

        // libtorch loads: the package's libLibTorchSharp.so is the patched copy, not the NuGet cache's
        (code, output) = Run(invariscope, dir.Path, "bench", "forward", "--preset", "vit_micro_patch4_16", "--batch-size", "2", "--iters", "1", "--device", "cpu");
        Assert.True(code == 0, output);
        Assert.Contains("vit_micro_patch4_16 forward at 16px, batch 2:", output);
        var installed = Directory.GetFiles(tools, "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
        Assert.NotEqual(File.ReadAllBytes(TorchSharpCacheCopy()), File.ReadAllBytes(installed));

        // bash completion through the installed command
        (code, output) = Run(invariscope, dir.Path, "completion", "bash");
        Assert.True(code == 0, output);
        File.WriteAllText(dir.File("completion.bash"), output);
        (code, output) = Run("bash", dir.Path, "-c", $$"""
            export PATH="{{tools}}:$PATH"
            source completion.bash
            complete_line() { COMP_LINE=$1; COMP_POINT=${#1}; read -ra COMP_WORDS <<< "$1"; COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _invariscope_complete; echo "${COMPREPLY[*]}"; }
            complete_line "invariscope fine"
            complete_line "invariscope train --da"
            complete_line "invariscope finetune --strategy lp"
            """);
        Assert.True(code == 0, output);
        Assert.Equal(["finetune", "--data", "lp lp-ft"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>TorchSharp's own libLibTorchSharp.so, unpatched, in the NuGet cache.</summary>
    static string TorchSharpCacheCopy()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var version = typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3);
        return Path.Combine(root, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }
}
