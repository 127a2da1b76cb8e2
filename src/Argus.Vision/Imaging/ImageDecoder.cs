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

    /// <summary>
    /// A decode of more pixels than this is "large": it needs about 3 bytes per pixel at once (a 47 KB PNG declaring
    /// 7000x7000 takes 150 MB and 2 s), so only <see cref="MaxConcurrentLargeDecodes"/> run at a time in the process.
    /// 16 MP lets a 12 MP phone photo and a 4K frame through freely.
    /// </summary>
    public long LargePixels { get; init; } = 16_000_000;

    /// <summary>Large decodes at once, process-wide (twelve 49 MP decodes at once took 1.8 GB).</summary>
    public int MaxConcurrentLargeDecodes { get; init; } = 2;

    /// <summary>How long a large decode waits for a slot before it is refused with <c>image.decoder_busy</c> (503).</summary>
    public TimeSpan LargeDecodeWait { get; init; } = TimeSpan.FromSeconds(5);
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
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, SemaphoreSlim> LargeDecodeGates = new();

    /// <summary>The process-wide slots for large decodes (one gate per configured concurrency; tests hold its slots).</summary>
    internal static SemaphoreSlim LargeDecodeGate(int concurrency) =>
        LargeDecodeGates.GetOrAdd(Math.Max(1, concurrency), n => new SemaphoreSlim(n, n));

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

        SemaphoreSlim? slot = null;
        if (header.Pixels > limits.LargePixels)
        {
            slot = LargeDecodeGate(limits.MaxConcurrentLargeDecodes);
            if (!slot.Wait(limits.LargeDecodeWait))
            {
                throw new ArgusException(
                    "image.decoder_busy",
                    $"{limits.MaxConcurrentLargeDecodes} large images ({limits.LargePixels:N0}+ pixels) are being decoded already; retry shortly or send a smaller image.");
            }
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
        finally
        {
            slot?.Release();
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
