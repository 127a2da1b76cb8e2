using System.Diagnostics;
using Argus.Core;
using OpenCvSharp;

namespace Argus.Video;

/// <summary>Reconnection and pacing settings of a reader.</summary>
public sealed record ReaderOptions
{
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long opening or reading may block before the stream counts as stalled (FFmpeg timeouts).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Replay files at their own frame rate (as a live camera would deliver them) rather than as fast as possible.</summary>
    public bool RealTimeReplay { get; init; } = true;
}

/// <summary>
/// Reads one camera on its own thread into a <see cref="FrameSlot"/>, so a broken or slow camera never stalls
/// another. A lost stream is reopened with exponential backoff (1 s doubling to 30 s); a stream that stalls, sends
/// garbage or changes resolution mid-stream puts the camera in <see cref="CameraState.Reconnecting"/> with a message.
/// </summary>
public sealed class CameraReader : IDisposable
{
    private readonly CameraSource _source;
    private readonly ReaderOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly object _gate = new();
    private CameraState _state = CameraState.Connecting;
    private long _framesIn;
    private long _reconnects;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private Size? _size;
    private double _fpsIn;

    public CameraReader(CameraSource source, FrameSlot slot, ReaderOptions? options = null, TimeProvider? time = null)
    {
        _source = source;
        Slot = slot;
        _options = options ?? new ReaderOptions();
        _time = time ?? TimeProvider.System;
        _thread = new Thread(Run) { IsBackground = true, Name = $"camera-reader {source.Redacted}" };
    }

    public FrameSlot Slot { get; }

    public CameraState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public void Start() => _thread.Start();

    /// <summary>Health as seen by the reader; the pipeline adds the analysed figures.</summary>
    public CameraHealth Health(long framesAnalysed = 0, double fpsAnalysed = 0)
    {
        lock (_gate)
        {
            return new CameraHealth(
                _state, _fpsIn, fpsAnalysed, Interlocked.Read(ref _framesIn), framesAnalysed, Slot.Dropped, Interlocked.Read(ref _reconnects),
                _lastError, _lastErrorAt, _size?.Width, _size?.Height);
        }
    }

    public void Stop()
    {
        _stop.Cancel();
        if (_thread.IsAlive && !_thread.Join(TimeSpan.FromSeconds(15)))
        {
            Fail("the reader did not stop within 15 s");
        }

        SetState(CameraState.Stopped);
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    private void Run()
    {
        var backoff = _options.InitialBackoff;
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            SetState(_framesIn == 0 ? CameraState.Connecting : CameraState.Reconnecting);
            var outcome = ReadSession(ct, ref backoff);
            if (outcome == SessionEnd.Ended || ct.IsCancellationRequested)
            {
                SetState(ct.IsCancellationRequested ? CameraState.Stopped : CameraState.Ended);
                return;
            }

            SetState(CameraState.Reconnecting);
            Interlocked.Increment(ref _reconnects);
            if (ct.WaitHandle.WaitOne(backoff))
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }

        SetState(CameraState.Stopped);
    }

    private enum SessionEnd
    {
        Failed,
        Ended,
    }

    private SessionEnd ReadSession(CancellationToken ct, ref TimeSpan backoff)
    {
        IFrameReader reader;
        try
        {
            reader = _source.IsFile || _source.IsDevice ? new OpenCvFrameReader(_source) : new FfmpegFrameReader(_source, _options.StallTimeout);
        }
        catch (ArgusException e)
        {
            Fail(e.Message);
            return SessionEnd.Failed;
        }
        catch (OpenCVException e)
        {
            Fail($"cannot open {_source.Redacted}: {e.Message}");
            return SessionEnd.Failed;
        }

        using (reader)
        {
            var fps = reader.DeclaredFps ?? 25;
            var pace = _source.IsFile && _options.RealTimeReplay ? TimeSpan.FromSeconds(1 / fps) : TimeSpan.Zero;
            var rate = new RateMeter();
            var next = Stopwatch.GetTimestamp();
            var delivered = false;
            while (!ct.IsCancellationRequested)
            {
                var image = reader.Read(out var error);
                if (image is null)
                {
                    if (error is not null)
                    {
                        return Failed(error);
                    }

                    if (_source.IsFile && !_source.Loop)
                    {
                        return delivered ? SessionEnd.Ended : Failed($"{_source.Redacted} has no readable frames");
                    }

                    if (reader is OpenCvFrameReader file && _source.IsFile)
                    {
                        file.Rewind();
                        continue;
                    }

                    return Failed("the stream ended");
                }

                if (image.Type() != MatType.CV_8UC3)
                {
                    image.Dispose();
                    return Failed($"unexpected frame format {image.Type()}");
                }

                string? resolutionChange = null;
                lock (_gate)
                {
                    if (_size is { } size && size != image.Size())
                    {
                        resolutionChange = $"resolution changed from {size.Width}x{size.Height} to {image.Width}x{image.Height}; reconnecting";
                        _size = null;
                    }
                    else
                    {
                        _size = image.Size();
                        _state = CameraState.Running;
                    }
                }

                if (resolutionChange is not null)
                {
                    image.Dispose();
                    return Failed(resolutionChange);
                }

                delivered = true;
                backoff = _options.InitialBackoff;
                var number = Interlocked.Increment(ref _framesIn);
                Slot.Put(new Frame(image, number, _time.GetUtcNow()));
                var fpsIn = rate.Tick();
                lock (_gate)
                {
                    _fpsIn = fpsIn;
                }

                if (pace > TimeSpan.Zero)
                {
                    next += (long)(pace.TotalSeconds * Stopwatch.Frequency);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                    if (wait > TimeSpan.Zero && ct.WaitHandle.WaitOne(wait))
                    {
                        break;
                    }
                }
            }
        }

        return SessionEnd.Failed;
    }

    private SessionEnd Failed(string message)
    {
        Fail(message);
        return SessionEnd.Failed;
    }

    private void Fail(string message)
    {
        lock (_gate)
        {
            _lastError = message;
            _lastErrorAt = _time.GetUtcNow();
        }
    }

    private void SetState(CameraState state)
    {
        lock (_gate)
        {
            _state = state;
        }
    }
}

/// <summary>Events per second over the last few seconds.</summary>
internal sealed class RateMeter(double windowSeconds = 5)
{
    private readonly Queue<long> _ticks = new();

    public double Tick()
    {
        var now = Stopwatch.GetTimestamp();
        _ticks.Enqueue(now);
        var horizon = now - (long)(windowSeconds * Stopwatch.Frequency);
        while (_ticks.Count > 1 && _ticks.Peek() < horizon)
        {
            _ticks.Dequeue();
        }

        var span = (now - _ticks.Peek()) / (double)Stopwatch.Frequency;
        return span > 0 ? (_ticks.Count - 1) / span : 0;
    }
}
