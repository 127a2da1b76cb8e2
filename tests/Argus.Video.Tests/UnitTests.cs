using System.Numerics;
using Argus.Core;
using Argus.Core.Faces;
using OpenCvSharp;

namespace Argus.Video.Tests;

internal static class Faces
{
    private static readonly EmbeddingContract Contract = new("test", new string('0', 64), 1, 4);

    public static Face At(float x, float y, float size, float[]? embedding = null, float sharpness = 300, float yaw = 0) => new(
        new BoundingBox(x, y, size, size), 0.99f,
        new Landmarks5(new Vector2(x + (size * 0.3f), y + (size * 0.4f)), new Vector2(x + (size * 0.7f), y + (size * 0.4f)), new Vector2(x + (size * 0.5f), y + (size * 0.6f)), default, default),
        new float[136],
        new FaceQuality(size, size * 0.4f, 0.99f, 3.5f, sharpness, new HeadPose(yaw, 0, 0)),
        FaceStatus.Ok,
        Embedding.FromRaw(embedding ?? [1, 0, 0, 0], Contract),
        null);
}

[Trait("Category", "Unit")]
public sealed class FrameSlotTests
{
    [Fact]
    public async Task Keeps_only_the_latest_frame_and_counts_what_it_dropped()
    {
        using var slot = new FrameSlot();
        for (var i = 1; i <= 5; i++)
        {
            slot.Put(new Frame(new Mat(2, 2, MatType.CV_8UC3), i, DateTimeOffset.UnixEpoch));
        }

        using var frame = await slot.TakeAsync(CancellationToken.None);
        Assert.Equal(5, frame.Number);
        Assert.Equal(4, slot.Dropped);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slot.TakeAsync(cts.Token));
    }
}

[Trait("Category", "Unit")]
public sealed class TrackerTests
{
    private static readonly DateTimeOffset T = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Overlapping_boxes_continue_a_track_and_new_faces_start_one()
    {
        var tracker = new FaceTracker(new TrackerOptions());
        tracker.Update([Faces.At(100, 100, 50)], 1, T);
        tracker.Update([Faces.At(105, 102, 50), Faces.At(400, 100, 50, [0, 1, 0, 0])], 2, T);
        Assert.Equal(2, tracker.Active.Count);
        Assert.Equal(2, tracker.Active.Single(t => t.Last.Face.Box.X == 105).Hits);
    }

    [Fact]
    public void A_track_keeps_its_id_through_a_short_occlusion_by_its_template()
    {
        var tracker = new FaceTracker(new TrackerOptions { MaxMissedFrames = 5 });
        tracker.Update([Faces.At(100, 100, 50, [1, 0, 0, 0])], 1, T);
        var id = tracker.Active[0].Id;
        for (var f = 2; f <= 4; f++)
        {
            tracker.Update([], f, T);
        }

        // Reappears elsewhere (walked behind a pillar): no overlap, same template.
        tracker.Update([Faces.At(300, 120, 50, [0.99f, 0.1f, 0, 0])], 5, T);
        Assert.Equal(id, Assert.Single(tracker.Active).Id);
    }

    [Fact]
    public void A_track_ends_after_too_many_missed_frames()
    {
        var tracker = new FaceTracker(new TrackerOptions { MaxMissedFrames = 2 });
        tracker.Update([Faces.At(100, 100, 50)], 1, T);
        Assert.Empty(tracker.Update([], 2, T).Ended);
        Assert.Empty(tracker.Update([], 3, T).Ended);
        Assert.Single(tracker.Update([], 4, T).Ended);
        Assert.Empty(tracker.Active);
    }

    [Fact]
    public void Best_shots_keep_the_highest_quality_first()
    {
        var tracker = new FaceTracker(new TrackerOptions { BestShots = 2 });
        tracker.Update([Faces.At(100, 100, 40, sharpness: 50)], 1, T);
        tracker.Update([Faces.At(100, 100, 100, sharpness: 400)], 2, T);
        var (newBest, _) = tracker.Update([Faces.At(100, 100, 40, sharpness: 10)], 3, T);
        Assert.Empty(newBest); // worse than both kept shots
        var best = tracker.Active[0].BestShots;
        Assert.Equal([2L, 1L], best.Select(s => s.FrameNumber));
    }

    [Fact]
    public void Shot_quality_prefers_large_sharp_frontal_faces()
    {
        Assert.True(ShotQuality.Score(Faces.At(0, 0, 120)) > ShotQuality.Score(Faces.At(0, 0, 40)));
        Assert.True(ShotQuality.Score(Faces.At(0, 0, 120)) > ShotQuality.Score(Faces.At(0, 0, 120, sharpness: 20)));
        Assert.True(ShotQuality.Score(Faces.At(0, 0, 120)) > ShotQuality.Score(Faces.At(0, 0, 120, yaw: 60)));
    }
}

