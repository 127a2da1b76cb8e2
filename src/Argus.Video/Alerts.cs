using Argus.Core.Alerts;

namespace Argus.Video;

/// <summary>
/// A watchlist alert. A camera publishes one when a track is first decided to be a person on one deployment's
/// watchlists (<see cref="IsUpdate"/> false) and again when the same track's decision improves (true); the alert feed
/// then decides whether it raises a stored alert or updates the open one of the same episode, and publishes the
/// alert as stored (<see cref="AlertId"/> the stored id, <see cref="IsUpdate"/> whether it updated one, and
/// <see cref="Status"/>). A reviewer's decision is published as the same alert with <see cref="IsDecision"/> set.
/// </summary>
public sealed record AlertEvent(
    string AlertId,
    string CameraId,
    string? Site,
    long TrackId,
    FaceMatch Match,
    int SupportingShots,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset RaisedAt,
    byte[] SnapshotPng,
    bool IsUpdate)
{
    /// <summary>The deployment whose authorisation the match used (each of several overlapping deployments alerts on its own).</summary>
    public string Deployment { get; init; } = "";

    /// <summary>The watchlist the matched entry is on (set by the feed), so a live view can filter without reading the store.</summary>
    public string? Watchlist { get; init; }

    /// <summary>The frame time of the shot that decided (or last improved) the alert.</summary>
    public DateTimeOffset DecidingFrameAt { get; init; }

    /// <summary>The stored alert's status when it was published; null on a camera's own event before the feed stored it.</summary>
    public AlertStatus? Status { get; init; }

    /// <summary>A reviewer confirmed or dismissed the alert: <see cref="Status"/> is the new status; no snapshot is resent.</summary>
    public bool IsDecision { get; init; }

    /// <summary>On a decision: who decided.</summary>
    public string? DecidedBy { get; init; }

    /// <summary>On a decision: <c>confirm</c> or <c>dismiss</c>.</summary>
    public string? Verdict { get; init; }

    /// <summary>On a decision: when it was taken.</summary>
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>
    /// From the first frame the person's track was seen in (its frame time, not when a detector first reported it
    /// nor when the frame reached the analyser) to the alert.
    /// </summary>
    public TimeSpan Latency => RaisedAt - FirstSeenAt;

    /// <summary>The event's name on the live stream, in webhooks and in <c>argus watch --json</c>.</summary>
    public string Kind => IsDecision ? "alert.decided" : IsUpdate ? "alert.updated" : "alert.raised";
}

/// <summary>Where alerts go: the in-process stream, later the server hub and webhooks.</summary>
public interface IAlertSink
{
    void Publish(AlertEvent alert);
}
