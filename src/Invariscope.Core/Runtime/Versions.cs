using System.Reflection;
using System.Text.Json.Nodes;

namespace Invariscope.Runtime;

/// <summary>Software versions recorded with every result.</summary>
public static class Versions
{
    /// <summary>Invariscope, TorchSharp, libtorch and .NET versions, and where libtorch came from.</summary>
    public static JsonObject Describe() => new()
    {
        ["invariscope"] = typeof(Versions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        ["torchsharp"] = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(),
        ["libtorch"] = TorchRuntime.TorchLibDir ?? "TorchSharp-cpu bundled (2.10)",
        ["dotnet"] = Environment.Version.ToString(),
    };
}
