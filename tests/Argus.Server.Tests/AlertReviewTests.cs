using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Argus.Bench;
using Argus.Core.Access;
using Argus.Tests;

namespace Argus.Server.Tests;

/// <summary>
/// The live alert path through the server: an approved entry, a camera replaying a clip of the same person, a
/// deployment created over HTTP; the alert arrives on the SSE stream as stored, is shown with its legal basis,
/// snapshot and enrolled photo, and is confirmed by two different users (409 with the code for the same user twice
/// and for a decided alert). On SQLite and PostgreSQL.
/// </summary>
[Trait("Category", "Integration")]
public abstract class AlertReviewTests
{
    private const string Enrolled = "images/faceapi_sheldon/sheldon1.png";
    private const string InClip = "images/faceapi_sheldon/sheldon3.png";

    protected abstract bool Postgres { get; }

    private async Task<ArgusTestServer> StartAsync(bool cameras)
    {
        Skip.If(Postgres && ArgusTestServer.PostgresConnection is null, $"{ArgusTestServer.PostgresVariable} is not set: PostgreSQL server tests skipped.");
        var server = await ArgusTestServer.StartAsync(Postgres, new Dictionary<string, string?>
        {
            ["Argus:Cameras"] = cameras ? "true" : "false",
            ["Argus:CameraPollSeconds"] = "0.5",
        });
        await server.AddUserAsync("appr", [Role.Approver], Scope.Everything);
        await server.AddUserAsync("op", [Role.Operator], ArgusTestServer.Sites("north"));
        await server.AddUserAsync("op2", [Role.Operator], ArgusTestServer.Sites("north"));
        await server.AddUserAsync("op-south", [Role.Operator], ArgusTestServer.Sites("south"));
        await server.AddUserAsync("inv", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("op-missing", [Role.Operator], ArgusTestServer.Watchlists("missing"));
        return server;
    }

    [SkippableFact]
    public async Task A_replayed_camera_raises_a_stored_alert_live_that_two_users_confirm()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync(cameras: true);
        using var clipDir = TestPaths.TempDirectory();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = timeout.Token;

        await Created(await server.As("admin").PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted" }, ct));
        var entry = await ProposeAsync(server.As("inv"), "wanted", "S-1", Enrolled, ct);
        await Problems.ExpectAsync(await server.As("appr").PostAsJsonAsync($"/api/v1/entries/{entry}/approve", new { reason = "warrant checked" }, ct), HttpStatusCode.OK);

        var clip = ClipBuilder.Build(clipDir.File("gate.mp4"), 640, 360, 10, 6, new Appearance(TestPaths.FacesDevFile(InClip), 0.5, 5.5, 60, 60, 180));
        await Created(await server.As("admin").PostAsJsonAsync("/api/v1/cameras", new { id = "gate-1", name = "Gate 1", site = "north", source = clip, analysis_fps = 10 }, ct));

        // The stream first, so the alert cannot be missed; an operator of another site sees nothing.
        using var stream = await server.As("op").GetAsync("/api/v1/alerts/stream", HttpCompletionOption.ResponseHeadersRead, ct);
        await Problems.ExpectAsync(stream, HttpStatusCode.OK);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(ct));
        using var otherStream = await server.As("op-missing").GetAsync("/api/v1/alerts/stream", HttpCompletionOption.ResponseHeadersRead, ct);
        using var otherReader = new StreamReader(await otherStream.Content.ReadAsStreamAsync(ct));
        Assert.StartsWith(":", await otherReader.ReadLineAsync(ct), StringComparison.Ordinal);

        // The deployment relies on an authorisation recorded by an authorising official (not the approver who deploys).
        await server.AddUserAsync("off", [Role.AuthorisingOfficial], Scope.Everything);
        var order = await Created(await server.As("off").PostAsJsonAsync(
            "/api/v1/authorisations", new { reference = "Order 55", @case = "OP-MATCHDAY-1", watchlists = new[] { "wanted" }, days = 1 }, ct));
        var deployment = await Created(await server.As("appr").PostAsJsonAsync(
            "/api/v1/deployments", new { name = "match day", site = "north", watchlists = new[] { "wanted" }, authorisation = order.GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture), hours = 2 }, ct));
        Assert.True(deployment.GetProperty("active").GetBoolean());

