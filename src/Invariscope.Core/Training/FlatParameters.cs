using static TorchSharp.torch;

namespace Invariscope.Training;

/// <summary>
/// The optimiser's flat form: one float32 buffer whose slices are the parameters themselves (each parameter is made a
/// view of it with <c>set_</c>, so the model reads and the update writes the same memory), and one flat buffer per
/// state slot whose slices are the per-parameter state tensors. An update over these is a few kernels for the whole
/// model rather than a few per tensor. Built on the first step that can use it; rebuilt when a parameter no longer
/// lies in the buffer (moved to another device, or replaced).
/// </summary>
sealed class FlatParameters : IDisposable
{
    /// <summary>The name an optimiser's update gets for the flat buffer.</summary>
    public const string Name = "\u0000flat";

    Tensor? _values;
    long[] _offsets = [];
    readonly Dictionary<string, Tensor> _slots = [];

    /// <summary>The flat parameter buffer (after a successful <see cref="TryGather"/>).</summary>
    public Tensor? Values => _values;

    /// <summary>
    /// Mean elements per tensor up to which the flat form wins. It saves a few kernel launches per tensor (~2 µs each)
    /// and costs a pass over all gradients (the gather) and full-size temporaries: measured, one thread, a micro ViT
    /// (56 tensors, 3.7k elements each) 0.97-1.33 ms against 1.79-1.87 ms per step, ViT-B/32 (152 tensors, 580k each)
    /// 568 ms against 274 ms.
    /// </summary>
    public const long MaxMeanElements = 16_384;

    /// <summary>
    /// The gradients of <paramref name="ps"/> as one flat tensor (in this step's dispose scope), making the parameters
    /// views of the flat buffer first if they are not; null when the flat form does not apply (a parameter without a
    /// gradient this step, another dtype than float32, several devices, no parameters, tensors too large to gain:
    /// <see cref="MaxMeanElements"/>).
    /// </summary>
    public Tensor? TryGather(IReadOnlyList<(string name, Tensor param)> ps)
    {
        if (ps.Count == 0) return null;
        if (_values is null && ps.Sum(p => p.param.numel()) > MaxMeanElements * ps.Count) return null;
        var (type, index) = (ps[0].param.device_type, ps[0].param.device_index);
        foreach (var (_, p) in ps)
            if (p.grad is null || p.dtype != float32 || p.device_type != type || p.device_index != index) return null;
        if (!Flat(ps)) Build(ps);
        return cat(ps.Select(p => p.param.grad!.reshape(-1)).ToList(), dim: 0);
    }

    /// <summary>Whether every parameter is still the slice of <see cref="Values"/> it was made.</summary>
    bool Flat(IReadOnlyList<(string name, Tensor param)> ps)
    {
        if (_values is null || _offsets.Length != ps.Count + 1) return false;
        var data = _values.storage<float>().data_ptr();
        for (int i = 0; i < ps.Count; i++)
        {
            var p = ps[i].param;
            if (p.storage_offset() != _offsets[i] || !p.is_contiguous() || p.storage<float>().data_ptr() != data) return false;
        }
        return true;
    }

    void Build(IReadOnlyList<(string name, Tensor param)> ps)
    {
        DropSlots();
        _values?.Dispose();
        _offsets = new long[ps.Count + 1];
        for (int i = 0; i < ps.Count; i++) _offsets[i + 1] = _offsets[i] + ps[i].param.numel();
        _values = cat(ps.Select(p => p.param.detach().reshape(-1)).ToList(), dim: 0).DetachFromDisposeScope();
        for (int i = 0; i < ps.Count; i++)
        {
            var p = ps[i].param;
            using var slice = _values.narrow(0, _offsets[i], p.numel()).view(p.shape);
            p.set_(slice);
        }
    }

    /// <summary>
    /// The flat buffer of state slot <paramref name="slot"/>, created on first use from the per-parameter state where
    /// <paramref name="state"/> has it (a loaded checkpoint, an earlier tensor-by-tensor step), else zeros; every
    /// parameter's entry in <paramref name="state"/> becomes its slice.
    /// </summary>
    public Tensor Slot(string slot, IReadOnlyList<(string name, Tensor param)> ps, Dictionary<string, Tensor> state)
    {
        if (_slots.TryGetValue(slot, out var flat)) return flat;
        flat = zeros_like(_values!).DetachFromDisposeScope();
        for (int i = 0; i < ps.Count; i++)
        {
            var key = $"{ps[i].name}/{slot}";
            var view = flat.narrow(0, _offsets[i], ps[i].param.numel()).view(ps[i].param.shape).DetachFromDisposeScope();
            if (state.Remove(key, out var old))
            {
                view.copy_(old);
                old.Dispose();
            }
            state[key] = view;
        }
        return _slots[slot] = flat;
    }

    /// <summary>Forgets the flat state buffers (the per-parameter state tensors stay valid: they hold the storage).</summary>
    public void DropSlots()
    {
        foreach (var t in _slots.Values) t.Dispose();
        _slots.Clear();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        DropSlots();
        _values?.Dispose();
        _values = null;
    }
}
