namespace Argus.Video;

/// <summary>
/// A watchlist alert from a camera. <see cref="IsUpdate"/> marks a later, better-supported version of an alert
/// already raised for the same person on the same camera within the cool-down.
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
    /// <summary>Time from the first frame the face was visible in to the alert.</summary>
    public TimeSpan Latency => RaisedAt - FirstSeenAt;
}

/// <summary>Where alerts go: the in-process stream, later the server hub and webhooks.</summary>
public interface IAlertSink
{
    void Publish(AlertEvent alert);
}

/// <summary>
/// One alert per person per camera within the cool-down: a new track of the same person updates the alert instead of
/// raising another. An update is issued only when it says something new: a score at least
/// <see cref="MinScoreGain"/> better, or at least twice the supporting shots. Otherwise a person standing in view
/// would update the alert (store, audit, webhooks) at every analysed frame.
/// </summary>
public sealed class AlertCooldown(TimeSpan coolDown)
{
    /// <summary>Score gain worth an update: a still face's best score creeps up by thousandths (0.7432, 0.7452 in the CLI test clip).</summary>
    public const float MinScoreGain = 0.01f;

    private readonly Dictionary<(string Camera, long Subject), (string Id, DateTimeOffset At, int Shots, float Score)> _recent = [];

    /// <summary>Returns the alert to publish, or null when it adds nothing to one already raised.</summary>
    public AlertEvent? Admit(TrackDecision decision, string camera, string? site, DateTimeOffset now)
    {
        foreach (var stale in _recent.Where(r => now - r.Value.At >= coolDown).Select(r => r.Key).ToList())
        {
            _recent.Remove(stale);
        }

        var key = (camera, decision.Match.SubjectId);
        if (_recent.TryGetValue(key, out var previous) && now - previous.At < coolDown)
        {
            if (decision.SupportingShots < 2 * previous.Shots && decision.Match.Score < previous.Score + MinScoreGain)
            {
                return null;
            }

            _recent[key] = (previous.Id, previous.At, Math.Max(previous.Shots, decision.SupportingShots), Math.Max(previous.Score, decision.Match.Score));
            return Create(previous.Id, decision, camera, site, now, isUpdate: true);
        }

        var id = Guid.NewGuid().ToString("N");
        _recent[key] = (id, now, decision.SupportingShots, decision.Match.Score);
        return Create(id, decision, camera, site, now, isUpdate: false);
    }

    private static AlertEvent Create(string id, TrackDecision d, string camera, string? site, DateTimeOffset now, bool isUpdate) =>
        new(id, camera, site, d.Track.Id, d.Match, d.SupportingShots, d.Track.FirstSeenAt, now, d.Snapshot, isUpdate);
}
