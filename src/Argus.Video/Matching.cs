using Argus.Core.Faces;

namespace Argus.Video;

/// <summary>A watchlist hit for one face: who, through which template, how strongly.</summary>
public sealed record FaceMatch(long SubjectId, long TemplateId, string Label, float Score);

/// <summary>
/// Compares a face with what the camera's deployment allows (its watchlists' active entries) and returns the best
/// candidate at or above the threshold, or null. Outside a deployment there is no matcher and no face is compared.
/// </summary>
public interface IFaceMatcher
{
    FaceMatch? BestMatch(Embedding probe);
}

public sealed record DecisionOptions
{
    /// <summary>Good shots of a track that must each match the same subject before an alert is raised.</summary>
    public int RequiredShots { get; init; } = 2;

    /// <summary>Shots scoring below this <see cref="ShotQuality"/> are not compared at all.</summary>
    public float MinShotQuality { get; init; } = 0.02f;
}

/// <summary>A track's decision that it is this subject, under the deployment whose watchlists matched.</summary>
public sealed record TrackDecision(Track Track, FaceMatch Match, int SupportingShots, byte[] Snapshot, Shot BestShot, string Deployment = "")
{
    /// <summary>True when this track was already decided for this subject (an improvement, not a first decision).</summary>
    public bool IsImprovement { get; init; }
}

/// <summary>
/// Decides on the track, not the frame: each good shot that matches votes for its subject (separately per deployment,
/// since each deployment's watchlists are matched under its own authorisation), and a subject is confirmed once it
/// has <see cref="DecisionOptions.RequiredShots"/> votes, which cuts false alerts from single bad frames. After that a
/// decision is issued again only when it says something new: a score at least <see cref="MinScoreGain"/> better, or
/// at least twice the supporting shots; otherwise a person standing in view would update the alert (store, audit,
/// webhooks) at every analysed frame. Votes live only as long as the track. Whether a decision raises a new alert or
/// updates an open one is the alert feed's call (one cool-down, kept with the stored alerts), not the camera's.
/// </summary>
public sealed class TrackDecider(DecisionOptions options)
{
    /// <summary>Score gain worth an update: a still face's best score creeps up by thousandths (0.7432, 0.7452 in the CLI test clip).</summary>
    public const float MinScoreGain = 0.01f;

    private readonly Dictionary<long, Dictionary<(string Deployment, long Subject), Votes>> _votes = [];

    /// <summary>Records a matching shot; returns a decision the first time the track reaches the required votes, and each real improvement after.</summary>
    public TrackDecision? Vote(Track track, Shot shot, FaceMatch match, Func<byte[]> snapshot, string deployment = "")
    {
        if (!_votes.TryGetValue(track.Id, out var bySubject))
        {
            _votes[track.Id] = bySubject = [];
        }

        var key = (deployment, match.SubjectId);
        if (!bySubject.TryGetValue(key, out var votes))
        {
            bySubject[key] = votes = new Votes();
        }

        votes.Count++;
        if (match.Score > (votes.Best?.Score ?? float.NegativeInfinity))
        {
            votes.Best = match;
            votes.BestShot = shot;
            votes.Snapshot = snapshot();
        }

        if (votes.Count < options.RequiredShots)
        {
            return null;
        }

        var improvement = votes.IssuedShots > 0;
        if (improvement && votes.Count < 2 * votes.IssuedShots && votes.Best!.Score < votes.IssuedScore + MinScoreGain)
        {
            return null;
        }

        votes.IssuedShots = votes.Count;
        votes.IssuedScore = votes.Best!.Score;
        return new TrackDecision(track, votes.Best, votes.Count, votes.Snapshot!, votes.BestShot!, deployment) { IsImprovement = improvement };
    }

    /// <summary>Forgets an ended track: nothing about it is kept.</summary>
    public void Forget(Track track) => _votes.Remove(track.Id);

    public bool HasVotes(Track track) => _votes.ContainsKey(track.Id);

    private sealed class Votes
    {
        public int Count { get; set; }

        public FaceMatch? Best { get; set; }

        public Shot? BestShot { get; set; }

        public byte[]? Snapshot { get; set; }

        public int IssuedShots { get; set; }

        public float IssuedScore { get; set; }
    }
}
