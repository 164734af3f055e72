using System.Runtime.InteropServices;
using Invariscope.Runtime;
using SkiaSharp;

namespace Invariscope.Data;

/// <summary>PNG/JPEG decoding to RGB <see cref="Image8"/> and PNG/JPEG encoding, via SkiaSharp.</summary>
public static class ImageCodec
{
    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>True when the file starts with a PNG or JPEG signature (reads 8 bytes; a cheap check, not a full decode).</summary>
    public static bool HasImageSignature(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using var file = File.OpenRead(path);
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n >= 8 && head.SequenceEqual(PngSignature)) return true;
        return n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF;
    }

    /// <summary>Decodes a PNG or JPEG file to an (H, W, 3) RGB image (alpha dropped, gray expanded).</summary>
    public static Image8 DecodeRgb(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new InvariscopeException($"{path}: cannot read: {e.Message}", e); }
        return DecodeRgb(bytes, path);
    }

    /// <summary>
    /// The most pixels one image may declare (8192²). The header is read before any pixel buffer is allocated, so a
    /// corrupt or hostile header claiming 100000×100000 is refused in one line instead of failing the allocation.
    /// </summary>
    public const long MaxPixels = 8192L * 8192;

    /// <summary>Null when <paramref name="path"/> decodes completely; otherwise the one-line reason it does not.</summary>
    public static string? Problem(string path)
    {
        try
        {
            DecodeRgb(path);
            return null;
        }
        catch (InvariscopeException e) { return e.Message; }
    }

    /// <summary>Decodes PNG or JPEG bytes to an (H, W, 3) RGB image; <paramref name="source"/> names them in errors.</summary>
    public static Image8 DecodeRgb(byte[] encoded, string source)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvariscopeException($"{source}: not a decodable PNG/JPEG image");
        var (w, h) = (codec.Info.Width, codec.Info.Height);
        if (w < 1 || h < 1 || (long)w * h > MaxPixels)
            throw new InvariscopeException($"{source}: the header declares {w}×{h} pixels, outside 1..{MaxPixels} (corrupt header?)");
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new InvariscopeException($"{source}: corrupt or truncated image ({result})");
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[info.Width * info.Height * 3];
        for (int p = 0, q = 0; q < rgb.Length; p += 4, q += 3)
        {
            rgb[q] = rgba[p];
            rgb[q + 1] = rgba[p + 1];
            rgb[q + 2] = rgba[p + 2];
        }
        return new Image8(info.Height, info.Width, 3, rgb);
    }

    /// <summary>An opaque RGBA bitmap of <paramref name="image"/> (gray replicated to RGB); the caller disposes it.</summary>
    public static SKBitmap ToBitmap(Image8 image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var dst = bitmap.GetPixelSpan();
        int c = image.Channels;
        for (int p = 0; p < image.Width * image.Height; p++)
        {
            dst[4 * p] = image.Pixels[p * c];
            dst[4 * p + 1] = image.Pixels[p * c + (c == 3 ? 1 : 0)];
            dst[4 * p + 2] = image.Pixels[p * c + (c == 3 ? 2 : 0)];
            dst[4 * p + 3] = 255;
        }
        return bitmap;
    }

    /// <summary>Encodes <paramref name="image"/> as PNG (lossless).</summary>
    public static byte[] EncodePng(Image8 image) => Encode(image, SKEncodedImageFormat.Png, 100);

    /// <summary>Encodes <paramref name="image"/> as JPEG at <paramref name="quality"/> (0-100).</summary>
    public static byte[] EncodeJpeg(Image8 image, int quality = 95) => Encode(image, SKEncodedImageFormat.Jpeg, quality);

    static byte[] Encode(Image8 image, SKEncodedImageFormat format, int quality)
    {
        using var bitmap = ToBitmap(image);
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }
}
