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

    /// <summary>
    /// The source's presentation time of the frame last read (seconds on the stream's own clock), or null where the
    /// reader does not know it (files and devices read through OpenCV are timed by their arrival).
    /// </summary>
    double? LastPts { get; }
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

    public double? LastPts => null;

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
/// every frame carries its own size, so a resolution change is seen exactly. ffmpeg runs with its network timeouts
/// (<c>-timeout</c> for RTSP, <c>-rw_timeout</c> otherwise), so a source that goes silent ends the child within
/// <see cref="ReaderOptions.NetworkTimeout"/>; it starts without the probe burst (a short probe, no input buffering,
/// low-delay decoding) and passes decoded frames through unchanged (no duplicated frames to keep an output rate).
/// showinfo reports each decoded frame's presentation time, which the reader uses to time frames and to tell a new
/// frame from a stale one. A read that blocks longer than the stall timeout kills the process.
/// </summary>
internal sealed class FfmpegFrameReader : IFrameReader
{
    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly TimeSpan _stallTimeout;
    private readonly TimeSpan _openTimeout;
    private readonly Queue<string> _stderr = new();
    private readonly Queue<double> _pts = new();
    private readonly SemaphoreSlim _ptsAvailable = new(0);
    private readonly byte[] _header = new byte[54];
    private string? _firstSize;
    private string? _resolutionChange;
    private bool _first = true;

    public FfmpegFrameReader(CameraSource source, ReaderOptions options)
    {
        _stallTimeout = options.StallTimeout;
        _openTimeout = options.OpenTimeout;
        var info = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var timeoutMicroseconds = ((long)options.NetworkTimeout.TotalMicroseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var args = new List<string> { "-hide_banner", "-loglevel", "info", "-nostats", "-nostdin" };
        if (source.Uri.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            // ffmpeg's default transport: UDP, falling back to TCP interleaved when UDP gets nothing. -timeout is the
            // socket I/O timeout (microseconds): a publisher that stops sending ends ffmpeg instead of leaving it waiting.
            args.AddRange(["-timeout", timeoutMicroseconds]);
        }
        else
        {
            args.AddRange(["-rw_timeout", timeoutMicroseconds]);
        }

        // Low delay: probe half a second (not ffmpeg's 5 s, which arrives as one burst of old frames of which the
        // analyser sees only the last), no input buffering, decoder low-delay mode.
        args.AddRange(["-probesize", "500000", "-analyzeduration", "500000", "-fflags", "nobuffer", "-flags", "low_delay"]);

        // showinfo logs every decoded frame's size and presentation time before ffmpeg's automatic scaling to the first
        // frame's size, which would otherwise hide a resolution change. passthrough: each decoded frame once, never a
        // duplicate made up to keep an output rate (those made a dead source look alive).
        args.AddRange(["-i", source.Uri, "-an", "-sn", "-vf", "showinfo", "-fps_mode", "passthrough", "-f", "image2pipe", "-c:v", "bmp", "-pix_fmt", "bgr24", "pipe:1"]);
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
                WatchFrame(line);
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

    public double? LastPts { get; private set; }

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

        // showinfo's line for this frame was written before the frame, but stderr is read on another thread: wait a
        // moment for it. Without it (a lost line) the frame is timed by its arrival.
        LastPts = _ptsAvailable.Wait(TimeSpan.FromMilliseconds(500)) ? DequeuePts() : null;

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
        _ptsAvailable.Dispose();
    }

    private double? DequeuePts()
    {
        lock (_pts)
        {
            return _pts.Count > 0 ? _pts.Dequeue() : null;
        }
    }

    private bool ReadExactly(byte[] buffer, out string? error)
    {
        error = null;

        // Opening (connect, describe, probe, first key frame) may take longer than the gap between two frames.
        var timeout = _first ? _openTimeout : _stallTimeout;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            _stdout.ReadExactlyAsync(buffer, cts.Token).AsTask().GetAwaiter().GetResult();
            _first = false;
            return true;
        }
        catch (OperationCanceledException)
        {
            error = $"no frame for {timeout.TotalSeconds:0.#} s: the stream stalled";
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

    /// <summary>
    /// Reads "pts_time:T" (queued for the frame it belongs to) and "s:WxH" from a showinfo line; a size other than the
    /// first one ends the session with a message.
    /// </summary>
    private void WatchFrame(string line)
    {
        var p = line.IndexOf("pts_time:", StringComparison.Ordinal);
        if (p >= 0)
        {
            var start = p + "pts_time:".Length;
            var stop = line.IndexOf(' ', start);
            var text = stop < 0 ? line[start..] : line[start..stop];
            if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var pts))
            {
                lock (_pts)
                {
                    _pts.Enqueue(pts);
                }

                _ptsAvailable.Release();
            }
        }

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
