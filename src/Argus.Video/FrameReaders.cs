using System.Buffers.Binary;
using System.Diagnostics;
using Argus.Core;
using OpenCvSharp;

namespace Argus.Video;

/// <summary>One connection to a source: frames until it fails or ends.</summary>
internal interface IFrameReader : IDisposable
{
    /// <summary>Frames per second the source declares, if it declares one.</summary>
    double? DeclaredFps { get; }

    /// <summary>The next frame, or null at the end of the stream with <paramref name="error"/> saying why if it failed.</summary>
    Mat? Read(out string? error);
}

/// <summary>Files and local devices through OpenCV's VideoCapture (its bundled FFmpeg reads files but no network protocols).</summary>
internal sealed class OpenCvFrameReader : IFrameReader
{
    private readonly VideoCapture _capture;

    public OpenCvFrameReader(CameraSource source)
    {
        if (source.IsFile && !File.Exists(source.Uri))
        {
            throw new ArgusException("camera.unavailable", $"No such video file: {source.Uri}");
        }

        _capture = source.IsDevice
            ? new VideoCapture(int.Parse(source.Uri["device:".Length..], System.Globalization.CultureInfo.InvariantCulture), VideoCaptureAPIs.ANY)
            : new VideoCapture(source.Uri, VideoCaptureAPIs.FFMPEG);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            throw new ArgusException("camera.unavailable", $"cannot open {source.Redacted} (not a readable video)");
        }
    }

    public double? DeclaredFps => _capture.Fps is > 0 and < 1000 ? _capture.Fps : null;

    public Mat? Read(out string? error)
    {
        error = null;
        var image = new Mat();
        try
        {
            if (_capture.Read(image) && !image.Empty())
            {
                return image;
            }
        }
        catch (OpenCVException e)
        {
            error = $"decoding failed: {e.Message}";
        }

        image.Dispose();
        return null;
    }

    /// <summary>Back to the first frame (looped replay).</summary>
    public void Rewind() => _capture.Set(VideoCaptureProperties.PosFrames, 0);

    public void Dispose() => _capture.Dispose();
}

/// <summary>
/// Network sources (RTSP, HTTP(S) MJPEG) through an <c>ffmpeg</c> child process that decodes and writes each frame as
/// an uncompressed BMP to its stdout, as Frigate does. The process isolates the server from a misbehaving stream, and
/// every frame carries its own size, so a resolution change is seen exactly. A read that blocks longer than the stall
/// timeout kills the process.
/// </summary>
internal sealed class FfmpegFrameReader : IFrameReader
{
    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly TimeSpan _stallTimeout;
    private readonly Queue<string> _stderr = new();
    private readonly byte[] _header = new byte[54];
    private string? _firstSize;
    private string? _resolutionChange;

