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

/// <summary>A track's decision that it is this subject.</summary>
public sealed record TrackDecision(Track Track, FaceMatch Match, int SupportingShots, byte[] Snapshot, Shot BestShot);

/// <summary>
/// Decides on the track, not the frame: each good shot that matches votes for its subject, and a subject is
/// confirmed once it has <see cref="DecisionOptions.RequiredShots"/> votes, which cuts false alerts from single bad
/// frames. Votes live only as long as the track.
/// </summary>
public sealed class TrackDecider(DecisionOptions options)
{
    private readonly Dictionary<long, Dictionary<long, Votes>> _votes = [];

    /// <summary>Records a matching shot; returns a decision the first time the track reaches the required votes, and each improvement after.</summary>
    public TrackDecision? Vote(Track track, Shot shot, FaceMatch match, Func<byte[]> snapshot)
    {
        if (!_votes.TryGetValue(track.Id, out var bySubject))
        {
            _votes[track.Id] = bySubject = [];
        }

        if (!bySubject.TryGetValue(match.SubjectId, out var votes))
        {
            bySubject[match.SubjectId] = votes = new Votes();
        }

        votes.Count++;
        if (match.Score > (votes.Best?.Score ?? float.NegativeInfinity))
        {
            votes.Best = match;
            votes.BestShot = shot;
            votes.Snapshot = snapshot();
        }

        return votes.Count >= options.RequiredShots
            ? new TrackDecision(track, votes.Best!, votes.Count, votes.Snapshot!, votes.BestShot!)
            : null;
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
    }
}
