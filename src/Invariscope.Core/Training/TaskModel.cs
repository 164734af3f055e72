using Invariscope.Checkpoints;
using Invariscope.Formats;
using Invariscope.Layout;
using Invariscope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Invariscope.Training;

/// <summary>
/// A ViT with the head its task needs: its own linear head for classification (cross-entropy), or a
/// <see cref="ConvDecoder"/> on the final patch tokens for reconstruction (L1 to the input image).
/// Parameter names are the ViT's timm names, plus <c>decoder.*</c>.
/// </summary>
public sealed class TaskModel : IDisposable
{
    /// <summary>The backbone (with its head for classification).</summary>
    public VisionTransformer Vit { get; }
    /// <summary>The reconstruction decoder, or null for classification.</summary>
    public ConvDecoder? Decoder { get; }
    /// <summary><c>classification</c> or <c>reconstruction</c>.</summary>
    public string Task { get; }

    /// <summary>Wraps <paramref name="vit"/>; a decoder is built (seeded) for reconstruction.</summary>
    public TaskModel(VisionTransformer vit, string task, long seed)
    {
        Vit = vit;
        Task = task;
        if (task == "reconstruction") Decoder = new ConvDecoder(vit.Config, seed + 1);
    }

    /// <summary>The dtype of the weights and activations: float32, or bfloat16 for mixed precision.</summary>
    public ScalarType DType { get; private set; } = ScalarType.Float32;

    /// <summary>Switches weights and activations to bf16 (the loss stays fp32; see <see cref="TrainConfig.Amp"/>).</summary>
    public void UseBFloat16()
    {
        Vit.to(ScalarType.BFloat16);
        Decoder?.to(ScalarType.BFloat16);
        DType = ScalarType.BFloat16;
    }

    /// <summary>Moves both parts to <paramref name="device"/>.</summary>
    public void To(Device device)
    {
        Vit.to(device);
        Decoder?.to(device);
    }

    /// <summary>Train or eval mode for both parts.</summary>
    public void Train(bool on)
    {
        Vit.train(on);
        Decoder?.train(on);
    }

    /// <summary>
    /// The batch-mean loss (scalar) for images (B,C,H,W) and labels (B), and the number of correct
    /// predictions (classification; 0 for reconstruction).
    /// </summary>
    public (Tensor loss, long correct) Loss(Tensor images, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var input = images.to(DType);
        if (Decoder is null)
        {
            var logits = Vit.call(input).to(float32);
            var correct = logits.argmax(1).eq(labels).sum().item<long>();
            return (nn.functional.cross_entropy(logits, labels).MoveToOuterDisposeScope(), correct);
        }
        var tokens = Vit.ForwardFeatures(input)[.., Vit.PrefixTokens..]; // (B,N,D) patch tokens
        var recon = Decoder.call(tokens).to(float32);
        return (nn.functional.l1_loss(recon, images.to(float32)).MoveToOuterDisposeScope(), 0);
    }

    /// <summary>
    /// Writes the ViT (loadable by <see cref="VitCheckpoint.Load"/>) and, if any, the decoder beside it. Returns
    /// their SHA-256 digests (the decoder's null when there is none), for the sidecar to record.
    /// </summary>
    public (string Vit, string? Decoder) Save(string vitPath, string decoderPath, IReadOnlyDictionary<string, string> metadata)
    {
        var vit = VitCheckpoint.Save(Vit, vitPath, metadata);
        if (Decoder is null) return (vit, null);
        using var scope = NewDisposeScope();
        return (vit, Safetensors.Save(decoderPath, Decoder.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu()), metadata));
    }

    /// <summary>
    /// Loads weights written by <see cref="Save"/> into this model, each file checked against the digest in the
    /// sidecar of <paramref name="vitPath"/> (see <see cref="CheckpointIntegrity.Load"/>; <paramref name="whatToDo"/> ends a failure's message).
    /// </summary>
    public void Load(string vitPath, string decoderPath, string? whatToDo = null)
    {
        LoadInto(Vit, vitPath, RunLayout.SidecarOf(vitPath), whatToDo);
        LoadDecoder(decoderPath, RunLayout.SidecarOf(vitPath), whatToDo);
    }

    /// <summary>
    /// Loads decoder weights written by <see cref="Save"/> (nothing to do for classification), checked against
    /// the digest <paramref name="sidecarPath"/> (the sidecar of the ViT weights beside it) records.
    /// </summary>
    public void LoadDecoder(string decoderPath, string sidecarPath, string? whatToDo = null)
    {
        if (Decoder is null) return;
        LoadInto(Decoder, decoderPath, sidecarPath, whatToDo);
    }

    static void LoadInto(nn.Module module, string path, string sidecarPath, string? whatToDo)
    {
        using var loaded = CheckpointIntegrity.Load(path, sidecarPath, whatToDo);
        StrictLoad.Into(module, loaded.Tensors, path);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Vit.Dispose();
        Decoder?.Dispose();
    }
}
