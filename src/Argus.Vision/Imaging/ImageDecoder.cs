using Argus.Core;
using OpenCvSharp;

namespace Argus.Vision.Imaging;

/// <summary>Limits applied before decoding. Defaults suit photos and video frames up to 8K.</summary>
public sealed record DecodeLimits
{
    public static DecodeLimits Default { get; } = new();

    /// <summary>Refuse images whose header declares more pixels than this (decompression bombs).</summary>
    public long MaxPixels { get; init; } = 50_000_000;

    /// <summary>Refuse encoded files larger than this many bytes.</summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;
}

/// <summary>A decoded image: 8-bit BGR, EXIF orientation applied. Owns its pixels.</summary>
public sealed class DecodedImage : IDisposable
{
    private readonly bool _ownsPixels;

    internal DecodedImage(Mat bgr, ImageFormat? format, bool ownsPixels = true)
    {
        Mat = bgr;
        Format = format;
        _ownsPixels = ownsPixels;
    }

    public int Width => Mat.Width;

    public int Height => Mat.Height;

    /// <summary>The encoded format, or null for frames that never were a file (video).</summary>
    public ImageFormat? Format { get; }

    internal Mat Mat { get; }

    /// <summary>Wraps a BGR 8-bit frame (for example from a video reader); the image takes ownership.</summary>
    public static DecodedImage FromBgr(Mat bgr)
    {
        if (bgr.Empty() || bgr.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException("Expected a non-empty 8-bit, 3-channel BGR image.", nameof(bgr));
        }

        return new DecodedImage(bgr, null);
    }

    /// <summary>
    /// A view of a rectangle of this image (no copy), e.g. one detector tile of a video frame. The view must not
    /// outlive this image; disposing it releases only the view's header.
    /// </summary>
    public DecodedImage Region(int x, int y, int width, int height) =>
        new(new Mat(Mat, new Rect(x, y, width, height)), Format, ownsPixels: true);

    /// <summary>Wraps a frame owned by someone else (the caller keeps it alive and disposes it).</summary>
    public static DecodedImage Borrow(Mat bgr) => new(bgr, null, ownsPixels: false);

    public void Dispose()
    {
        if (_ownsPixels)
        {
            Mat.Dispose();
        }
    }
}

/// <summary>
/// Decodes JPEG, PNG, WebP, BMP and the first frame of GIF from bytes. The format is sniffed from the content,
/// the declared size is checked against <see cref="DecodeLimits"/> before any pixel is allocated, and EXIF
/// orientation is applied (OpenCV's imdecode does so for IMREAD_COLOR). Greyscale and alpha inputs come out as BGR.
/// </summary>
public static class ImageDecoder
{
    public static DecodedImage Decode(ReadOnlySpan<byte> data, DecodeLimits? limits = null)
    {
        limits ??= DecodeLimits.Default;
        if (data.Length > limits.MaxBytes)
        {
            throw new ArgusException("image.too_large", $"The file is {data.Length:N0} bytes; the limit is {limits.MaxBytes:N0}.");
        }

        if (!ImageHeader.TryRead(data, out var header, out var code, out var message))
        {
            throw new ArgusException(code, message);
        }

        if (header.Pixels > limits.MaxPixels)
        {
            throw new ArgusException(
                "image.too_large",
                $"The {header.Format} declares {header.Width}x{header.Height} = {header.Pixels:N0} pixels; the limit is {limits.MaxPixels:N0}.");
        }

        Mat mat;
        try
        {
            mat = Cv2.ImDecode(data, ImreadModes.Color);
        }
        catch (OpenCVException e)
        {
            throw new ArgusException("image.corrupt", $"The {header.Format} data is corrupt: {e.Message}", e);
        }

        if (mat.Empty())
        {
            mat.Dispose();
            throw new ArgusException("image.corrupt", $"The {header.Format} data is corrupt and could not be decoded.");
        }

        return new DecodedImage(mat, header.Format);
    }

    public static DecodedImage DecodeFile(string path, DecodeLimits? limits = null)
    {
        limits ??= DecodeLimits.Default;
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ArgusException("image.not_found", $"No such file: {path}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ArgusException("image.unreadable", $"Cannot read {path}: {e.Message}", e);
        }

        if (info.Length > limits.MaxBytes)
        {
            throw new ArgusException("image.too_large", $"{path} is {info.Length:N0} bytes; the limit is {limits.MaxBytes:N0}.");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgusException("image.unreadable", $"Cannot read {path}: {e.Message}", e);
        }

        return Decode(bytes, limits);
    }
}