        string? data = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("alert_id", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
                break;
            }
        }

        var id = long.Parse(JsonDocument.Parse(data!).RootElement.GetProperty("alert_id").GetString()!, CultureInfo.InvariantCulture);

        // Published to every stream at once: a user scoped to another watchlist gets nothing within a generous wait.
        using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            quiet.CancelAfter(TimeSpan.FromSeconds(3));
            var seen = new List<string>();
            try
            {
                while (await otherReader.ReadLineAsync(quiet.Token) is { } line)
                {
                    seen.Add(line);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            Assert.DoesNotContain("event: alert", seen);
        }
        var view = await server.As("op").GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{id}", ct);
        Assert.Equal("wanted", view.GetProperty("alert").GetProperty("watchlist").GetString());
        Assert.Equal("S-1".ToUpperInvariant(), view.GetProperty("subject_name").GetString());
        Assert.Equal("CASE-2026-17", view.GetProperty("legal_basis").GetProperty("case_number").GetString());
        Assert.True(view.GetProperty("action_needs_two_confirmations").GetBoolean());
        foreach (var image in new[] { "snapshot", "enrolled" })
        {
            var png = await server.As("op").GetAsync($"/api/v1/alerts/{id}/{image}", ct);
            await Problems.ExpectAsync(png, HttpStatusCode.OK);
            Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await png.Content.ReadAsByteArrayAsync(ct))[..4]);
        }

        var list = await server.As("op").GetFromJsonAsync<JsonElement>("/api/v1/alerts?status=open", ct);
        Assert.Contains(list.EnumerateArray(), a => a.GetProperty("id").GetInt64() == id);
        Assert.Empty((await server.As("op-south").GetFromJsonAsync<JsonElement>("/api/v1/alerts", ct)).EnumerateArray());
        await Problems.ExpectProblemAsync(await server.As("op-south").GetAsync($"/api/v1/alerts/{id}", ct), HttpStatusCode.Forbidden, "access.denied");

        // Two-person rule: the first confirmation waits for a second user; the same user again and a decided alert are 409.
        await Problems.ExpectProblemAsync(await server.As("op").PostAsJsonAsync($"/api/v1/alerts/{id}/confirm", new { reason = "" }, ct), HttpStatusCode.BadRequest, "alert.reason_required");
        var first = await server.As("op").PostAsJsonAsync($"/api/v1/alerts/{id}/confirm", new { reason = "same face, same jacket" }, ct);
        await Problems.ExpectAsync(first, HttpStatusCode.OK);
        var firstBody = await first.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("awaiting_second_confirmation", firstBody.GetProperty("alert").GetProperty("status").GetString());
        Assert.False(firstBody.GetProperty("action_allowed").GetBoolean());

        // The decision reaches the open live stream as published by the feed: the same alert, kind alert.decided, the
        // new status, no snapshot.
        string? decided = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("alert.decided", StringComparison.Ordinal))
            {
                decided = line["data: ".Length..];
                break;
            }
        }

        var decidedEvent = JsonDocument.Parse(decided!).RootElement;
        Assert.Equal(id.ToString(CultureInfo.InvariantCulture), decidedEvent.GetProperty("alert_id").GetString());
        Assert.Equal("AwaitingSecondConfirmation", decidedEvent.GetProperty("status").GetString());
        Assert.Equal("wanted", decidedEvent.GetProperty("watchlist").GetString());
        Assert.Equal("", decidedEvent.GetProperty("snapshot_png_base64").GetString());
        await Problems.ExpectProblemAsync(
            await server.As("op").PostAsJsonAsync($"/api/v1/alerts/{id}/confirm", new { reason = "again" }, ct), HttpStatusCode.Conflict, "alert.second_confirmation_required");
        var second = await server.As("op2").PostAsJsonAsync($"/api/v1/alerts/{id}/confirm", new { reason = "agree: same person" }, ct);
        await Problems.ExpectAsync(second, HttpStatusCode.OK);
        Assert.True((await second.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("action_allowed").GetBoolean());
        await Problems.ExpectProblemAsync(
            await server.As("op2").PostAsJsonAsync($"/api/v1/alerts/{id}/dismiss", new { reason = "too late" }, ct), HttpStatusCode.Conflict, "alert.already_decided");

        var health = await server.As("op").GetFromJsonAsync<JsonElement>("/api/v1/cameras/health", ct);
        var gate = Assert.Single(health.GetProperty("cameras").EnumerateArray());
        Assert.Equal("gate-1", gate.GetProperty("camera_id").GetString());
        Assert.Empty((await server.As("op-south").GetFromJsonAsync<JsonElement>("/api/v1/cameras/health", ct)).GetProperty("cameras").EnumerateArray());

        // The grid's latest analysed frame: a JPEG for the site's operators, not found for another site's.
        var frame = await server.As("op").GetAsync("/api/v1/cameras/gate-1/frame.jpg", ct);
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
        Assert.Equal("image/jpeg", frame.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0xFF, 0xD8], (await frame.Content.ReadAsByteArrayAsync(ct))[..2]);
        await Problems.ExpectProblemAsync(await server.As("op-south").GetAsync("/api/v1/cameras/gate-1/frame.jpg", ct), HttpStatusCode.NotFound, "camera.not_found");

        // The same health reaches the Prometheus scrape as per-camera series (counts only).
        var metrics = await server.As("admin").GetStringAsync("/metrics", ct);
        Assert.Contains("argus_camera_faces_seen", metrics, StringComparison.Ordinal);
        Assert.Contains("camera=\"gate-1\"", metrics, StringComparison.Ordinal);

        var deployments = await server.As("op").GetFromJsonAsync<JsonElement>("/api/v1/deployments", ct);
        Assert.Single(deployments.EnumerateArray());
        var deploymentId = deployment.GetProperty("id").GetInt64();
        await Problems.ExpectProblemAsync(
            await server.As("appr").PostAsJsonAsync($"/api/v1/deployments/{deploymentId}/end", new { reason = "" }, ct), HttpStatusCode.BadRequest, "deployment.reason_required");
        var ended = await server.As("appr").PostAsJsonAsync($"/api/v1/deployments/{deploymentId}/end", new { reason = "match over" }, ct);
        await Problems.ExpectAsync(ended, HttpStatusCode.OK);
        Assert.False((await ended.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("active").GetBoolean());

        var audit = await server.AuditAsync();
        Assert.Contains(audit, r => r.Action == "alert.raised" && r.Target == $"alert:{id}");
        Assert.Contains(audit, r => r.Action == "alert.confirmed" && r.Actor == "op");
        Assert.Contains(audit, r => r.Action == "alert.confirmed" && r.Actor == "op2");
        Assert.Contains(audit, r => r.Action == "alert.confirm" && r.Outcome == "refused" && r.Actor == "op");
        Assert.Contains(audit, r => r.Action == "deployment.created");
        Assert.Contains(audit, r => r.Action == "cameras.health" && r.Actor == "op");
    }

    [SkippableFact]
    public async Task Bad_input_to_the_review_and_deployment_endpoints_gets_a_problem_and_writes_nothing()
    {
        await using var server = await StartAsync(cameras: false);
        await Problems.ExpectProblemAsync(await server.As("op").GetAsync("/api/v1/alerts/999"), HttpStatusCode.NotFound, "alert.not_found");
        await Problems.ExpectProblemAsync(await server.As("op").GetAsync("/api/v1/alerts/999/snapshot"), HttpStatusCode.NotFound, "alert.not_found");
        await Problems.ExpectProblemAsync(await server.As("op").PostAsJsonAsync("/api/v1/alerts/999/confirm", new { reason = "yes" }), HttpStatusCode.NotFound, "alert.not_found");
        await Problems.ExpectProblemAsync(await server.As("op").GetAsync("/api/v1/alerts?status=maybe"), HttpStatusCode.BadRequest, "alert.status_invalid");
        await Problems.ExpectProblemAsync(
            await server.As("op").PostAsync("/api/v1/alerts/1/dismiss", new StringContent("{\"reason\":", System.Text.Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "request.malformed_json");

        // Deployments: no authorisation, an unknown watchlist, an unknown camera, a negative duration, an unknown id.
        var appr = server.As("appr");
        await Problems.ExpectProblemAsync(
            await appr.PostAsJsonAsync("/api/v1/deployments", new { name = "x", site = "north", watchlists = new[] { "wanted" } }), HttpStatusCode.BadRequest, "deployment.invalid");
        await Problems.ExpectProblemAsync(
            await appr.PostAsJsonAsync("/api/v1/deployments", new { name = "x", site = "north", watchlists = new[] { "nope" }, authorisation = "Order 1" }),
            HttpStatusCode.NotFound, "watchlist.not_found");
        await Created(await server.As("admin").PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted" }));
        await Problems.ExpectProblemAsync(
            await appr.PostAsJsonAsync("/api/v1/deployments", new { name = "x", cameras = new[] { "ghost" }, watchlists = new[] { "wanted" }, authorisation = "Order 1" }),
            HttpStatusCode.NotFound, "camera.not_found");
        await Problems.ExpectProblemAsync(
            await appr.PostAsJsonAsync("/api/v1/deployments", new { name = "x", site = "north", watchlists = new[] { "wanted" }, authorisation = "Order 1", hours = -1 }),
            HttpStatusCode.BadRequest, "deployment.invalid");
        await Problems.ExpectProblemAsync(await appr.PostAsJsonAsync("/api/v1/deployments/42/end", new { reason = "done" }), HttpStatusCode.NotFound, "deployment.not_found");
        Assert.Empty((await appr.GetFromJsonAsync<JsonElement>("/api/v1/deployments")).EnumerateArray());

        // Face quality: no photo, a corrupt photo; with cameras off the health says why.
        await Problems.ExpectProblemAsync(await server.As("inv").PostAsync("/api/v1/faces/quality", new MultipartFormDataContent { { new StringContent("x"), "other" } }), HttpStatusCode.UnprocessableEntity, "image.empty");
        var corrupt = new MultipartFormDataContent { { new ByteArrayContent([0xFF, 0xD8, 0xFF, 0x00, 0x01]), "photo", "broken.jpg" } };
        var refused = await server.As("inv").PostAsync("/api/v1/faces/quality", corrupt);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var health = await server.As("admin").GetFromJsonAsync<JsonElement>("/api/v1/cameras/health");
        Assert.False(health.GetProperty("running").GetBoolean());
        Assert.Contains("switched off", health.GetProperty("problem").GetString(), StringComparison.Ordinal);

        var audit = await server.AuditAsync();
        Assert.DoesNotContain(audit, r => r.Action == "deployment.created");
        Assert.Contains(audit, r => r.Action == "deployment.create" && r.Outcome == "refused");
        Assert.Contains(audit, r => r.Action == "alert.view" && r.Outcome == "refused");
    }

    [SkippableFact]
    public async Task The_quality_check_describes_the_primary_face_and_keeps_nothing()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync(cameras: false);
        var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(TestPaths.FacesDevFile(Enrolled))), "photo", "p.png" } };
        var response = await server.As("inv").PostAsync("/api/v1/faces/quality", form);
        await Problems.ExpectAsync(response, HttpStatusCode.OK);
        var q = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, q.GetProperty("faces").GetInt32());
        Assert.True(q.GetProperty("usable").GetBoolean());
        Assert.StartsWith("Good", q.GetProperty("message").GetString(), StringComparison.Ordinal);
        var audit = await server.AuditAsync();
        var check = Assert.Single(audit, r => r.Action == "face.quality_check" && r.Actor == "inv" && r.Outcome == "ok");
        Assert.DoesNotContain("sha", check.Details, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(audit, r => r.Action.StartsWith("enrol", StringComparison.Ordinal) || r.Action == "entry.proposed");
    }

    private static async Task<JsonElement> Created(HttpResponseMessage response)
    {
        await Problems.ExpectAsync(response, HttpStatusCode.Created);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<long> ProposeAsync(HttpClient client, string watchlist, string subject, string photo, CancellationToken ct)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(subject), "subject_reference" },
            { new StringContent(subject.ToUpperInvariant()), "subject_name" },
            { new StringContent("CASE-2026-17"), "case" },
            { new StringContent("armed robbery"), "grounds" },
            { new StringContent("DI Jones"), "officer" },
            { new StringContent("Metropolitan Police"), "authority" },
            { new StringContent("Warrant 2026/17"), "instrument" },
            { new StringContent(DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), "expires" },
            { new StringContent("custody:CR-0001"), "image_source" },
            { new StringContent("suspect seen near the bank"), "reason" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(TestPaths.FacesDevFile(photo), ct)), "photos", Path.GetFileName(photo) },
        };
        return (await Created(await client.PostAsync($"/api/v1/watchlists/{watchlist}/entries", form, ct))).GetProperty("id").GetInt64();
    }
}

public sealed class SqliteAlertReviewTests : AlertReviewTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresAlertReviewTests : AlertReviewTests
{
    protected override bool Postgres => true;
}
