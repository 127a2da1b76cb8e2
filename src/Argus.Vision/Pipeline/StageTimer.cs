using System.Diagnostics;

namespace Argus.Vision.Pipeline;

internal enum Stage
{
    Decode,
    Detect,
    Landmarks,
    Align,
    Pose,
    Liveness,
    Embed,
}

/// <summary>Accumulates wall time per pipeline stage for the benchmark; one instance per worker thread.</summary>
internal sealed class StageTimer
{
    private readonly long[] _ticks = new long[Enum.GetValues<Stage>().Length];
    private readonly long[] _counts = new long[Enum.GetValues<Stage>().Length];
    private long _last;

    public void Start() => _last = Stopwatch.GetTimestamp();

    public void Lap(Stage stage)
    {
        var now = Stopwatch.GetTimestamp();
        _ticks[(int)stage] += now - _last;
        _counts[(int)stage]++;
        _last = now;
    }

    public void Add(StageTimer other)
    {
        for (var i = 0; i < _ticks.Length; i++)
        {
            _ticks[i] += other._ticks[i];
            _counts[i] += other._counts[i];
        }
    }

    /// <summary>Mean milliseconds per call of <paramref name="stage"/>, or 0 if it never ran.</summary>
    public double MeanMilliseconds(Stage stage) =>
        _counts[(int)stage] == 0 ? 0 : _ticks[(int)stage] * 1000.0 / Stopwatch.Frequency / _counts[(int)stage];

    public double TotalMilliseconds(Stage stage) => _ticks[(int)stage] * 1000.0 / Stopwatch.Frequency;
}
