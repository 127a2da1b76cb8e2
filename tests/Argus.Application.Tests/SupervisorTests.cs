using Argus.Application.Alerts;
using Argus.Application.Deployments;
using Argus.Bench;
using Argus.Core.Alerts;
using Argus.Storage;
using Argus.Tests;
using Argus.Video;

namespace Argus.Application.Tests;

/// <summary>
/// Registered cameras replaying real clips (built from faces-dev photos) under the camera supervisor: alerts only
/// inside an active deployment, exactly the approved entries, once each, stored with their snapshot and audited.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SupervisorTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private const string Sheldon = "images/faceapi_sheldon/sheldon1.png";
    private const string SheldonInClip = "images/faceapi_sheldon/sheldon3.png";
    private const string Howard = "images/faceapi_howard/howard1.png";
    private const string HowardInClip = "images/faceapi_howard/howard3.png";
    private const string Stranger = "images/faceapi_penny/penny2.png";

    [SkippableFact]
    public async Task A_camera_in_an_active_deployment_raises_exactly_the_approved_entries_once_each_stored_with_a_snapshot()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync();
        var wanted = await world.WatchlistAsync(fixture.Engine, "wanted");
        var sheldon = await world.EnrolAsync(fixture.Engine, wanted, "Sheldon", Sheldon);
        await world.EnrolAsync(fixture.Engine, wanted, "Howard", Howard, approve: false); // proposed, never approved: must not alert
        var clip = Clip(world, "gate.mp4", 8,
            new Appearance(TestPaths.FacesDevFile(SheldonInClip), 0.5, 3.5, 60, 60, 180),
            new Appearance(TestPaths.FacesDevFile(HowardInClip), 1, 5, 380, 80, 180),
            new Appearance(TestPaths.FacesDevFile(Stranger), 4, 7.5, 200, 100, 180));
        await world.Store.AddCameraAsync(new CameraRecord("gate-1", "Gate 1", "stadium", clip, 5, false, [], "admin", default));
        var deployment = await Deploy(world, site: "stadium");

        await using var desk = world.Feed();
        IReadOnlyList<CameraStatus> status;
        await using (var supervisor = Supervisor(world, desk))
        {
            await supervisor.StartAsync();
            Assert.Equal(deployment.Deployment.Id, Assert.Single(supervisor.Status()).DeploymentId);
            await supervisor.CompletionOf("gate-1").WaitAsync(TimeSpan.FromSeconds(90));
            await desk.DrainAsync();
            status = supervisor.Status();
        }

        var alert = Assert.Single(await world.Store.ListAlertsAsync(new AlertFilter()));
        Assert.Equal((sheldon.Id, deployment.Deployment.Id, "gate-1", "stadium"), (alert.EntryId, alert.Deployment, alert.CameraId, alert.Site));
        Assert.Equal(("red", AlertStatus.Open), (alert.Colour, alert.Status));
        Assert.True(alert.SupportingShots >= 2);
        Assert.InRange(alert.FirstSeenAt - alert.RaisedAt, TimeSpan.FromSeconds(-5), TimeSpan.Zero);
        var png = (await world.Store.GetAlertSnapshotAsync(alert.Id))!;
        Assert.True(png.Length > 1000);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], png[..4]);

        var counters = Assert.Single(status).Counters;
        Assert.Equal(1, counters.AlertsRaised);
        Assert.True(counters.TracksEndedWithoutMatch >= 1, "the stranger's and Howard's tracks end unmatched, leaving only counters");
        var audit = await world.AuditAsync();
        Assert.Single(audit, r => r.Action == "alert.raised");
        Assert.Contains(audit, r => r.Action == "deployment.camera_started" && r.Target == $"deployment:{deployment.Id}");
    }

    [SkippableFact]
    public async Task Outside_a_deployment_or_after_it_ended_a_camera_compares_no_face()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync();
        await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var clip = Clip(world, "gate.mp4", 3, new Appearance(TestPaths.FacesDevFile(SheldonInClip), 0, 3, 60, 60, 180));
        await world.Store.AddCameraAsync(new CameraRecord("free", "No deployment", "car-park", clip, 5, false, [], "admin", default));
        await world.Store.AddCameraAsync(new CameraRecord("ended", "Ended deployment", "stadium", clip, 5, false, [], "admin", default));
        var deployment = await Deploy(world, site: "stadium");
        await new DeploymentService(world.Store, world.Chain).EndAsync(World.Sam, deployment.Id, "match over early");

        await using var desk = world.Feed();
        IReadOnlyList<CameraStatus> status;
        await using (var supervisor = Supervisor(world, desk))
        {
            await supervisor.StartAsync();
            await Task.WhenAll(supervisor.CompletionOf("free"), supervisor.CompletionOf("ended")).WaitAsync(TimeSpan.FromSeconds(60));
            status = supervisor.Status();
        }

        Assert.Empty(await world.Store.ListAlertsAsync(new AlertFilter()));
        Assert.All(status, s =>
        {
            Assert.Null(s.DeploymentId);
            Assert.Equal(0, s.Counters.FacesSeen);
            Assert.True(s.Health.FramesIn > 10, $"{s.CameraId} read {s.Health.FramesIn} frames");
        });
        Assert.DoesNotContain(await world.AuditAsync(), r => r.Action is "alert.raised" or "deployment.camera_started");
    }

    [SkippableFact]
    public async Task A_camera_with_a_broken_source_does_not_stall_another()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync();
        await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var clip = Clip(world, "gate.mp4", 4, new Appearance(TestPaths.FacesDevFile(SheldonInClip), 0.5, 3.5, 60, 60, 180));
        var garbage = world.Directory.File("garbage.mp4");
        await File.WriteAllBytesAsync(garbage, [.. Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7))]);
        await world.Store.AddCameraAsync(new CameraRecord("good", "Good", "stadium", clip, 5, false, [], "admin", default));
        await world.Store.AddCameraAsync(new CameraRecord("garbage", "Garbage", "stadium", garbage, 5, false, [], "admin", default));
        await world.Store.AddCameraAsync(new CameraRecord("missing", "Missing", "stadium", world.Directory.File("nope.mp4"), 5, false, [], "admin", default));
        await world.Store.AddCameraAsync(new CameraRecord("bad-scheme", "Bad scheme", "stadium", "ftp://camera/stream", 5, false, [], "admin", default));
        await Deploy(world, site: "stadium");

        await using var desk = world.Feed();
        IReadOnlyList<CameraStatus> status;
        await using (var supervisor = Supervisor(world, desk))
        {
            await supervisor.StartAsync();
            await supervisor.CompletionOf("good").WaitAsync(TimeSpan.FromSeconds(60));
            await desk.DrainAsync();
            status = supervisor.Status();
            Assert.Equal(4, supervisor.Status(World.Olly).Count);
            Assert.Empty(supervisor.Status(World.User("nora", Core.Access.Role.Operator, sites: "north")));
            Assert.Equal("access.denied", Assert.Throws<Core.ArgusException>(() => supervisor.Status(World.Auditor)).Code);
        }

        Assert.Single(await world.Store.ListAlertsAsync(new AlertFilter()));
        var byId = status.ToDictionary(s => s.CameraId);
        Assert.Equal(CameraState.Ended, byId["good"].Health.State);
        foreach (var broken in new[] { "garbage", "missing", "bad-scheme" })
        {
            Assert.NotNull(byId[broken].Error);
            Assert.NotEqual(CameraState.Running, byId[broken].Health.State);
        }

        Assert.Contains("ftp", byId["bad-scheme"].Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Ending_a_deployment_while_cameras_run_stops_matching_and_discards_the_working_copy()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync();
        await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var clip = Clip(world, "gate.mp4", 3, new Appearance(TestPaths.FacesDevFile(SheldonInClip), 0, 3, 60, 60, 180));
        await world.Store.AddCameraAsync(new CameraRecord("gate-1", "Gate 1", "stadium", clip, 5, false, [], "admin", default));
        var deployment = await Deploy(world, site: "stadium");
        var service = new DeploymentService(world.Store, world.Chain);

        await using var desk = world.Feed();
        using var live = desk.Stream.Subscribe();
        await using var supervisor = new CameraSupervisor(
            world.Store, world.Chain, fixture.Engine, desk, new CameraSupervisorOptions { DataDirectory = world.Directory.Path, LoopFiles = true });
        service.Ended += _ => supervisor.Wake();
        await supervisor.StartAsync();
        var first = await live.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("gate-1", first.CameraId);

        await service.EndAsync(World.Sam, deployment.Id, "operation stood down");
        await supervisor.ReconcileAsync();
        var status = Assert.Single(supervisor.Status());
        Assert.Null(status.DeploymentId);
        Assert.Equal(0, status.Entries);
        var audit = await world.AuditAsync();
        Assert.Contains(audit, r => r.Action == "deployment.ended" && r.Target == $"deployment:{deployment.Id}");
        Assert.Contains(audit, r => r.Action == "deployment.camera_stopped" && r.Target == $"deployment:{deployment.Id}" && r.Details.Contains("discarded", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Two_deployments_in_a_row_on_one_camera_each_own_their_alerts()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync();
        await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var clip = Clip(world, "gate.mp4", 3, new Appearance(TestPaths.FacesDevFile(SheldonInClip), 0, 3, 60, 60, 180));
        await world.Store.AddCameraAsync(new CameraRecord("gate-1", "Gate 1", "stadium", clip, 5, false, [], "admin", default));
        var service = new DeploymentService(world.Store, world.Chain);
        await using var desk = world.Feed();

        // The same person on the same camera twice within the cool-down, under two deployments one after the other.
        var ids = new List<long>();
        foreach (var name in new[] { "morning", "evening" })
        {
            var deployment = await Deploy(world, site: "stadium", name);
            await using (var supervisor = Supervisor(world, desk))
            {
                await supervisor.StartAsync();
                await supervisor.CompletionOf("gate-1").WaitAsync(TimeSpan.FromSeconds(60));
                await desk.DrainAsync();
            }

            await service.EndAsync(World.Sam, deployment.Id, "shift over");
            ids.Add(deployment.Id);
        }

        var alerts = await world.Store.ListAlertsAsync(new AlertFilter());
        Assert.Equal(2, alerts.Count);
        Assert.Equal(ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), alerts.Select(a => a.Deployment).Order());
        Assert.Equal(2, (await world.AuditAsync()).Count(r => r.Action == "alert.raised"));
    }

    [SkippableFact]
    public async Task Two_overlapping_deployments_on_one_camera_both_match_each_alert_naming_its_own()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync();
        var sheldon = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var howard = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "match-day"), "Howard", Howard);
        var clip = Clip(world, "gate.mp4", 5,
            new Appearance(TestPaths.FacesDevFile(SheldonInClip), 0.3, 4.5, 60, 60, 180),
            new Appearance(TestPaths.FacesDevFile(HowardInClip), 0.3, 4.5, 380, 80, 180));
        await world.Store.AddCameraAsync(new CameraRecord("gate-1", "Gate 1", "stadium", clip, 5, false, [], "admin", default));
        var now = DateTimeOffset.UtcNow;
        var service = new DeploymentService(world.Store, world.Chain);
        var siteWide = await Deploy(world, site: "stadium", "site-wide");
        var order = await world.AuthorisationAsync(now, "ada", "match-day");
        var matchDay = await service.CreateAsync(
            World.Sam, new DeploymentRequest("match day", ["gate-1"], null, ["match-day"], order, now.AddMinutes(-1), now.AddHours(2)));

        await using var desk = world.Feed();
        IReadOnlyList<CameraStatus> status;
        await using (var supervisor = Supervisor(world, desk))
        {
            await supervisor.StartAsync();
            await supervisor.CompletionOf("gate-1").WaitAsync(TimeSpan.FromSeconds(90));
            await desk.DrainAsync();
            status = supervisor.Status();
        }

        var camera = Assert.Single(status);
        Assert.Equal([siteWide.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), matchDay.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], camera.Deployments);
        Assert.Equal(["match-day", "wanted"], camera.Watchlists.Order());
        var alerts = await world.Store.ListAlertsAsync(new AlertFilter());
        Assert.Equal(2, alerts.Count);
        var bySubject = alerts.ToDictionary(a => a.EntryId);
        Assert.Equal((siteWide.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "wanted"), (bySubject[sheldon.Id].Deployment, bySubject[sheldon.Id].Watchlist));
        Assert.Equal((matchDay.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "match-day"), (bySubject[howard.Id].Deployment, bySubject[howard.Id].Watchlist));
        var audit = await world.AuditAsync();
        Assert.Contains(audit, r => r.Action == "deployment.camera_started" && r.Target == $"deployment:{siteWide.Id}");
        Assert.Contains(audit, r => r.Action == "deployment.camera_started" && r.Target == $"deployment:{matchDay.Id}");
    }

    private static string Clip(World world, string name, double seconds, params Appearance[] appearances) =>
        ClipBuilder.Build(world.Directory.File(name), 640, 360, 10, seconds, appearances);

    private static async Task<StoredDeployment> Deploy(World world, string site, string name = "match day")
    {
        var now = DateTimeOffset.UtcNow;
        var order = await world.AuthorisationAsync(now, "ada", "wanted");
        return await new DeploymentService(world.Store, world.Chain).CreateAsync(
            World.Sam, new DeploymentRequest(name, [], site, ["wanted"], order, now.AddMinutes(-1), now.AddHours(2)));
    }

    private CameraSupervisor Supervisor(World world, AlertFeed desk) =>
        new(world.Store, world.Chain, fixture.Engine, desk, new CameraSupervisorOptions { DataDirectory = world.Directory.Path });
}
