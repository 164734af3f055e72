using System.Globalization;
using Invariscope.Checkpoints;
using Invariscope.Formats;
using Invariscope.Layout;
using Invariscope.Runtime;

namespace Invariscope.Training;

/// <summary>
/// An epoch's optimiser state (<c>epoch_NNN.optim.safetensors</c>) with the identity of what it belongs to: its
/// metadata names the epoch and the SHA-256 of the weights saved beside it, which identify the run's trajectory (a
/// hash of config.json would not do: it holds absolute paths, and the same run in another folder is the same run).
/// On resume both must match the epoch's sidecar, and the file its recorded digest, so another run's or another
/// epoch's file is refused with one line naming it before any state is used. Two runs whose weights are identical
/// have identical optimiser states too, so nothing is lost by accepting one for the other.
/// </summary>
public static class OptimizerFile
{
    const string EpochKey = "epoch", WeightsKey = "weights_sha256";

    /// <summary>Saves <paramref name="optimizer"/>'s state after <paramref name="epoch"/>; returns the file's SHA-256.</summary>
    public static string Save(RunLayout run, int epoch, Optimizer optimizer, string weightsSha256)
    {
        var meta = new Dictionary<string, string>
        {
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
        string? problem = null, wantEpoch = epoch.ToString(CultureInfo.InvariantCulture);
        if (meta.GetValueOrDefault(WeightsKey) is not { } theirWeights) problem = "has no weights digest; it was not written by this run";
        else if (meta.GetValueOrDefault(EpochKey) != wantEpoch)
            problem = $"is the optimiser state of epoch {meta.GetValueOrDefault(EpochKey) ?? "?"}, not of epoch {epoch}";
        else if (theirWeights != weightsSha)
            problem = $"is the optimiser state of another run (saved beside weights {theirWeights[..Math.Min(12, theirWeights.Length)]}…, " +
                      $"this run's {run.Weights(epoch)} are {weightsSha[..12]}…)";
        if (problem is not null)
            throw new InvariscopeException($"{path}: {problem}" + (whatToDo is null ? "" : $"; {whatToDo}"));
    }
}
