namespace Argus.Video;

public enum CameraState
{
    Connecting,
    Running,
    Reconnecting,

    /// <summary>A replayed file reached its end (and does not loop).</summary>
    Ended,
    Stopped,
}

/// <summary>What an operator sees per camera: is it delivering, how fast, what went wrong last.</summary>
public sealed record CameraHealth(
    CameraState State,
    double FpsIn,
    double FpsAnalysed,
    long FramesIn,
    long FramesAnalysed,
    long FramesDropped,
    long Reconnects,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int? Width,
    int? Height)
{
    /// <summary>Frames not matched because their frame time was already too old when the analyser took them.</summary>
    public long FramesStale { get; init; }

    /// <summary>The frame time of the newest frame read (the source's clock mapped to wall time), null before the first.</summary>
    public DateTimeOffset? LastFrameAt { get; init; }
}
