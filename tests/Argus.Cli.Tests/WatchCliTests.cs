using System.Globalization;
using System.Text.Json;
using Argus.Bench;
using Argus.Tests;

namespace Argus.Cli.Tests;

/// <summary><c>argus watch</c> on a real clip: only approved entries alert, inside an audited deployment.</summary>
[Trait("Category", "Integration")]
public sealed class WatchCliTests : IDisposable
{
    private readonly AccountabilityCli _cli = new();

    public void Dispose() => _cli.Dispose();

    [SkippableFact]
    public async Task A_deployment_alerts_once_on_the_approved_entry_and_is_audited_from_start_to_end()
    {
        TestPaths.RequireFacesDev();
        await _cli.SetUpAsync(("ann", "investigator", "wanted"), ("sam", "approver", "*"), ("olly", "operator", "*"), ("ada", "authorising-official", "*"));
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "wanted")).Code);
        var sheldon = WatchlistCliTests.Img("faceapi_sheldon/sheldon1.png");
        var proposed = await _cli.JsonAsync("ann", [.. WatchlistCliTests.Propose("wanted", "sheldon", WatchlistCliTests.InDays(30), sheldon), "--json"]);
        var entryId = proposed.GetProperty("id").GetInt64();
        Assert.Equal(0, (await _cli.AsAsync("sam", "entry", "approve", $"{entryId}", "--reason", "warrant checked")).Code);

        // A second person is proposed but never approved: they must not alert.
        var howard = WatchlistCliTests.Img("faceapi_howard/howard1.png");
        Assert.Equal(0, (await _cli.AsAsync("ann", WatchlistCliTests.Propose("wanted", "howard", WatchlistCliTests.InDays(30), howard))).Code);

        var clip = ClipBuilder.Build(_cli.Data.File("gate.mp4"), 640, 360, 10, 6,
            new Appearance(WatchlistCliTests.Img("faceapi_sheldon/sheldon3.png"), 0.5, 4, 60, 60, 180),
            new Appearance(WatchlistCliTests.Img("faceapi_howard/howard3.png"), 1, 5, 380, 80, 180));

        var (refused, _, stderr) = await _cli.AsAsync("auditor", "watch", clip, "--watchlist", "wanted", "--authorisation", "Order 55");
        Assert.Equal(ArgusCli.BadInput, refused);
        Assert.Contains("may not review alerts", stderr, StringComparison.Ordinal);

        var order = (await _cli.JsonAsync("ada", "authorisation", "record", "--reference", "Order 55", "--case", "OP-MATCHDAY-1", "--watchlist", "wanted", "--json"))
            .GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("--authorisation must be the number", (await _cli.AsAsync("olly", "watch", clip, "--watchlist", "wanted", "--authorisation", "Order 55", "--camera", "gate-3")).Stderr, StringComparison.Ordinal);
        var (code, stdout, err) = await _cli.AsAsync("olly", "watch", clip, "--watchlist", "wanted", "--authorisation", order, "--camera", "gate-3", "--json");
        Assert.True(code == 0, err);
        var events = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var raised = Assert.Single(events, e => e.GetProperty("event").GetString() == "alert.raised");
        Assert.Equal(entryId, raised.GetProperty("entry_id").GetInt64());
        Assert.Equal("red", raised.GetProperty("colour").GetString());
        Assert.Equal("gate-3", raised.GetProperty("camera").GetString());
        Assert.True(raised.GetProperty("score").GetDouble() >= 0.45);

        // Frame times: the alert counts from the frame time of the track's first frame, decided on a later frame.
        var firstSeen = DateTimeOffset.Parse(raised.GetProperty("first_seen_at").GetString()!, CultureInfo.InvariantCulture);
        var deciding = DateTimeOffset.Parse(raised.GetProperty("deciding_frame_at").GetString()!, CultureInfo.InvariantCulture);
        var raisedAt = DateTimeOffset.Parse(raised.GetProperty("raised_at").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(firstSeen <= deciding && deciding <= raisedAt, $"{firstSeen:O} {deciding:O} {raisedAt:O}");
        var latency = (long)(raisedAt - firstSeen).TotalMilliseconds;
        Assert.InRange(raised.GetProperty("latency_ms").GetInt64(), latency - 1, latency + 1);

        // Start, per-camera health and end are events too.
        Assert.Equal("watch.started", events[0].GetProperty("event").GetString());
        Assert.Equal("gate-3", events[0].GetProperty("camera").GetString());
        Assert.Equal("watch.ended", events[^1].GetProperty("event").GetString());
        Assert.Equal(1, events[^1].GetProperty("alerts").GetInt32());
        var health = events.Where(e => e.GetProperty("event").GetString() == "camera.health").ToArray();
        Assert.NotEmpty(health);
        Assert.Equal("ended", health[^1].GetProperty("state").GetString());
        Assert.True(health[^1].GetProperty("frames_analysed").GetInt64() > 10);

        var actions = (await _cli.AuditAsync()).Select(r => r.GetProperty("action").GetString()).ToList();
        var started = actions.IndexOf("deployment.started");
        Assert.True(started >= 0 && actions.IndexOf("alert.raised") > started && actions.IndexOf("deployment.ended") > actions.IndexOf("alert.raised"));
    }
}
