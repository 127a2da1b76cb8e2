using Argus.Application.Cameras;
using Argus.Application.Deployments;
using Argus.Bench;
using Argus.Core;
using Argus.Storage;
using Argus.Tests;
using Argus.Vision.Pipeline;

namespace Argus.Application.Tests;

/// <summary>Per-camera detection settings (smallest face, regions, tiling): validated, stored, audited.</summary>
[Trait("Category", "Unit")]
public sealed class CameraDetectionSettingsTests
{
    [Theory]
    [InlineData(20, null, "camera.smallest_face_below_gate")]
    [InlineData(35, null, "camera.smallest_face_below_gate")]
    [InlineData(401, null, "camera.smallest_face_invalid")]
    [InlineData(40, "0.5,0,0.6,1", "camera.region_invalid")]
    [InlineData(40, "0,0,1,0", "camera.region_invalid")]
    [InlineData(40, "-0.1,0,0.5,0.5", "camera.region_invalid")]
    public async Task Bad_values_are_refused_with_a_code_and_nothing_is_stored(int smallestFace, string? region, string code)
    {
        await using var world = await World.CreateAsync();
        var cameras = new CameraService(world.Operations());
        IReadOnlyList<DetectionRegion>? regions = region is null ? null : [ParseUnchecked(region)];
        var e = await Assert.ThrowsAsync<ArgusException>(() => cameras.AddAsync(
            World.Admin, new CameraSpec("gate", null, null, "clip.mp4") { SmallestFace = smallestFace, Regions = regions }, default));
        Assert.Equal(code, e.Code);
        Assert.Empty(await world.Store.ListCamerasAsync());

        await cameras.AddAsync(World.Admin, new CameraSpec("gate", null, null, "clip.mp4"), default);
        var u = await Assert.ThrowsAsync<ArgusException>(() => cameras.UpdateDetectionAsync(
            World.Admin, "gate", new CameraDetectionSpec(SmallestFace: smallestFace, Regions: regions), default));
        Assert.Equal(code, u.Code);
        var stored = Assert.Single(await world.Store.ListCamerasAsync());
        Assert.Equal((true, 40, (string?)null), (stored.Tiling, stored.SmallestFace, stored.Regions));
    }

