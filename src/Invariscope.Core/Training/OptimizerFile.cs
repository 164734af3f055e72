using System.Globalization;
using System.Security.Cryptography;
using Invariscope.Checkpoints;
using Invariscope.Formats;
using Invariscope.Layout;
using Invariscope.Runtime;

namespace Invariscope.Training;

/// <summary>
/// An epoch's optimiser state (<c>epoch_NNN.optim.safetensors</c>) with the identity of what it belongs to: its
/// metadata names the run (the first 16 hex digits of the SHA-256 of the run's <c>config.json</c>, which is written
/// once at the start and never rewritten), the epoch, and the SHA-256 of that epoch's weights. On resume it must
/// match all three and the digest the epoch's sidecar records, so another run's or another epoch's file is refused
/// with one line naming it, before any state is used.
/// </summary>
public static class OptimizerFile
{
    const string RunKey = "run", EpochKey = "epoch", WeightsKey = "weights_sha256";

    /// <summary>The identity of the run in <paramref name="run"/>: from the bytes of its config.json.</summary>
    /// <exception cref="InvariscopeException">config.json cannot be read (named).</exception>
    public static string RunId(RunLayout run)
    {
        try { return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(run.ConfigPath)))[..16]; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvariscopeException($"{run.ConfigPath}: cannot read: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>Saves <paramref name="optimizer"/>'s state after <paramref name="epoch"/>; returns the file's SHA-256.</summary>
    public static string Save(RunLayout run, int epoch, Optimizer optimizer, string weightsSha256)
    {
        var meta = new Dictionary<string, string>
        {
            [RunKey] = RunId(run),
            [EpochKey] = epoch.ToString(CultureInfo.InvariantCulture),
            [WeightsKey] = weightsSha256,
        };
        var state = optimizer.StateDict();
        try { return Safetensors.Save(run.OptimizerState(epoch), state, meta); }
        finally { foreach (var t in state.Values) t.Dispose(); }
    }

    /// <summary>
    /// Loads the state saved after <paramref name="epoch"/> into <paramref name="optimizer"/>, after checking its
    /// identity and digest against the epoch's sidecar. A sidecar that records no digests (an older run) skips both.
    /// <paramref name="whatToDo"/> ends a failure's message.
    /// </summary>
    /// <exception cref="InvariscopeException">Another run's or epoch's file, a corrupt one, or state that does not fit (named).</exception>
    public static void Load(RunLayout run, int epoch, Optimizer optimizer, string? whatToDo = null)
    {
        string path = run.OptimizerState(epoch), sidecar = run.Sidecar(epoch);
        var weightsSha = CheckpointIntegrity.Recorded(run.Weights(epoch), sidecar);
        if (weightsSha is not null) CheckIdentity(run, epoch, path, weightsSha, whatToDo);
        using var loaded = CheckpointIntegrity.Load(path, sidecar, whatToDo);
        optimizer.LoadStateDict(loaded.Tensors, path);
    }

    static void CheckIdentity(RunLayout run, int epoch, string path, string weightsSha, string? whatToDo)
    {
        IReadOnlyDictionary<string, string> meta;
        using (var file = Safetensors.Open(path)) meta = file.Metadata;
        string? problem = null, runId = RunId(run), wantEpoch = epoch.ToString(CultureInfo.InvariantCulture);
        if (meta.GetValueOrDefault(RunKey) is not { } theirRun) problem = "has no run identity; it was not written by this run";
        else if (theirRun != runId) problem = $"is the optimiser state of another run ({theirRun}; this run is {runId})";
        else if (meta.GetValueOrDefault(EpochKey) != wantEpoch)
            problem = $"is the optimiser state of epoch {meta.GetValueOrDefault(EpochKey) ?? "?"}, not of epoch {epoch}";
        else if (meta.GetValueOrDefault(WeightsKey) != weightsSha)
            problem = $"was saved with other weights than {run.Weights(epoch)}";
        if (problem is not null)
            throw new InvariscopeException($"{path}: {problem}" + (whatToDo is null ? "" : $"; {whatToDo}"));
    }
}
