using Argus.Core;

namespace Argus.Video;

/// <summary>
/// Where a camera's frames come from: a video file replayed in real time, an <c>rtsp://</c> stream, an HTTP(S)
/// MJPEG stream, or a local device (<c>device:0</c>). Files and devices are read with OpenCV's VideoCapture; network
/// streams through an <c>ffmpeg</c> child process, because the FFmpeg bundled into OpenCV's runtime has no network
/// protocols.
/// </summary>
public sealed record CameraSource(string Uri, bool Loop = false)
{
    public bool IsFile => !Uri.Contains("://", StringComparison.Ordinal) && !Uri.StartsWith("device:", StringComparison.Ordinal);

    public bool IsDevice => Uri.StartsWith("device:", StringComparison.Ordinal);

    /// <summary>Checks the form of the source; whether it can be opened is found out by connecting.</summary>
    public static CameraSource Parse(string uri, bool loop = false)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            throw new ArgusException("camera.source_invalid", "A camera source is required (a file, rtsp://, http(s):// MJPEG or device:N).");
        }

        if (uri.Contains("://", StringComparison.Ordinal))
        {
            var scheme = uri[..uri.IndexOf("://", StringComparison.Ordinal)].ToLowerInvariant();
            if (scheme is not ("rtsp" or "rtsps" or "http" or "https"))
            {
                throw new ArgusException("camera.source_invalid", $"Unsupported camera source scheme '{scheme}': use rtsp://, http(s):// or a file.");
            }
        }
        else if (uri.StartsWith("device:", StringComparison.Ordinal) && !int.TryParse(uri["device:".Length..], out _))
        {
            throw new ArgusException("camera.source_invalid", "A device source is device:N with N a number.");
        }

        return new CameraSource(uri, loop);
    }

    /// <summary>The source without credentials, for health, logs and errors.</summary>
    public string Redacted
    {
        get
        {
            var at = Uri.IndexOf('@', StringComparison.Ordinal);
            var scheme = Uri.IndexOf("://", StringComparison.Ordinal);
            return at > 0 && scheme > 0 && at > scheme ? Uri[..(scheme + 3)] + "***@" + Uri[(at + 1)..] : Uri;
        }
    }
}
