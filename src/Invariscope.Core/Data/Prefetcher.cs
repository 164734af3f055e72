using System.Runtime.ExceptionServices;

namespace Invariscope.Data;

/// <summary>
/// Builds items 0..count-1 on background threads and hands them out in order. At most
/// <c>capacity</c> items are claimed but not yet taken, so memory stays bounded whatever the consumer's pace;
/// item i is always <c>build(i)</c>, so contents never depend on thread timing. Dispose stops the threads
/// and disposes items built but never taken.
/// </summary>
internal sealed class Prefetcher<T> : IDisposable where T : class, IDisposable
{
    readonly Func<int, T> _build;
    readonly int _count;
    readonly SemaphoreSlim _free;
    readonly CancellationTokenSource _cancel = new();
    readonly Dictionary<int, T> _ready = new();
    readonly object _gate = new();
    readonly Thread[] _threads;
    int _next = -1, _disposed;
    ExceptionDispatchInfo? _error;

    public Prefetcher(Func<int, T> build, int count, int workers, int capacity)
    {
        _build = build;
        _count = count;
        _free = new SemaphoreSlim(Math.Max(1, capacity));
        _threads = new Thread[Math.Max(1, workers)];
        for (int t = 0; t < _threads.Length; t++)
        {
            _threads[t] = new Thread(Work) { IsBackground = true, Name = $"invariscope-loader-{t}" };
            _threads[t].Start();
        }
    }

    void Work()
    {
        try
        {
            while (true)
            {
                _free.Wait(_cancel.Token);
                int i = Interlocked.Increment(ref _next);
                if (i >= _count) return;
                var item = _build(i);
                lock (_gate)
                {
                    if (_cancel.IsCancellationRequested)
                    {
                        item.Dispose();
                        return;
                    }
                    _ready[i] = item;
                    Monitor.PulseAll(_gate);
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            lock (_gate)
            {
                _error ??= ExceptionDispatchInfo.Capture(e);
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Waits for item <paramref name="i"/> (take them in order 0, 1, ...); a worker's exception is rethrown here.</summary>
    public T Take(int i)
    {
        lock (_gate)
        {
            T? item;
            while (!_ready.Remove(i, out item))
            {
                _error?.Throw();
                ObjectDisposedException.ThrowIf(_disposed != 0, this);
                Monitor.Wait(_gate);
            }
            _free.Release();
            return item;
        }
    }

    /// <summary>Stops the threads and disposes untaken items; safe to call twice and from another thread.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _cancel.Cancel();
        foreach (var t in _threads) t.Join();
        lock (_gate)
        {
            foreach (var item in _ready.Values) item.Dispose();
            _ready.Clear();
            Monitor.PulseAll(_gate);
        }
        _free.Dispose();
        _cancel.Dispose();
    }
}
