using System.Text.Json.Nodes;
using Invariscope.Checkpoints;
using Invariscope.Data;
using Invariscope.Layout;
using Invariscope.Models;
using Invariscope.Training;
using static TorchSharp.torch;

namespace Invariscope.Tests.Training;

/// <summary>Tiny checkpoints for evaluation and feature-change tests.</summary>
public static class EvalModels
{
    public const string Data = "synthetic:shapes?size=16&n=64";

    /// <summary>Saves a seeded vit_micro_patch4_16 with <paramref name="classes"/> outputs; returns the path.</summary>
    public static string SaveVit(string path, int classes = 6, long seed = 1, Func<VitConfig, VitConfig>? edit = null)
    {
        _ = TestData.Fixture(""); // initialises libtorch
        var config = VitPresets.Get("vit_micro_patch4_16") with { NumClasses = classes };
        using var model = new VisionTransformer(edit is null ? config : edit(config), seed);
        VitCheckpoint.Save(model, path);
        return path;
    }

    /// <summary>Writes a run-style sidecar <c>X.json</c> beside <c>X.safetensors</c>.</summary>
    public static void WriteSidecar(string weightsPath, string task, string normalize)
    {
        var side = new JsonObject
        {
            ["epoch"] = 1,
            ["config"] = new JsonObject { ["task"] = task, ["normalize"] = normalize },
            ["model_config"] = null,
            ["metrics"] = null,
        };
        File.WriteAllText(RunLayout.SidecarOf(weightsPath), side.ToJsonString());
    }

    /// <summary>All images of a dataset as one (N,3,H,W) tensor normalised by hand: (x/255 − mean)/std.</summary>
    public static (Tensor images, long[] labels) ByHand(IImageDataset data, float mean, float std)
    {
        var first = data.GetImage(0);
        int h = first.Height, w = first.Width;
        var buf = new float[data.Count * 3 * h * w];
        var labels = new long[data.Count];
        for (int i = 0; i < data.Count; i++)
        {
            var img = data.GetImage(i);
            labels[i] = data.GetLabel(i);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        buf[((i * 3 + c) * h + y) * w + x] = (img[y, x, img.Channels == 1 ? 0 : c] / 255f - mean) / std;
        }
        return (tensor(buf).reshape(data.Count, 3, h, w), labels);
    }
}