    [Fact]
    public async Task Five_regions_are_too_many_and_an_unknown_camera_is_not_found()
    {
        await using var world = await World.CreateAsync();
        var cameras = new CameraService(world.Operations());
        var five = Enumerable.Range(0, 5).Select(i => new DetectionRegion(0, i * 0.2f, 1, 0.2f)).ToList();
        Assert.Equal("camera.region_invalid", (await Assert.ThrowsAsync<ArgusException>(() => cameras.AddAsync(
            World.Admin, new CameraSpec("gate", null, null, "clip.mp4") { Regions = five }, default))).Code);
        Assert.Equal("camera.not_found", (await Assert.ThrowsAsync<ArgusException>(() => cameras.UpdateDetectionAsync(
            World.Admin, "nope", new CameraDetectionSpec(Tiling: false), default))).Code);
        Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => cameras.UpdateDetectionAsync(
            World.Olly, "nope", new CameraDetectionSpec(Tiling: false), default))).Code);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Settings_are_stored_changed_one_at_a_time_audited_and_become_the_cameras_tiling(bool postgres)
    {
        await using var world = await World.CreateAsync(postgres: postgres);
        var cameras = new CameraService(world.Operations());
        var added = await cameras.AddAsync(
            World.Admin,
            new CameraSpec("concourse", null, "north", "clip.mp4") { SmallestFace = 60, Regions = [new(0, 0.25f, 1, 0.5f), new(0.5f, 0, 0.5f, 0.2f)] },
            default);
        Assert.Equal((60, "0,0.25,1,0.5;0.5,0,0.5,0.2"), (added.SmallestFace, added.Regions));

        // Tiles sized so a 60 px face is 20 px on the detector's canvas (960x720), laid over both regions only.
        var tiling = CameraDetection.Tiling(Assert.Single(await world.Store.ListCamerasAsync()));
        Assert.Equal((true, 960, 720), (tiling.Enabled, tiling.TileWidth, tiling.TileHeight));
        Assert.Equal([new(0, 0.25f, 1, 0.5f), new(0.5f, 0, 0.5f, 0.2f)], tiling.Regions);

        var smaller = await cameras.UpdateDetectionAsync(World.Admin, "concourse", new CameraDetectionSpec(SmallestFace: 48), default);
        Assert.Equal((true, 48, added.Regions), (smaller.Tiling, smaller.SmallestFace, smaller.Regions));
        var whole = await cameras.UpdateDetectionAsync(World.Admin, "concourse", new CameraDetectionSpec(Regions: []), default);
        Assert.Equal((48, (string?)null), (whole.SmallestFace, whole.Regions));
        Assert.Equal([DetectionRegion.Whole], CameraDetection.Tiling(whole).Regions);
        var off = await cameras.UpdateDetectionAsync(World.Admin, "concourse", new CameraDetectionSpec(Tiling: false), default);
        Assert.False(CameraDetection.Tiling(off).Enabled);

        var audit = await world.AuditAsync();
        Assert.Equal(3, audit.Count(r => r.Action == "camera.updated" && r.Target == "camera:concourse"));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cameras_stored_before_migration_16_get_the_small_face_default(bool postgres)
    {
        await using var world = await World.CreateAsync(postgres: postgres);
        await world.Store.AddCameraAsync(new CameraRecord("old", "Old", null, "clip.mp4", 5, false, [], "admin", default));

        // The database as it was at migration 15: no detection columns, the camera stored with the old default (no tiling).
        await world.ExecuteAsync(
            "ALTER TABLE cameras DROP COLUMN smallest_face; ALTER TABLE cameras DROP COLUMN regions; UPDATE cameras SET tiling = 0; DELETE FROM schema_migrations WHERE version = 16;");
        await using var upgraded = await world.OpenAgainAsync();
        var camera = Assert.Single(await upgraded.ListCamerasAsync());
        Assert.Equal((true, 40, (string?)null), (camera.Tiling, camera.SmallestFace, camera.Regions));
        Assert.Equal(TilingOptions.Default.TileWidth, CameraDetection.Tiling(camera).TileWidth);
    }

    /// <summary>A region built without <see cref="DetectionRegion.Parse"/>'s check, as an API request would carry it.</summary>
    private static DetectionRegion ParseUnchecked(string text)
    {
        var v = text.Split(',').Select(p => float.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new DetectionRegion(v[0], v[1], v[2], v[3]);
    }
}

/// <summary>A stored region changes what the running camera detects: a small face outside it is not found, then is.</summary>
[Trait("Category", "Integration")]
public sealed class CameraDetectionRunTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    [SkippableFact]
    public async Task A_64_px_face_outside_the_stored_region_is_missed_and_found_once_the_region_is_cleared()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync();
        await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", "images/faceapi_sheldon/sheldon1.png");

        // 1080p, a 64 px face low in the frame: too small for the whole-frame pass, found by tiles that cover it.
        var clip = ClipBuilder.Build(world.Directory.File("wide.mp4"), 1920, 1080, 10, 3,
            new Appearance(TestPaths.FacesDevFile("images/faceapi_sheldon/sheldon3.png"), 0, 3, 1300, 850, 64));
        var cameras = new CameraService(world.Operations());
        await cameras.AddAsync(World.Admin, new CameraSpec("wide", null, "stadium", clip) { Regions = [new(0, 0, 1, 0.3f)] }, default);
        var now = DateTimeOffset.UtcNow;
        var order = await world.AuthorisationAsync(now, "ada", "wanted");
        await new DeploymentService(world.Store, world.Chain).CreateAsync(
            World.Sam, new DeploymentRequest("match day", [], "stadium", ["wanted"], order, now.AddMinutes(-1), now.AddHours(2)));

        async Task<(int Alerts, string? Detection)> RunAsync()
        {
            await using var desk = world.Feed();
            CameraStatus status;
            await using (var supervisor = new CameraSupervisor(
                world.Store, world.Chain, fixture.Engine, desk, new CameraSupervisorOptions { DataDirectory = world.Directory.Path }))
            {
                await supervisor.StartAsync();
                await supervisor.CompletionOf("wide").WaitAsync(TimeSpan.FromSeconds(60));
                await desk.DrainAsync();
                status = Assert.Single(supervisor.Status());
            }

            return ((await world.Store.ListAlertsAsync(new AlertFilter())).Count, status.Detection);
        }

        var (inRegion, described) = await RunAsync();
        Assert.Equal(0, inRegion);
        Assert.Contains("region 0,0,1,0.3", described, StringComparison.Ordinal);

        await cameras.UpdateDetectionAsync(World.Admin, "wide", new CameraDetectionSpec(Regions: []), default);
        var (whole, wholeDescribed) = await RunAsync();
        Assert.Equal(1, whole);
        Assert.DoesNotContain("region", wholeDescribed, StringComparison.Ordinal);
    }
}
