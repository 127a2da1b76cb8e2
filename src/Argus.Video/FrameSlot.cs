using OpenCvSharp;

namespace Argus.Video;

/// <summary>A frame with its capture time and its number in the stream.</summary>
public sealed class Frame(Mat image, long number, DateTimeOffset capturedAt) : IDisposable
{
    public Mat Image { get; } = image;

    public long Number { get; } = number;

    public DateTimeOffset CapturedAt { get; } = capturedAt;

    /// <summary>
    /// How many times a looped file had been replayed in full before this frame (0 for live sources): later passes
    /// show footage already analysed, so the pipeline matches them only against matchers that have not seen it.
    /// </summary>
    public int Pass { get; init; }

    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Holds only the latest frame: the reader overwrites it, the analyser takes it. A frame replaced before anyone took
/// it is dropped and counted; nothing queues without bound, so a slow analyser never delays the next frame.
/// </summary>
public sealed class FrameSlot : IDisposable
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _available = new(0, 1);
    private Frame? _frame;
    private long _dropped;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Put(Frame frame)
    {
        Frame? replaced;
        lock (_gate)
        {
            replaced = _frame;
            _frame = frame;
            if (replaced is null)
            {
                _available.Release();
            }
        }

        if (replaced is not null)
        {
            Interlocked.Increment(ref _dropped);
            replaced.Dispose();
        }
    }

    /// <summary>Waits for a frame and takes it (the caller disposes it).</summary>
    public async Task<Frame> TakeAsync(CancellationToken ct)
    {
        await _available.WaitAsync(ct);
        lock (_gate)
        {
            var frame = _frame!;
            _frame = null;
            return frame;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _frame?.Dispose();
            _frame = null;
        }

        _available.Dispose();
    }
}