    public FfmpegFrameReader(CameraSource source, TimeSpan stallTimeout)
    {
        _stallTimeout = stallTimeout;
        var info = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var timeoutMicroseconds = ((long)stallTimeout.TotalMicroseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var args = new List<string> { "-hide_banner", "-loglevel", "info", "-nostats", "-nostdin" };
        if (source.Uri.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            // ffmpeg's default transport: UDP, falling back to TCP interleaved when UDP gets nothing.
            args.AddRange(["-timeout", timeoutMicroseconds]);
        }
        else
        {
            args.AddRange(["-rw_timeout", timeoutMicroseconds]);
        }

        // showinfo logs every decoded frame's size before ffmpeg's automatic scaling to the first frame's size, which
        // would otherwise hide a resolution change.
        args.AddRange(["-i", source.Uri, "-an", "-sn", "-vf", "showinfo", "-f", "image2pipe", "-c:v", "bmp", "-pix_fmt", "bgr24", "pipe:1"]);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            _process = Process.Start(info) ?? throw new ArgusException("camera.unavailable", "could not start ffmpeg");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ArgusException("camera.unavailable", "ffmpeg is not installed; network cameras need it (apt-get install ffmpeg)", e);
        }

        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.Contains("showinfo", StringComparison.Ordinal))
            {
                WatchFrameSize(line);
            }
            else if (!string.IsNullOrWhiteSpace(e.Data))
            {
                lock (_stderr)
                {
                    _stderr.Enqueue(Redact(e.Data, source));
                    if (_stderr.Count > 5)
                    {
                        _stderr.Dequeue();
                    }
                }
            }
        };
        _process.BeginErrorReadLine();
        _stdout = _process.StandardOutput.BaseStream;
    }

    public double? DeclaredFps => null;

    public Mat? Read(out string? error)
    {
        error = Volatile.Read(ref _resolutionChange);
        if (error is not null || !ReadExactly(_header, out error))
        {
            return null;
        }

        if (_header[0] != (byte)'B' || _header[1] != (byte)'M')
        {
            error = "ffmpeg produced something other than a BMP frame";
            return null;
        }

        var fileSize = BinaryPrimitives.ReadInt32LittleEndian(_header.AsSpan(2));
        var pixelOffset = BinaryPrimitives.ReadInt32LittleEndian(_header.AsSpan(10));
        var width = BinaryPrimitives.ReadInt32LittleEndian(_header.AsSpan(18));
        var height = BinaryPrimitives.ReadInt32LittleEndian(_header.AsSpan(22));
        var bits = BinaryPrimitives.ReadInt16LittleEndian(_header.AsSpan(28));
        var rows = Math.Abs(height);
        var stride = ((width * 3) + 3) & ~3;
        if (bits != 24 || width <= 0 || rows == 0 || width > 16384 || rows > 16384 || pixelOffset < 54 || fileSize < pixelOffset + (stride * rows))
        {
            error = $"unexpected frame from ffmpeg ({width}x{height}, {bits} bits)";
            return null;
        }

        var rest = new byte[fileSize - 54];
        if (!ReadExactly(rest, out error))
        {
            return null;
        }

        // BMP rows are bottom-up when the height is positive, padded to 4 bytes.
        var image = new Mat(rows, width, MatType.CV_8UC3);
        var pixels = rest.AsSpan(pixelOffset - 54);
        for (var y = 0; y < rows; y++)
        {
            var source = pixels.Slice((height > 0 ? rows - 1 - y : y) * stride, width * 3);
            unsafe
            {
                source.CopyTo(new Span<byte>((byte*)image.Ptr(y), width * 3));
            }
        }

        return image;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private bool ReadExactly(byte[] buffer, out string? error)
    {
        error = null;
        using var cts = new CancellationTokenSource(_stallTimeout * 2);
        try
        {
            _stdout.ReadExactlyAsync(buffer, cts.Token).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException)
        {
            error = $"no frame for {(_stallTimeout * 2).TotalSeconds:0} s: the stream stalled";
        }
        catch (EndOfStreamException)
        {
            _process.WaitForExit(2000);
            error = LastError() ?? "the stream ended";
        }
        catch (IOException e)
        {
            error = $"reading from ffmpeg failed: {e.Message}";
        }

        return false;
    }

    /// <summary>Reads "s:WxH" from a showinfo line; a size other than the first one ends the session with a message.</summary>
    private void WatchFrameSize(string line)
    {
        var at = line.IndexOf(" s:", StringComparison.Ordinal);
        if (at < 0)
        {
            return;
        }

        var end = line.IndexOf(' ', at + 3);
        var size = end < 0 ? line[(at + 3)..] : line[(at + 3)..end];
        if (_firstSize is null)
        {
            _firstSize = size;
        }
        else if (size != _firstSize && _resolutionChange is null)
        {
            Volatile.Write(ref _resolutionChange, $"resolution changed from {_firstSize} to {size}; reconnecting");
        }
    }

    private string? LastError()
    {
        lock (_stderr)
        {
            return _stderr.Count == 0 ? null : "ffmpeg: " + _stderr.Last();
        }
    }

    private static string Redact(string line, CameraSource source) => line.Replace(source.Uri, source.Redacted, StringComparison.Ordinal);
}
