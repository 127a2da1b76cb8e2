using Argus.Core.Faces;

namespace Argus.Video;

public sealed record TrackerOptions
{
    /// <summary>IoU with the track's last box above which a detection continues the track.</summary>
    public float MinIou { get; init; } = 0.3f;

    /// <summary>Template similarity above which a detection continues a track even without overlap (after occlusion).</summary>
    public float MinSimilarity { get; init; } = 0.5f;

    /// <summary>Analysed frames a track survives unseen (occlusion) before it ends.</summary>
    public int MaxMissedFrames { get; init; } = 10;

    /// <summary>Best shots kept per track.</summary>
    public int BestShots { get; init; } = 5;
}

/// <summary>One shot of a tracked face, with the quality score used to rank shots.</summary>
public sealed record Shot(Face Face, long FrameNumber, DateTimeOffset At, float Quality);

/// <summary>A face followed across frames. Only lives in memory; discarded when it ends without a match.</summary>
public sealed class Track
{
    private readonly List<Shot> _best = [];

    internal Track(long id, Shot first)
    {
        Id = id;
        FirstSeenAt = first.At;
        FirstFrame = first.FrameNumber;
        Last = first;
    }

    public long Id { get; }

    public DateTimeOffset FirstSeenAt { get; }

    public long FirstFrame { get; }

    public Shot Last { get; private set; }

    public int Hits { get; private set; }

    public int Missed { get; internal set; }

    /// <summary>The best shots so far, best first.</summary>
    public IReadOnlyList<Shot> BestShots => _best;

    /// <summary>Adds a shot; returns true when it is among the best kept.</summary>
    internal bool Add(Shot shot, int keep)
    {
        Last = shot;
        Hits++;
        Missed = 0;
        var index = _best.FindIndex(s => s.Quality < shot.Quality);
        if (index < 0)
        {
            if (_best.Count >= keep)
            {
                return false;
            }

            _best.Add(shot);
            return true;
        }

        _best.Insert(index, shot);
        if (_best.Count > keep)
        {
            _best.RemoveAt(_best.Count - 1);
        }

        return true;
    }
}

/// <summary>
/// Associates the faces of each analysed frame with tracks: greedily by the best pairing score, where a pair counts
/// if the boxes overlap (IoU) or the templates are alike (similarity, which carries a track through an occlusion).
/// </summary>
public sealed class FaceTracker(TrackerOptions options)
{
    private readonly List<Track> _tracks = [];
    private long _nextId = 1;

    public IReadOnlyList<Track> Active => _tracks;

    /// <summary>Feeds one frame's faces; returns the shots that entered a track's best set and the tracks that ended.</summary>
    public (List<(Track Track, Shot Shot)> NewBest, List<Track> Ended) Update(IReadOnlyList<Face> faces, long frameNumber, DateTimeOffset at)
    {
        var pairs = new List<(float Score, int Track, int Face)>();
        for (var t = 0; t < _tracks.Count; t++)
        {
            for (var f = 0; f < faces.Count; f++)
            {
                var iou = _tracks[t].Last.Face.Box.IntersectionOverUnion(faces[f].Box);
                var similarity = Similarity(_tracks[t], faces[f]);
                if (iou >= options.MinIou || similarity >= options.MinSimilarity)
                {
                    pairs.Add((iou + Math.Max(0, similarity), t, f));
                }
            }
        }

        pairs.Sort((a, b) => b.Score.CompareTo(a.Score));
        var trackTaken = new bool[_tracks.Count];
        var faceTaken = new bool[faces.Count];
        var newBest = new List<(Track, Shot)>();
        foreach (var (_, t, f) in pairs)
        {
            if (trackTaken[t] || faceTaken[f])
            {
                continue;
            }

            trackTaken[t] = faceTaken[f] = true;
            var shot = new Shot(faces[f], frameNumber, at, ShotQuality.Score(faces[f]));
            if (_tracks[t].Add(shot, options.BestShots))
            {
                newBest.Add((_tracks[t], shot));
            }
        }

        var ended = new List<Track>();
        for (var t = _tracks.Count - 1; t >= 0; t--)
        {
            if (!trackTaken[t] && ++_tracks[t].Missed > options.MaxMissedFrames)
            {
                ended.Add(_tracks[t]);
                _tracks.RemoveAt(t);
            }
        }

        for (var f = 0; f < faces.Count; f++)
        {
            if (!faceTaken[f])
            {
                var shot = new Shot(faces[f], frameNumber, at, ShotQuality.Score(faces[f]));
                var track = new Track(_nextId++, shot);
                track.Add(shot, options.BestShots);
                _tracks.Add(track);
                newBest.Add((track, shot));
            }
        }

        return (newBest, ended);
    }

    /// <summary>Ends every track (stream stopped).</summary>
    public List<Track> Flush()
    {
        var all = _tracks.ToList();
        _tracks.Clear();
        return all;
    }

    private static float Similarity(Track track, Face face) =>
        track.Last.Face.Embedding is { } a && face.Embedding is { } b ? a.Similarity(b) : -1f;
}

/// <summary>
/// Ranks shots of one person. Embeddings of larger, sharper, frontal faces match better (same-person similarity
/// falls from 0.78 at full size to 0.72 at 40 px, docs/accuracy.md; 0.41 under heavy blur, models.md), so the score
/// multiplies size, sharpness, pose and detector factors, each in [0, 1]; an unembeddable face scores 0. Whether a
/// face is too small to trust is the engine's measured gate (<c>FaceEngineOptions.MinFaceSize</c>), not this score:
/// the size factor is proportional (side / 112) so that a face above the gate is ranked lower, not rejected (the old
/// factor, (side - 32) / 80, put 39% of 40 px dev faces under <see cref="DecisionOptions.MinShotQuality"/> while
/// their embeddings still verified at 98.9%).
/// </summary>
public static class ShotQuality
{
    public static float Score(Face face)
    {
        if (!face.IsUsable)
        {
            return 0f;
        }

        var q = face.Quality;
        var size = Math.Clamp(q.FaceSize / 112f, 0.05f, 1f);
        var sharpness = q.Sharpness is { } s ? Math.Clamp(s / 200f, 0.1f, 1f) : 0.5f;
        var pose = q.Pose is { } p ? Math.Clamp(1f - ((Math.Abs(p.Yaw) + Math.Abs(p.Pitch)) / 90f), 0.1f, 1f) : Frontalness(face.Landmarks);
        var norm = q.EmbeddingNorm is { } n ? Math.Clamp((n - 2f) / 2f, 0.1f, 1f) : 0.5f;
        return size * sharpness * pose * norm * q.DetectorScore;
    }

    /// <summary>
    /// A free stand-in for the pose model: how far the nose tip sits from the midpoint of the eyes, in eye distances
    /// (about 0 frontal, 0.5 and more near profile), mapped to [0.1, 1].
    /// </summary>
    internal static float Frontalness(Landmarks5 l)
    {
        var eyes = l.InterEyeDistance;
        if (eyes < 1f)
        {
            return 0.1f;
        }

        var offset = MathF.Abs(l.Nose.X - ((l.LeftEye.X + l.RightEye.X) / 2f)) / eyes;
        return Math.Clamp(1f - (2f * offset), 0.1f, 1f);
    }
}
