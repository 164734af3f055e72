using System.Runtime.InteropServices;

namespace Invariscope.Runtime;

/// <summary>
/// The C library's environment, which native code (libgomp, MKL, OpenBLAS) reads with <c>getenv</c>. On Linux and macOS
/// .NET keeps its own copy: <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes that copy only, so
/// a native library never sees it (tests/.../Runtime/CpuThreadsTests checks both). Setting a variable here sets both.
/// </summary>
public static class NativeEnvironment
{
    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    static extern IntPtr GetEnv(string name);

    /// <summary>The value native code sees for <paramref name="name"/>, or null when unset.</summary>
    public static string? Get(string name)
    {
        if (OperatingSystem.IsWindows()) return Environment.GetEnvironmentVariable(name);
        var p = GetEnv(name);
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }

    /// <summary>
    /// Sets <paramref name="name"/> for native code and for .NET (so child processes inherit it too). Call it before
    /// other threads read the environment: the C library's <c>setenv</c> is not safe against a concurrent <c>getenv</c>.
    /// </summary>
    public static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (OperatingSystem.IsWindows()) return; // there .NET's call sets the process environment itself
        if (SetEnv(name, value, 1) != 0)
            throw new InvariscopeException($"setenv {name}: failed (errno {Marshal.GetLastPInvokeError()})");
    }
}
