using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Data;

/// <summary>Applies a <see cref="TransformSpec"/> to uint8 (H, W, C) images, producing float32 tensors.</summary>
public sealed class ImageTransform
{
    readonly float[] _scale = new float[3], _shift = new float[3];

    /// <summary>The pipeline this applies.</summary>
    public TransformSpec Spec { get; }
    /// <summary>The resolved normalisation preset.</summary>
    public Normalization Normalization { get; }

    /// <summary>Validates <paramref name="spec"/> and resolves its normalisation preset.</summary>
    public ImageTransform(TransformSpec spec)
    {
        if (spec.Size < 1 || spec.Size > 4096) throw new InvariscopeException($"transform: size {spec.Size} must be in 1..4096");
        if (spec.Pad < 0) throw new InvariscopeException($"transform: pad {spec.Pad} must be >= 0");
        Spec = spec;
        Normalization = Normalization.Parse(spec.Normalize);
        for (int c = 0; c < 3; c++)
        {
            _scale[c] = 1f / (255f * Normalization.Std[c]);
            _shift[c] = -Normalization.Mean[c] / Normalization.Std[c];
        }
    }

    /// <summary>uint8 (H, W, C) to float (3, H, W) in [0, 1], gray replicated to 3 channels; no other step.</summary>
    public static float[] ToChw(Image8 image)
    {
        var t = new ImageTransform(new TransformSpec(1, 0, false, "none")); // no crop, flip or resize: Size is unused
        var dst = new float[3 * image.Height * image.Width];
        t.Augment(image, 0, dst);
        return dst;
    }

    /// <summary>
    /// Writes the cropped, flipped, normalised (3, H, W) floats of <paramref name="image"/> at its own size into
    /// <paramref name="dst"/>; <paramref name="augSeed"/> fixes the random choices.
    /// </summary>
    void Augment(Image8 image, ulong augSeed, Span<float> dst)
    {
        int h = image.Height, w = image.Width, ch = image.Channels, pad = Spec.Pad;
        var rng = new SeedRng(augSeed);
        int dy = pad > 0 ? rng.NextInt(2 * pad + 1) - pad : 0, dx = pad > 0 ? rng.NextInt(2 * pad + 1) - pad : 0;
        bool flip = Spec.Flip && (rng.NextUInt64() & 1) == 1;
        int plane = h * w;
        var px = image.Pixels;
        for (int c = 0; c < 3; c++)
        {
            int sc = ch == 3 ? c : 0;
            float scale = _scale[c], shift = _shift[c];
            for (int y = 0; y < h; y++)
            {
                int sy = y + dy;
                var row = dst.Slice(c * plane + y * w, w);
                if (sy < 0 || sy >= h)
                {
                    row.Fill(shift); // zero padding, normalised
                    continue;
                }
                for (int x = 0; x < w; x++)
                {
                    int sx = (flip ? w - 1 - x : x) + dx;
                    row[x] = sx < 0 || sx >= w ? shift : px[(sy * w + sx) * ch + sc] * scale + shift;
                }
            }
        }
    }

    /// <summary>Transforms one image to a (3, Size, Size) float32 tensor.</summary>
    public Tensor Apply(Image8 image, ulong augSeed = 0)
    {
        using var batch = Apply([image], [augSeed]);
        return batch.squeeze(0);
    }

    /// <summary>
    /// Transforms a batch (images may differ in size) to a (B, 3, Size, Size) float32 tensor;
    /// <paramref name="augSeeds"/>[i] fixes the random choices for image i. Runs in managed code on the calling
    /// thread; only the final tensor is created in libtorch (it joins the caller's DisposeScope, if any).
    /// </summary>
    public Tensor Apply(IReadOnlyList<Image8> images, IReadOnlyList<ulong> augSeeds)
    {
        if (images.Count == 0) throw new ArgumentException("empty batch", nameof(images));
        int s = Spec.Size, n = 3 * s * s;
        var buffer = new float[images.Count * n];
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            var dst = buffer.AsSpan(i * n, n);
            if (image.Height == s && image.Width == s)
            {
                Augment(image, augSeeds[i], dst);
                continue;
            }
            // normalisation is per-channel affine and resize weights sum to 1, so resizing after it is exact
            var native = new float[3 * image.Height * image.Width];
            Augment(image, augSeeds[i], native);
            BilinearResize.Resize(native, 3, image.Height, image.Width, dst, s, s);
        }
        return tensor(buffer, [images.Count, 3, s, s]);
    }
}
