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
    int? Height);
