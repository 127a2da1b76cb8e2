using System.Diagnostics;
using Argus.Core;
using OpenCvSharp;

namespace Argus.Video;

/// <summary>Reconnection and pacing settings of a reader.</summary>
public sealed record ReaderOptions
{
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest wait between attempts once an outage has lasted <see cref="FastRetryWindow"/>.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// For this long after a stream is lost, attempts are at most <see cref="FastRetryMaxBackoff"/> apart, so a source
    /// back after a short outage (a publisher restarting, a switch rebooting) is picked up within seconds.
    /// </summary>
    public TimeSpan FastRetryWindow { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan FastRetryMaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// No new decoded frame (by its presentation time, not merely bytes or repeated frames arriving) for this long is
    /// a stall: health shows it at once and the session is ended and reopened.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>ffmpeg's socket timeout (<c>-timeout</c>/<c>-rw_timeout</c>): a silent source ends the child after this.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long connecting may take until the first frame arrives.</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Replay files at their own frame rate (as a live camera would deliver them) rather than as fast as possible.</summary>
    public bool RealTimeReplay { get; init; } = true;
}

/// <summary>
/// Reads one camera on its own thread into a <see cref="FrameSlot"/>, so a broken or slow camera never stalls
/// another. A lost stream is reopened with exponential backoff (0.5 s doubling, at most 2 s apart for the first minute
/// of an outage, then up to 30 s); a stream that stalls, sends garbage or changes resolution mid-stream puts the
/// camera in <see cref="CameraState.Reconnecting"/> with a message. Each frame is timed by the source's presentation
/// time mapped to wall time (the smallest arrival-minus-pts seen in the session, so frames of a start-up burst get
/// the times they were captured, not the time they arrived); a frame whose presentation time does not advance is
/// stale and never delivered, and no new frame for <see cref="ReaderOptions.StallTimeout"/> shows as an outage in
/// <see cref="Health"/> at once, while the blocked read is still waiting to time out.
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
    private long _lastNewFrameTicks;
    private DateTimeOffset? _lastFrameAt;
    private long _staleFrames;

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
            var state = _state;
            var error = _lastError;
            var errorAt = _lastErrorAt;
            var silent = Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastNewFrameTicks));
            if (state == CameraState.Running && silent > _options.StallTimeout)
            {
                // The reader thread is still blocked in a read that has not timed out yet; the outage is already true.
                state = CameraState.Reconnecting;
                error = $"no new frame for {silent.TotalSeconds:0.0} s: the stream stalled";
                errorAt = _time.GetUtcNow();
            }

            return new CameraHealth(
                state, _fpsIn, fpsAnalysed, Interlocked.Read(ref _framesIn), framesAnalysed, Slot.Dropped, Interlocked.Read(ref _reconnects),
                error, errorAt, _size?.Width, _size?.Height)
            {
                LastFrameAt = _lastFrameAt,
            };
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
        long? outageSince = null;
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
            if (backoff == _options.InitialBackoff)
            {
                outageSince = Stopwatch.GetTimestamp();
            }

            if (ct.WaitHandle.WaitOne(backoff))
            {
                break;
            }

            var cap = outageSince is { } since && Stopwatch.GetElapsedTime(since) < _options.FastRetryWindow
                ? TimeSpan.FromTicks(Math.Min(_options.FastRetryMaxBackoff.Ticks, _options.MaxBackoff.Ticks))
                : _options.MaxBackoff;
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, cap.Ticks));
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
            reader = _source.IsFile || _source.IsDevice ? new OpenCvFrameReader(_source) : new FfmpegFrameReader(_source, _options);
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
            var clock = new FrameClock();
            var pass = 0;
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
                        pass++;
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
                        if (_state != CameraState.Running)
                        {
                            // Running from the first frame of a session: the stall clock starts here.
                            Interlocked.Exchange(ref _lastNewFrameTicks, Stopwatch.GetTimestamp());
                        }

                        _state = CameraState.Running;
                    }
                }

                if (resolutionChange is not null)
                {
                    image.Dispose();
                    return Failed(resolutionChange);
                }

                var arrival = _time.GetUtcNow();
                var frameAt = clock.FrameTime(reader.LastPts, arrival, out var stale);
                if (stale)
                {
                    // Not a new picture (its presentation time did not advance): never analysed, and not progress.
                    Interlocked.Increment(ref _staleFrames);
                    image.Dispose();
                    if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastNewFrameTicks)) > _options.StallTimeout)
                    {
                        return Failed($"no new frame for {_options.StallTimeout.TotalSeconds:0.#} s (only repeated ones): the stream stalled");
                    }

                    continue;
                }

                delivered = true;
                backoff = _options.InitialBackoff;
                Interlocked.Exchange(ref _lastNewFrameTicks, Stopwatch.GetTimestamp());
                var number = Interlocked.Increment(ref _framesIn);
                lock (_gate)
                {
                    _lastFrameAt = frameAt;
                }

                Slot.Put(new Frame(image, number, frameAt) { Pass = pass });
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

/// <summary>
/// Maps a source's presentation times to wall time for one session: frame time = pts + the smallest
/// (arrival - pts) seen so far. Frames delivered late in a burst (ffmpeg's start-up probe, a network hiccup) get the
/// time they were captured rather than the time they arrived; a frame whose pts does not advance is stale; a pts that
/// jumps back by more than a second is a new timeline (the source restarted its clock) and starts the mapping again.
/// Without a pts the arrival time is the frame time.
/// </summary>
internal sealed class FrameClock
{
    private double? _lastPts;
    private TimeSpan _offset;

    public DateTimeOffset FrameTime(double? pts, DateTimeOffset arrival, out bool stale)
    {
        stale = false;
        if (pts is not { } p)
        {
            return arrival;
        }

        if (_lastPts is { } last)
        {
            if (p <= last && last - p < 1)
            {
                stale = true;
                return arrival;
            }

            if (p < last)
            {
                _lastPts = null;
            }
        }

        var offset = arrival - DateTimeOffset.UnixEpoch - TimeSpan.FromSeconds(p);
        _offset = _lastPts is null || offset < _offset ? offset : _offset;
        _lastPts = p;
        return DateTimeOffset.UnixEpoch + _offset + TimeSpan.FromSeconds(p);
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
