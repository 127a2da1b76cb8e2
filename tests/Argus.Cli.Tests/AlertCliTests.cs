using System.Text.Json;
using Argus.Bench;
using Argus.Tests;

namespace Argus.Cli.Tests;

/// <summary>
/// The whole flow through the command line: a stored deployment, a registered camera replaying a real clip under
/// <c>argus cameras run</c>, the stored alert reviewed by two operators, and the transparency report's figures.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AlertCliTests : IDisposable
{
    private readonly AccountabilityCli _cli = new();

    public void Dispose() => _cli.Dispose();

    [SkippableFact]
    public async Task A_deployment_runs_a_camera_whose_alert_two_operators_confirm_and_the_report_counts_it()
    {
        TestPaths.RequireFacesDev();
        await _cli.SetUpAsync(("ann", "investigator", "wanted"), ("sam", "approver", "*"), ("olly", "operator", "*"), ("omar", "operator", "*"), ("ada", "authorising-official", "*"));
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "wanted")).Code);
        var proposed = await _cli.JsonAsync("ann", [.. WatchlistCliTests.Propose("wanted", "sheldon", WatchlistCliTests.InDays(30), WatchlistCliTests.Img("faceapi_sheldon/sheldon1.png")), "--json"]);
        Assert.Equal(0, (await _cli.AsAsync("sam", "entry", "approve", $"{proposed.GetProperty("id").GetInt64()}", "--reason", "warrant checked")).Code);
        var clip = ClipBuilder.Build(_cli.Data.File("gate.mp4"), 640, 360, 10, 5, new Appearance(WatchlistCliTests.Img("faceapi_sheldon/sheldon3.png"), 0.5, 4, 60, 60, 180));
        Assert.Equal(0, (await _cli.AsAdminAsync("camera", "add", "gate-1", "--site", "stadium", "--source", clip)).Code);

        // Without a deployment the camera runs and compares nothing.
        var (idle, idleOut, idleErr) = await _cli.AsAdminAsync("cameras", "run", "--stop-when-ended", "--health-seconds", "0", "--json");
        Assert.True(idle == 0, idleErr);
        Assert.DoesNotContain("alert.raised", idleOut, StringComparison.Ordinal);

        var order = (await _cli.JsonAsync("ada", "authorisation", "record", "--reference", "Order 55", "--case", "OP-MATCHDAY-1", "--watchlist", "wanted", "--json"))
            .GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("a free-text reference is not an authorisation", (await _cli.AsAsync("sam", "deployment", "add", "match day", "--site", "stadium", "--watchlist", "wanted", "--authorisation", "Order 55", "--hours", "3")).Stderr, StringComparison.Ordinal);
        var deployment = await _cli.JsonAsync("sam", "deployment", "add", "match day", "--site", "stadium", "--watchlist", "wanted", "--authorisation", order, "--hours", "3", "--json");
        Assert.True(deployment.GetProperty("active").GetBoolean());
        var (code, stdout, stderr) = await _cli.AsAdminAsync("cameras", "run", "--stop-when-ended", "--health-seconds", "0", "--json");
        Assert.True(code == 0, stderr);
        var events = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var raised = Assert.Single(events, e => e.GetProperty("event").GetString() == "alert.raised");
        Assert.Equal(JsonValueKind.Null, raised.GetProperty("label").ValueKind); // administrators see ids, not names
        var id = raised.GetProperty("alert_id").GetString()!;
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "camera.health" && e.GetProperty("state").GetString() == "ended");

        var listed = (await _cli.JsonAsync("olly", "alert", "list", "--json")).GetProperty("alerts");
        Assert.Equal(id, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));

        // The list names the person for the reviewer, as the alert itself does; the administrator may not list alerts.
        Assert.Equal("SHELDON", listed[0].GetProperty("subject_name").GetString());
        Assert.Contains($"entry #{proposed.GetProperty("id").GetInt64()} (SHELDON)", (await _cli.AsAsync("olly", "alert", "list")).Stdout, StringComparison.Ordinal);
        var adminList = await _cli.AsAdminAsync("alert", "list");
        Assert.NotEqual(0, adminList.Code);
        Assert.DoesNotContain("SHELDON", adminList.Stdout + adminList.Stderr, StringComparison.Ordinal);
        var snapshot = _cli.Data.File("snapshot.png");
        var shown = await _cli.JsonAsync("olly", "alert", "show", id, "--snapshot", snapshot, "--json");
        Assert.Equal("sheldon", shown.GetProperty("subject_name").GetString()!.ToLowerInvariant());
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], (await File.ReadAllBytesAsync(snapshot))[..4]);

        Assert.Equal("awaiting_second_confirmation", (await _cli.JsonAsync("olly", "alert", "confirm", id, "--reason", "matches the custody photo", "--json")).GetProperty("alert").GetProperty("status").GetString());
        var (twice, _, twiceErr) = await _cli.AsAsync("olly", "alert", "confirm", id, "--reason", "sure");
        Assert.Equal(ArgusCli.BadInput, twice);
        Assert.Contains("second, different user", twiceErr, StringComparison.Ordinal);
        var final = await _cli.JsonAsync("omar", "alert", "confirm", id, "--reason", "agree", "--json");
        Assert.True(final.GetProperty("action_allowed").GetBoolean());

        var today = WatchlistCliTests.InDays(0);
        var report = await _cli.JsonAsync("sam", "report", "transparency", "--from", today, "--to", today, "--format", "json");
        var alerts = report.GetProperty("alerts");
        Assert.Equal((1, 1, 0), (alerts.GetProperty("raised").GetInt32(), alerts.GetProperty("confirmed").GetInt32(), alerts.GetProperty("dismissed").GetInt32()));
        Assert.Equal(0.0, alerts.GetProperty("false_alert_rate").GetDouble());

        Assert.Equal(0, (await _cli.AsAsync("sam", "deployment", "end", deployment.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), "--reason", "match over")).Code);
        var actions = (await _cli.AuditAsync()).Select(r => r.GetProperty("action").GetString()).ToList();
        Assert.Contains("deployment.created", actions);
        Assert.Contains("deployment.camera_started", actions);
        Assert.Single(actions, a => a == "alert.raised");
        Assert.Equal(2, actions.Count(a => a == "alert.confirmed"));
        Assert.Contains("deployment.ended", actions);
        Assert.Contains("cameras.stopped", actions);
    }

    [SkippableFact]
    public async Task Unknown_ids_bad_times_other_sites_and_watchlists_out_of_scope_are_refused()
    {
        await _cli.SetUpAsync(("sam", "approver", "*"), ("sid", "approver", "missing"), ("olly", "operator", "*"));
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "wanted")).Code);
        async Task<string> Refused(string user, params string[] args)
        {
            var (code, _, stderr) = user == "admin" ? await _cli.AsAdminAsync(args) : await _cli.AsAsync(user, args);
            Assert.Equal(ArgusCli.BadInput, code);
            return stderr;
        }

        Assert.Contains("no alert with id 999", await Refused("olly", "alert", "show", "999"), StringComparison.Ordinal);
        Assert.Contains("no alert with id 999", await Refused("olly", "alert", "dismiss", "999", "--reason", "no"), StringComparison.Ordinal);
        Assert.Contains("no deployment with id 999", await Refused("sam", "deployment", "end", "999", "--reason", "x"), StringComparison.Ordinal);
        var now = DateTimeOffset.UtcNow;
        Assert.Contains("end must be after its start", await Refused(
            "sam", "deployment", "add", "d", "--site", "stadium", "--watchlist", "wanted", "--authorisation", "Order 55", "--start", now.AddHours(2).ToString("O"), "--end", now.AddHours(1).ToString("O")), StringComparison.Ordinal);
        Assert.Contains("not a time", await Refused("sam", "deployment", "add", "d", "--site", "s", "--watchlist", "wanted", "--authorisation", "A", "--end", "tomorrow"), StringComparison.Ordinal);
        Assert.Contains("outside the scope", await Refused("sid", "deployment", "add", "d", "--site", "s", "--watchlist", "wanted", "--authorisation", "A", "--hours", "1"), StringComparison.Ordinal);
        Assert.Contains("may not create or end deployments", await Refused("olly", "deployment", "add", "d", "--site", "s", "--watchlist", "wanted", "--authorisation", "A", "--hours", "1"), StringComparison.Ordinal);
        Assert.Contains("never the secret", await Refused("admin", "webhook", "add", "https://x.test/hook", "--secret-env", "my secret"), StringComparison.Ordinal);
        Assert.Contains("Unknown alert status", await Refused("olly", "alert", "list", "--status", "maybe"), StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.AsAdminAsync("webhook", "add", "https://x.test/hook", "--secret-env", "HOOK_SECRET")).Code);
        Assert.Contains("HOOK_SECRET", (await _cli.AsAdminAsync("webhook", "list")).Stdout, StringComparison.Ordinal);
        Assert.Contains("no webhook with id 9", await Refused("admin", "webhook", "remove", "9"), StringComparison.Ordinal);
    }
}
