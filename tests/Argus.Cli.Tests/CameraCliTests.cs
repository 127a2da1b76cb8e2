using System.Text.Json;

namespace Argus.Cli.Tests;

/// <summary><c>argus camera add|list|remove</c>: administrators configure cameras; credentials never shown.</summary>
[Trait("Category", "Integration")]
public sealed class CameraCliTests : IDisposable
{
    private readonly AccountabilityCli _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Cameras_are_added_listed_without_credentials_scoped_by_site_and_removed()
    {
        await _cli.SetUpAsync(("ann", "investigator", "*"));
        await _cli.AddUserAsync("user", "add", "olly", "--role", "operator", "--sites", "north", "--watchlists", "*");
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "wanted")).Code);
        var added = await _cli.AsAdminAsync("camera", "add", "gate-3", "--site", "north", "--source", "rtsp://admin:s3cret@127.0.0.1:8554/live", "--watchlist", "wanted");
        Assert.True(added.Code == 0, added.Stderr);
        Assert.DoesNotContain("s3cret", added.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.AsAdminAsync("camera", "add", "south-1", "--site", "south", "--source", "clip.mp4")).Code);

        var all = await _cli.JsonAsync("admin", "camera", "list", "--json");
        var cameras = all.GetProperty("cameras").EnumerateArray().ToArray();
        Assert.Equal(["gate-3", "south-1"], cameras.Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("rtsp://***@127.0.0.1:8554/live", cameras[0].GetProperty("source").GetString());
        Assert.Equal(["wanted"], cameras[0].GetProperty("watchlists").EnumerateArray().Select(w => w.GetString()));

        // An operator sees the cameras of their sites only; an investigator none.
        var olly = await _cli.JsonAsync("olly", "camera", "list", "--json");
        Assert.Equal(["gate-3"], olly.GetProperty("cameras").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Contains("may not manage cameras", (await _cli.AsAsync("ann", "camera", "list")).Stderr, StringComparison.Ordinal);

        Assert.Contains("may not manage cameras", (await _cli.AsAsync("olly", "camera", "add", "x", "--source", "a.mp4")).Stderr, StringComparison.Ordinal);
        Assert.Contains("already exists", (await _cli.AsAdminAsync("camera", "add", "gate-3", "--source", "a.mp4")).Stderr, StringComparison.Ordinal);
        Assert.Contains("Unsupported camera source scheme 'ftp'", (await _cli.AsAdminAsync("camera", "add", "x", "--source", "ftp://cam/1")).Stderr, StringComparison.Ordinal);
        Assert.Contains("nope", (await _cli.AsAdminAsync("camera", "add", "x", "--source", "a.mp4", "--watchlist", "nope")).Stderr, StringComparison.Ordinal);
        Assert.Contains("is not valid", (await _cli.AsAdminAsync("camera", "add", "bad id", "--source", "a.mp4")).Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await _cli.AsAdminAsync("camera", "remove", "south-1")).Code);
        Assert.Contains("No camera with id 'south-1'", (await _cli.AsAdminAsync("camera", "remove", "south-1")).Stderr, StringComparison.Ordinal);

        var actions = (await _cli.AuditAsync()).Select(r => (r.GetProperty("action").GetString(), r.GetProperty("outcome").GetString())).ToList();
        Assert.Contains(("camera.added", "ok"), actions);
        Assert.Contains(("camera.removed", "ok"), actions);
        Assert.Contains(("camera.add", "refused"), actions);
        Assert.DoesNotContain("s3cret", JsonSerializer.Serialize((await _cli.AuditAsync()).Select(r => r.GetRawText())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detection_settings_are_set_at_add_changed_by_update_listed_and_bad_values_refused_in_one_line()
    {
        await _cli.SetUpAsync();
        var added = await _cli.AsAdminAsync("camera", "add", "concourse", "--source", "clip.mp4", "--smallest-face", "60", "--region", "0,0.25,1,0.5");
        Assert.True(added.Code == 0, added.Stderr);
        Assert.Contains("faces from 60 px in 0,0.25,1,0.5", added.Stdout, StringComparison.Ordinal);

        var updated = await _cli.AsAdminAsync("camera", "update", "concourse", "--region", "0,0.5,1,0.5", "--region", "0,0,0.5,0.2");
        Assert.True(updated.Code == 0, updated.Stderr);
        var camera = (await _cli.JsonAsync("admin", "camera", "list", "--json")).GetProperty("cameras")[0];
        // The same record as the server's camera list: regions as x, y, width, height objects.
        static string Regions(JsonElement c) => string.Join(";", c.GetProperty("regions").EnumerateArray().Select(r => string.Join(",", new[] { "x", "y", "width", "height" }.Select(k => r.GetProperty(k).GetSingle().ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        Assert.Equal((true, 60, "0,0.5,1,0.5;0,0,0.5,0.2"), (camera.GetProperty("tiling").GetBoolean(), camera.GetProperty("smallest_face").GetInt32(), Regions(camera)));

        Assert.Equal(0, (await _cli.AsAdminAsync("camera", "update", "concourse", "--whole-frame", "--smallest-face", "48")).Code);
        camera = (await _cli.JsonAsync("admin", "camera", "list", "--json")).GetProperty("cameras")[0];
        Assert.Equal((48, 0), (camera.GetProperty("smallest_face").GetInt32(), camera.GetProperty("regions").GetArrayLength()));

        var below = await _cli.AsAdminAsync("camera", "update", "concourse", "--smallest-face", "20");
        Assert.NotEqual(0, below.Code);
        Assert.Contains("below the quality gate (36 px)", below.Stderr, StringComparison.Ordinal);
        var outside = await _cli.AsAdminAsync("camera", "add", "x", "--source", "a.mp4", "--region", "0.5,0,0.6,1");
        Assert.NotEqual(0, outside.Code);
        Assert.Contains("must lie inside the frame", outside.Stderr, StringComparison.Ordinal);
        Assert.Single(outside.Stderr.Trim().Split('\n'));
        Assert.Contains("No camera with id 'nope'", (await _cli.AsAdminAsync("camera", "update", "nope", "--tiling", "false")).Stderr, StringComparison.Ordinal);

        var actions = (await _cli.AuditAsync()).Select(r => (r.GetProperty("action").GetString(), r.GetProperty("outcome").GetString())).ToList();
        Assert.Equal(2, actions.Count(a => a == ("camera.updated", "ok")));
        Assert.Contains(("camera.update", "refused"), actions);
    }
}