[Trait("Category", "Unit")]
public sealed class DecisionTests
{
    private static readonly DateTimeOffset T = DateTimeOffset.UnixEpoch;

    [Fact]
    public void A_single_matching_shot_raises_nothing_two_confirm()
    {
        var (track, shot) = OneTrack();
        var decider = new TrackDecider(new DecisionOptions { RequiredShots = 2 });
        var match = new FaceMatch(7, 70, "A", 0.6f);
        Assert.Null(decider.Vote(track, shot, match, () => [1]));
        var decision = decider.Vote(track, shot, match with { Score = 0.7f }, () => [2]);
        Assert.NotNull(decision);
        Assert.Equal(2, decision.SupportingShots);
        Assert.Equal(0.7f, decision.Match.Score);
        Assert.Equal([2], decision.Snapshot);
    }

    [Fact]
    public void Votes_for_different_subjects_do_not_add_up()
    {
        var (track, shot) = OneTrack();
        var decider = new TrackDecider(new DecisionOptions { RequiredShots = 2 });
        Assert.Null(decider.Vote(track, shot, new FaceMatch(1, 1, "A", 0.5f), () => []));
        Assert.Null(decider.Vote(track, shot, new FaceMatch(2, 2, "B", 0.5f), () => []));
        decider.Forget(track);
        Assert.False(decider.HasVotes(track));
    }

    [Fact]
    public void A_decided_track_is_reissued_only_when_it_says_something_new()
    {
        // Replaces the camera-side cool-down test: whether a decision raises or updates a stored alert is now the
        // alert feed's call (one cool-down, per deployment and episode); the camera only stops repeating itself.
        var (track, shot) = OneTrack();
        var decider = new TrackDecider(new DecisionOptions { RequiredShots = 2 });
        Assert.Null(decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.6f), () => []));
        var first = decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.6f), () => []);
        Assert.False(first!.IsImprovement);
        Assert.Null(decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.605f), () => []));
        var better = decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.7f), () => []);
        Assert.True(better!.IsImprovement);
        Assert.Equal((4, 0.7f), (better.SupportingShots, better.Match.Score));

        // Four more shots at about the same score: nothing new until the shots double.
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.7f), () => []));
        }

        Assert.Equal(8, decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.7f), () => [])!.SupportingShots);
    }

    [Fact]
    public void Votes_under_two_deployments_are_counted_and_decided_apart()
    {
        var (track, shot) = OneTrack();
        var decider = new TrackDecider(new DecisionOptions { RequiredShots = 2 });
        Assert.Null(decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.6f), () => [], "site-wide"));
        Assert.Null(decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.6f), () => [], "match-day"));
        Assert.Equal("site-wide", decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.6f), () => [], "site-wide")!.Deployment);
        Assert.Equal("match-day", decider.Vote(track, shot, new FaceMatch(7, 70, "A", 0.6f), () => [], "match-day")!.Deployment);
    }

    private static (Track Track, Shot Shot) OneTrack()
    {
        var tracker = new FaceTracker(new TrackerOptions());
        var (newBest, _) = tracker.Update([Faces.At(10, 10, 80)], 1, T);
        return newBest[0];
    }
}

[Trait("Category", "Unit")]
public sealed class CameraSourceTests
{
    [Theory]
    [InlineData("")]
    [InlineData("ftp://cam/stream")]
    [InlineData("device:front")]
    public void Refuses_unsupported_sources(string uri)
    {
        Assert.Equal("camera.source_invalid", Assert.Throws<ArgusException>(() => CameraSource.Parse(uri)).Code);
    }

    [Fact]
    public void Credentials_never_appear_in_health_or_errors()
    {
        var source = CameraSource.Parse("rtsp://admin:secret@10.0.0.5/stream1");
        Assert.Equal("rtsp://***@10.0.0.5/stream1", source.Redacted);
        Assert.True(CameraSource.Parse("clip.mp4").IsFile);
        Assert.True(CameraSource.Parse("device:0").IsDevice);
    }
}

[Trait("Category", "Unit")]
public sealed class FrontalnessTests
{
    [Fact]
    public void A_nose_between_the_eyes_is_frontal_and_one_beside_an_eye_is_not()
    {
        var frontal = new Landmarks5(new Vector2(40, 50), new Vector2(80, 50), new Vector2(60, 70), default, default);
        var turned = frontal with { Nose = new Vector2(78, 70) };
        Assert.Equal(1f, ShotQuality.Frontalness(frontal), 3);
        Assert.True(ShotQuality.Frontalness(turned) < 0.2f);
    }
}
