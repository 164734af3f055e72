using Invariscope.Cli;
using Invariscope.Runtime;

// First, while this process has one thread and before libtorch (and with it libgomp) loads: the OpenMP wait policy and
// thread count reach libgomp only through the native environment it reads at load (see Runtime/CpuThreads).
CpuThreads.PrepareProcess(args);
return CliApp.Run(args);
