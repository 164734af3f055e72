using Invariscope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Tests.Runtime;

public class NativeLoadTests
{
    [Fact]
    public void TorchSharpLoadsAndMultipliesMatrices()
    {
        TorchRuntime.Initialize();
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        using var c = matmul(a, b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void CpuDeviceResolves()
    {
        Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice("cpu").type);
        var auto = TorchRuntime.ResolveDevice("auto");
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, auto.type);
    }

    [Fact]
    public void CudaWithoutAGpuIsAClearError()
    {
        if (cuda.is_available()) return; // only meaningful on a machine without CUDA
        var e = Assert.Throws<InvariscopeException>(() => TorchRuntime.ResolveDevice("cuda"));
        Assert.Contains("no CUDA device", e.Message);
    }

    [Fact]
    public void UnknownDeviceIsAClearError()
    {
        var e = Assert.Throws<InvariscopeException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.Contains("--device tpu", e.Message);
    }
}
