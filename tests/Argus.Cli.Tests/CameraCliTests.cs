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
}
