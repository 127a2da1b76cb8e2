using Argus.Bench;
using Argus.Tests;
using Argus.Vision.Pipeline;

namespace Argus.Video.Tests;

/// <summary>
/// Real video end to end: clips encoded with OpenCV's FFmpeg writer, replayed in real time through the camera
/// pipeline, with known people entering and leaving at known times.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RealTimeClips.Name)]
public sealed class ClipTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private const string Sheldon = "images/faceapi_sheldon/sheldon1.png";
    private const string SheldonInClip = "images/faceapi_sheldon/sheldon3.png";
    private const string Savage = "images/dlib_John_Savage/000264_01099001.jpg";
    private const string SavageInClip = "images/dlib_John_Savage/000290_01099067.jpg";
    private const string Stranger = "images/faceapi_penny/penny2.png";

    [SkippableFact]
    public async Task Exactly_the_enrolled_people_are_alerted_once_each_at_the_right_times()
    {
        using var dir = TestPaths.TempDirectory();
        var clip = Clips.Build(dir.File("scene.mp4"), 1280, 720, 10, 8,
            new Appearance(SheldonInClip, 0.5, 3.0, 200, 200, 200),
            new Appearance(Stranger, 1.5, 6.0, 800, 150, 200),
            new Appearance(SavageInClip, 4.0, 7.5, 450, 300, 180));
        var matcher = new PhotoMatcher(fixture.Engine, 0.45f, (1, "Sheldon", Sheldon), (2, "Savage", Savage));
        var alerts = new AlertCollector();
        var start = DateTimeOffset.UtcNow;
        // Faces of 180-200 px: whole-frame detection, so that the timing asserted below measures the alert path and
        // not the thirteen tiles small faces need on a CPU that other test runs share.
        var settings = new CameraSettings("cam1", "Platform 1", "north-station", CameraSource.Parse(clip)) { Tiling = TilingOptions.WholeFrame };
        await using (var pipeline = new CameraPipeline(settings, fixture.Engine, alerts, matcher))
        {
            pipeline.Start();
            await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(60));
            var counters = pipeline.Counters;
            Assert.True(counters.TracksEndedWithoutMatch >= 1, "the stranger's track should end unmatched");
            Assert.Equal(2, counters.AlertsRaised);
            Assert.Equal(CameraState.Ended, pipeline.Health.State);
            Assert.True(pipeline.Health.FramesAnalysed >= 30, $"analysed {pipeline.Health.FramesAnalysed} frames");
        }

        var raised = alerts.Alerts.Where(a => !a.IsUpdate).ToList();
        Assert.Equal(["Savage", "Sheldon"], raised.Select(a => a.Match.Label).Order());
        AssertAround(raised.Single(a => a.Match.Label == "Sheldon").FirstSeenAt - start, 0.5);
        AssertAround(raised.Single(a => a.Match.Label == "Savage").FirstSeenAt - start, 4.0);
        foreach (var alert in raised)
        {
            Assert.InRange(alert.Latency, TimeSpan.Zero, TimeSpan.FromSeconds(1.5));
            Assert.True(alert.SupportingShots >= 2);
            Assert.True(alert.SnapshotPng.Length > 1000);
            Assert.Equal("north-station", alert.Site);
        }
    }

    [SkippableFact]
    public async Task Without_a_deployment_no_face_is_compared()
    {
        using var dir = TestPaths.TempDirectory();
        var clip = Clips.Build(dir.File("scene.mp4"), 640, 360, 10, 2, new Appearance(SheldonInClip, 0, 2, 100, 50, 200));
        var alerts = new AlertCollector();
        await using var pipeline = new CameraPipeline(new CameraSettings("cam1", "Platform 1", null, CameraSource.Parse(clip)), fixture.Engine, alerts, matcher: null);
        pipeline.Start();
        await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(alerts.Alerts);
        Assert.Equal(0, pipeline.Counters.FacesSeen);
        Assert.True(pipeline.Health.FramesIn > 10);
    }

    [SkippableFact]
    public async Task Tiling_finds_a_small_face_in_a_1080p_frame_that_the_whole_frame_misses()
    {
        using var dir = TestPaths.TempDirectory();
        var clip = Clips.Build(dir.File("wide.mp4"), 1920, 1080, 10, 3, new Appearance(SheldonInClip, 0, 3, 1300, 700, 64));
        var matcher = new PhotoMatcher(fixture.Engine, 0.40f, (1, "Sheldon", Sheldon));

        async Task<int> Run(bool tiled)
        {
            var alerts = new AlertCollector();
            var settings = new CameraSettings("cam", "wide", null, CameraSource.Parse(clip)) { Tiling = new TilingOptions { Enabled = tiled } };
            await using var pipeline = new CameraPipeline(settings, fixture.Engine, alerts, matcher);
            pipeline.Start();
            await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(60));
            return alerts.Alerts.Count(a => !a.IsUpdate);
        }

        Assert.Equal(0, await Run(tiled: false));
        Assert.Equal(1, await Run(tiled: true));
    }

    [SkippableFact]
    public async Task A_looped_file_matches_its_people_on_the_first_pass_only()
    {
        // The demonstration's camera replays a clip in a loop; before, every pass was a new track and so a new alert
        // for anyone whose earlier alert a reviewer had decided (a new alert every 14 s on the demo's wall).
        using var dir = TestPaths.TempDirectory();
        var clip = Clips.Build(dir.File("loop.mp4"), 640, 360, 10, 5, new Appearance(SheldonInClip, 0.3, 1.5, 200, 60, 200));
        var matcher = new PhotoMatcher(fixture.Engine, 0.45f, (1, "Sheldon", Sheldon));
        var alerts = new AlertCollector();
        await using var pipeline = new CameraPipeline(new CameraSettings("cam1", "Loop", null, CameraSource.Parse(clip, loop: true)), fixture.Engine, alerts, matcher);
        pipeline.Start();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (pipeline.Health.FramesIn < 75)
        {
            // Past Sheldon's second appearance (frames 53-65), after 3.5 s without him: his track has ended by then.
            Assert.True(DateTimeOffset.UtcNow < deadline, $"only {pipeline.Health.FramesIn} of 75 frames arrived within 60 s");
            await Task.Delay(100);
        }

        // One track (the first pass's) published anything: later passes' tracks, each a new track of the same person,
        // would reach the alert feed, which raises a new alert for a sighting after a reviewer's decision.
        Assert.Equal(["Sheldon"], alerts.Alerts.Where(a => !a.IsUpdate).Select(a => a.Match.Label));
        Assert.Single(alerts.Alerts.Select(a => a.TrackId).Distinct());
        Assert.True(pipeline.Health.FramesAnalysed > 20, $"later passes are still analysed (shown live): {pipeline.Health.FramesAnalysed} frames");
    }

    [SkippableFact]
    public async Task A_deployment_that_begins_while_a_file_loops_matches_the_next_pass()
    {
        using var dir = TestPaths.TempDirectory();
        var clip = Clips.Build(dir.File("loop.mp4"), 640, 360, 10, 3, new Appearance(SheldonInClip, 0.3, 1.5, 200, 60, 200));
        var alerts = new AlertCollector();
        await using var pipeline = new CameraPipeline(new CameraSettings("cam1", "Loop", null, CameraSource.Parse(clip, loop: true)), fixture.Engine, alerts, matcher: null);
        pipeline.Start();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (pipeline.Health.FramesIn < 45)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"only {pipeline.Health.FramesIn} of 45 frames arrived within 60 s");
            await Task.Delay(100);
        }

        // Installed in the second pass: Sheldon is matched when the clip shows him again, not skipped as a replay.
        pipeline.SetMatchers([new DeploymentMatcher("late", new PhotoMatcher(fixture.Engine, 0.45f, (1, "Sheldon", Sheldon)))]);
        while (!alerts.Alerts.Any(a => !a.IsUpdate))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "no alert within 60 s of a deployment that began while the file looped");
            await Task.Delay(100);
        }

        Assert.Equal("late", alerts.Alerts[0].Deployment);
    }

    private static void AssertAround(TimeSpan actual, double expectedSeconds) =>
        Assert.InRange(actual.TotalSeconds, expectedSeconds - 0.3, expectedSeconds + 0.9);
}
