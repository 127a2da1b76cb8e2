using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Argus.Application.ServiceGalleries;
using Argus.Core.Access;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Tests;
using Argus.Vision.Imaging;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Server.Tests;

/// <summary>
/// The service-gallery API (issue 7) over real HTTP on SQLite and PostgreSQL: police roles refused everywhere,
/// 503 without the service key, the administration, verification and gate flows, and bad input refused with its
/// code and nothing written.
/// </summary>
[Trait("Category", "Integration")]
public abstract class ServiceApiTests
{
    // faces-dev: A and B are riders/ticket holders (probe = another photo of the same person); the stranger is enrolled nowhere.
    private const string PersonA = "images/deepface_c05/img16.jpg";
    private const string PersonAProbe = "images/deepface_c05/img17.jpg";
    private const string PersonB = "images/deepface_c06/img18.jpg";
    private const string PersonBProbe = "images/deepface_c06/img19.jpg";
    private const string Stranger = "images/deepface_c07/img20.jpg";
    private const string NoFace = "hard/no_face/dlib_dog.jpg";

    protected abstract bool Postgres { get; }

    private static string Key { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static byte[] Photo(string relative) => File.ReadAllBytes(TestPaths.FacesDevFile(relative));

    private async Task<ArgusTestServer> StartAsync(bool withKey, TimeProvider? time = null)
    {
        Skip.If(Postgres && ArgusTestServer.PostgresConnection is null, $"{ArgusTestServer.PostgresVariable} is not set: PostgreSQL server tests skipped.");
        var server = await ArgusTestServer.StartAsync(Postgres, new Dictionary<string, string?> { [ServiceCipher.KeyVariable] = withKey ? Key : "" }, time);
        await server.AddUserAsync("clerk", [Role.EnrolmentClerk], Scope.Everything);
        await server.AddUserAsync("term", [Role.ServiceTerminal], Scope.Everything);
        await server.AddUserAsync("inv", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("op", [Role.Operator], Scope.Everything);
        await server.AddUserAsync("appr", [Role.Approver], Scope.Everything);

        // Holds the service roles too: the police role still keeps it out.
        await server.AddUserAsync("clerk-inv", [Role.EnrolmentClerk, Role.ServiceTerminal, Role.Investigator], Scope.Everything);
        return server;
    }

    private static IEnumerable<MatrixRow> ServiceRows => AuthorisationMatrix.Rows.Where(r => r.Pattern.StartsWith("/api/v1/service/", StringComparison.Ordinal) || r.Pattern == "/api/v1/verify");

    /// <summary>A request the endpoint can bind (multipart or JSON), so what answers is the endpoint, not the binder.</summary>
    private static HttpRequestMessage Bindable(MatrixRow row)
    {
        var request = AuthorisationMatrix.Request(row);
        if (row.Method == "POST")
        {
            request.Content = row.Pattern.EndsWith("/customers", StringComparison.Ordinal) || row.Pattern.Contains("/gates/", StringComparison.Ordinal) || row.Pattern == "/api/v1/verify"
                ? new MultipartFormDataContent { { new StringContent("x"), "gallery" } }
                : JsonContent.Create(new { });
        }

        return request;
    }

    /// <summary>Fixed thresholds for the HTTP contract (accuracy is tested on a real calibration in Argus.Application.Tests).</summary>
    private static void WriteCalibration(ArgusTestServer server)
    {
        var contract = server.Runtime.Engine().Contract;
        var points = new JsonArray(
            new JsonObject { ["target_fmr"] = 1e-3, ["threshold"] = 0.28, ["measured_fmr"] = 1e-3, ["fnmr"] = 0.01, ["supported"] = true },
            new JsonObject { ["target_fmr"] = 1e-4, ["threshold"] = 0.32, ["measured_fmr"] = 1e-4, ["fnmr"] = 0.02, ["supported"] = true },
            new JsonObject { ["target_fmr"] = 1e-5, ["threshold"] = 0.36, ["measured_fmr"] = 1e-5, ["fnmr"] = 0.03, ["supported"] = false });
        var json = new JsonObject
        {
            ["contract"] = contract.Id,
            ["calibrated_at"] = "2026-11-27T08:00:00Z",
            ["impostor_pairs"] = 100_000,
            ["operating_points"] = points,
        };
        File.WriteAllText(OperatingPointTable.PathIn(server.Runtime.Paths.DataDirectory), json.ToJsonString());
    }

    private static MultipartFormDataContent Customer(string reference, string? expires, params byte[][] photos)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(reference), "reference" },
            { new StringContent("Customer " + reference), "display_name" },
            { new StringContent(reference), "consent_given_by" },
            { new StringContent("face verification at the counter"), "consent_purpose" },
            { new StringContent("branch"), "consent_channel" },
        };
        if (expires is not null)
        {
            form.Add(new StringContent(expires), "consent_expires");
        }

        foreach (var p in photos)
        {
            form.Add(new ByteArrayContent(p), "images", "photo.jpg");
        }

        return form;
    }

    private static MultipartFormDataContent Probe(string gallery, string claimed, params byte[][] images)
    {
        var form = new MultipartFormDataContent { { new StringContent(gallery), "gallery" }, { new StringContent(claimed), "claimed_reference" } };
        foreach (var i in images)
        {
            form.Add(new ByteArrayContent(i), "images", "probe.jpg");
        }

        return form;
    }

    private static MultipartFormDataContent Passage(string gallery, string passage, byte[] frame, string? ticket = null, string? banList = null)
    {
        var form = new MultipartFormDataContent { { new StringContent(gallery), "gallery" }, { new StringContent(passage), "passage" }, { new ByteArrayContent(frame), "frames", "frame.jpg" } };
        if (ticket is not null)
        {
            form.Add(new StringContent(ticket), "ticket");
        }

        if (banList is not null)
        {
            form.Add(new StringContent(banList), "ban_list");
        }

        return form;
    }

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        await Problems.ExpectAsync(response, status);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Expires(TimeProvider time, int days) => time.GetUtcNow().AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [SkippableFact]
    public async Task Police_roles_are_refused_on_every_service_endpoint_even_beside_a_service_role_and_the_refusal_is_audited()
    {
        await using var server = await StartAsync(withKey: true);
        var rows = ServiceRows.ToList();
        Assert.Equal(13, rows.Count);
        foreach (var row in rows)
        {
            foreach (var user in (string[])["inv", "op", "appr", "clerk-inv"])
            {
                await Problems.ExpectProblemAsync(await server.As(user).SendAsync(Bindable(row)), HttpStatusCode.Forbidden, "access.denied");
            }
        }

        var audit = await server.AuditAsync();
        foreach (var user in (string[])["inv", "op", "appr", "clerk-inv"])
        {
            Assert.Equal(rows.Count, audit.Count(r => r.Actor == user && r.Outcome == "refused" && r.Details.Contains("access.denied", StringComparison.Ordinal)));
        }

        // Nothing was created by any of them.
        Assert.Empty(await server.Store.ListServiceGalleriesAsync(new Principal("clerk", "clerk", new HashSet<Role> { Role.EnrolmentClerk }, Scope.Everything)));
    }

    [SkippableFact]
    public async Task The_service_console_pages_are_served_from_this_server_without_a_cdn()
    {
        await using var server = await StartAsync(withKey: false);
        var client = server.Anonymous();
        var page = await client.GetStringAsync("/service/");
        Assert.Contains("<title>Argus · Service galleries</title>", page, StringComparison.Ordinal);
        foreach (var file in (string[])["/service/app.js", "/service/api.js", "/service/service.css"])
        {
            var response = await client.GetAsync(file);
            await Problems.ExpectAsync(response, HttpStatusCode.OK);
            Assert.DoesNotContain("https://", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Without_the_service_key_every_service_endpoint_answers_503_and_the_rest_of_the_server_works()
    {
        await using var server = await StartAsync(withKey: false);
        foreach (var row in ServiceRows)
        {
            var user = row.Pattern.Contains("/gates/{gate}/", StringComparison.Ordinal) || row.Pattern == "/api/v1/verify" ? "term" : "clerk";
            var problem = await Problems.ExpectProblemAsync(await server.As(user).SendAsync(Bindable(row)), HttpStatusCode.ServiceUnavailable, "service.key_missing");
            Assert.Contains("ARGUS_SERVICE_KEY", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        await Problems.ExpectAsync(await server.As("inv").GetAsync("/api/v1/watchlists"), HttpStatusCode.OK);
        await Problems.ExpectAsync(await server.As("clerk").GetAsync("/api/v1/session"), HttpStatusCode.OK);
        Assert.Empty(await server.Store.ListServiceGalleriesAsync(new Principal("clerk", "clerk", new HashSet<Role> { Role.EnrolmentClerk }, Scope.Everything)));
    }

    [SkippableFact]
    public async Task Clerks_enrol_with_consent_export_and_erase_with_receipts_and_terminals_verify_with_the_operating_point_and_liveness()
    {
        TestPaths.RequireFacesDev();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(withKey: true, time);
        WriteCalibration(server);
        var clerk = server.As("clerk");
        var term = server.As("term");

        var created = await OkAsync(await clerk.PostAsJsonAsync("/api/v1/service/galleries", new { name = "bank", kind = "bank", description = "counter checks" }), HttpStatusCode.Created);
        Assert.Equal("bank", created.GetProperty("kind").GetString());
        await Problems.ExpectProblemAsync(await clerk.PostAsJsonAsync("/api/v1/service/galleries", new { name = "bank", kind = "bank" }), HttpStatusCode.Conflict, "gallery.exists");
        await Problems.ExpectProblemAsync(await clerk.PostAsJsonAsync("/api/v1/service/galleries", new { name = "x", kind = "casino" }), HttpStatusCode.BadRequest, "service.invalid_kind");
        await Problems.ExpectProblemAsync(
            await clerk.PostAsync("/api/v1/service/galleries", new StringContent("{\"name\": \"half", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, null);

        await OkAsync(await clerk.PostAsync("/api/v1/service/galleries/bank/customers", Customer("alice", Expires(time, 365), Photo(PersonA))), HttpStatusCode.Created);
        await OkAsync(await clerk.PostAsync("/api/v1/service/galleries/bank/customers", Customer("brief", Expires(time, 0), Photo(PersonB))), HttpStatusCode.Created);

        // Bad enrolments: nothing written for any of them.
        await Problems.ExpectProblemAsync(await clerk.PostAsync("/api/v1/service/galleries/bank/customers", Customer("dog", Expires(time, 30), Photo(PersonAProbe), Photo(NoFace))), HttpStatusCode.UnprocessableEntity, "face.none");
        await Problems.ExpectProblemAsync(await clerk.PostAsync("/api/v1/service/galleries/bank/customers", Customer("junk", Expires(time, 30), Photo(PersonAProbe), Photo(PersonB)[..2000])), HttpStatusCode.UnprocessableEntity, "image.truncated");
        await Problems.ExpectProblemAsync(await clerk.PostAsync("/api/v1/service/galleries/bank/customers", Customer("noexpiry", null, Photo(PersonAProbe))), HttpStatusCode.UnprocessableEntity, "consent.invalid");
        await Problems.ExpectProblemAsync(await clerk.PostAsync("/api/v1/service/galleries/bank/customers", Customer("past", Expires(time, -3), Photo(PersonAProbe))), HttpStatusCode.UnprocessableEntity, "consent.invalid");
        await Problems.ExpectProblemAsync(await clerk.PostAsync("/api/v1/service/galleries/nowhere/customers", Customer("x", Expires(time, 30), Photo(PersonAProbe))), HttpStatusCode.NotFound, "gallery.not_found");
        await Problems.ExpectProblemAsync(
            await Problems.PostOversizedAsync(clerk, "/api/v1/service/galleries/bank/customers", Customer("huge", Expires(time, 30), new byte[3 * 1024 * 1024])), HttpStatusCode.RequestEntityTooLarge, "request.too_large");
        foreach (var reference in (string[])["dog", "junk", "noexpiry", "past", "huge"])
        {
            await Problems.ExpectProblemAsync(await clerk.GetAsync($"/api/v1/service/galleries/bank/customers/{reference}/export"), HttpStatusCode.NotFound, "service.person_not_found");
        }

        var list = await OkAsync(await clerk.GetAsync("/api/v1/service/galleries"));
        Assert.Equal(2, list[0].GetProperty("people").GetInt64());

        // Verification: the decision, score, operating point and the liveness report (never validated).
        var match = await OkAsync(await term.PostAsync("/api/v1/verify", Probe("bank", "alice", Photo(PersonAProbe))));
        Assert.Equal("match", match.GetProperty("decision").GetString());
        Assert.True(match.GetProperty("score").GetDouble() >= 0.32, match.ToString());
        Assert.Equal(1e-4, match.GetProperty("operating_point").GetProperty("target_fmr").GetDouble());
        Assert.Equal(0.32, match.GetProperty("operating_point").GetProperty("threshold").GetDouble(), 4);
        Assert.False(match.GetProperty("liveness").GetProperty("validated").GetBoolean());
        var impostor = await OkAsync(await term.PostAsync("/api/v1/verify", Probe("bank", "alice", Photo(Stranger))));
        Assert.Equal("no_match", impostor.GetProperty("decision").GetString());
        var strict = new MultipartFormDataContent { { new StringContent("bank"), "gallery" }, { new StringContent("alice"), "claimed_reference" }, { new StringContent("1e-5"), "target_fmr" }, { new ByteArrayContent(Photo(PersonAProbe)), "images", "p.jpg" } };
        Assert.Equal(1e-5, (await OkAsync(await term.PostAsync("/api/v1/verify", strict))).GetProperty("operating_point").GetProperty("target_fmr").GetDouble());

        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/verify", Probe("bank", "nobody", Photo(PersonAProbe))), HttpStatusCode.NotFound, "service.person_not_found");
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/verify", Probe("bank", "alice", Photo(NoFace))), HttpStatusCode.UnprocessableEntity, "face.none");
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/verify", Probe("bank", "alice", [1, 2, 3, 4, 5, 6, 7, 8])), HttpStatusCode.UnprocessableEntity, "image.unsupported_format");
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/verify", Probe("bank", "alice")), HttpStatusCode.BadRequest, "probe.empty");
        var badFmr = new MultipartFormDataContent { { new StringContent("bank"), "gallery" }, { new StringContent("alice"), "claimed_reference" }, { new StringContent("0.5e"), "target_fmr" } };
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/verify", badFmr), HttpStatusCode.BadRequest, "argument.invalid");

        // Consent runs out: verification refuses, the purge erases with a receipt.
        time.Advance(TimeSpan.FromDays(2));
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/verify", Probe("bank", "brief", Photo(PersonBProbe))), HttpStatusCode.UnprocessableEntity, "consent.expired");
        var purged = await OkAsync(await clerk.PostAsync("/api/v1/service/galleries/bank/purge-expired", null));
        Assert.Equal("brief", Assert.Single(purged.EnumerateArray()).GetProperty("reference").GetString());

        // Data-subject export and erasure, receipts in the response and in the audit.
        var export = await OkAsync(await clerk.GetAsync("/api/v1/service/galleries/bank/customers/alice/export"));
        var receipt = export.GetProperty("receipt_sha256").GetString()!;
        Assert.Equal("Customer alice", export.GetProperty("export").GetProperty("display_name").GetString());
        Assert.Equal("branch", export.GetProperty("export").GetProperty("consent").GetProperty("channel").GetString());
        Assert.Equal(512, export.GetProperty("export").GetProperty("templates")[0].GetProperty("embedding").GetArrayLength());
        var erased = await OkAsync(await clerk.DeleteAsync("/api/v1/service/galleries/bank/customers/alice"));
        Assert.Equal(1, erased.GetProperty("templates_removed").GetInt32());
        Assert.Matches("^[0-9a-f]{64}$", erased.GetProperty("receipt_sha256").GetString()!);
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/verify", Probe("bank", "alice", Photo(PersonAProbe))), HttpStatusCode.NotFound, "service.person_not_found");
        await Problems.ExpectProblemAsync(await clerk.DeleteAsync("/api/v1/service/galleries/bank/customers/alice"), HttpStatusCode.NotFound, "service.person_not_found");

        var audit = await server.AuditAsync();
        Assert.Contains(audit, r => r.Action == "service.exported" && r.Details.Contains(receipt, StringComparison.Ordinal));
        Assert.Contains(audit, r => r.Action == "service.erased" && r.Details.Contains(erased.GetProperty("receipt_sha256").GetString()!, StringComparison.Ordinal));
        Assert.Equal(3, audit.Count(r => r.Action == "service.verified"));
        Assert.Contains(audit, r => r.Action == "service.verify" && r.Outcome == "refused" && r.Details.Contains("consent.expired", StringComparison.Ordinal));
        Assert.DoesNotContain(audit, r => r.Details.Contains("Customer alice", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Gates_charge_once_per_passage_refund_and_alert_stewards_to_a_banned_fan_and_the_monitor_lists_decisions()
    {
        TestPaths.RequireFacesDev();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(withKey: true, time);
        WriteCalibration(server);
        var clerk = server.As("clerk");
        var term = server.As("term");

        await OkAsync(await clerk.PostAsJsonAsync("/api/v1/service/galleries", new { name = "metro", kind = "transit" }), HttpStatusCode.Created);
        await OkAsync(await clerk.PostAsync("/api/v1/service/galleries/metro/customers", Customer("rider-a", Expires(time, 90), Photo(PersonA))), HttpStatusCode.Created);
        await OkAsync(await clerk.PostAsync("/api/v1/service/galleries/metro/customers", Customer("rider-b", Expires(time, 90), Photo(PersonB))), HttpStatusCode.Created);

        var charged = await OkAsync(await term.PostAsync("/api/v1/service/gates/g-1/passages", Passage("metro", "p-1", Photo(PersonAProbe))));
        Assert.Equal(("open", "charged"), (charged.GetProperty("outcome").GetString(), charged.GetProperty("reason").GetString()));
        var chargeId = charged.GetProperty("ledger").GetProperty("id").GetInt64();
        var again = await OkAsync(await term.PostAsync("/api/v1/service/gates/g-1/passages", Passage("metro", "p-1", Photo(PersonAProbe))));
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(chargeId, again.GetProperty("ledger").GetProperty("id").GetInt64());
        var stranger = await OkAsync(await term.PostAsync("/api/v1/service/gates/g-1/passages", Passage("metro", "p-2", Photo(Stranger))));
        Assert.Equal(("refused", "no_match"), (stranger.GetProperty("outcome").GetString(), stranger.GetProperty("reason").GetString()));
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/service/gates/g-1/passages", Passage("metro", "p-3", Photo(PersonAProbe)[..4000])), HttpStatusCode.UnprocessableEntity, "image.truncated");
        var noPassage = new MultipartFormDataContent { { new StringContent("metro"), "gallery" }, { new ByteArrayContent(Photo(PersonAProbe)), "frames", "f.jpg" } };
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/service/gates/g-1/passages", noPassage), HttpStatusCode.BadRequest, "gate.invalid_passage");

        // Concurrent duplicates of one passage (a gate retrying): one charge between them.
        var burst = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => term.PostAsync("/api/v1/service/gates/g-1/passages", Passage("metro", "p-9", Photo(PersonBProbe)))));
        var outcomes = new List<JsonElement>();
        foreach (var r in burst)
        {
            outcomes.Add(await OkAsync(r));
        }

        Assert.Equal(1, outcomes.Count(o => o.GetProperty("reason").GetString() == "charged"));
        Assert.Equal(3, outcomes.Count(o => o.GetProperty("reason").GetString() == "already_charged"));
        Assert.Single(outcomes.Select(o => o.GetProperty("ledger").GetProperty("id").GetInt64()).Distinct());
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/service/gates/g-1/passages", Passage("nowhere", "p-10", Photo(PersonBProbe))), HttpStatusCode.NotFound, "gallery.not_found");
        var unknownRate = Passage("metro", "p-11", Photo(PersonBProbe));
        unknownRate.Add(new StringContent("3e-7"), "target_fmr");
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/service/gates/g-1/passages", unknownRate), HttpStatusCode.BadRequest, "verification.operating_point_unknown");

        // One charge in the ledger; a refund once, a repeat is a duplicate; bad refunds refused.
        var ledger = await OkAsync(await clerk.GetAsync("/api/v1/service/galleries/metro/ledger"));
        Assert.Equal(2, ledger.GetArrayLength());
        Assert.Equal(chargeId, ledger[1].GetProperty("id").GetInt64());
        var refund = await OkAsync(await clerk.PostAsJsonAsync($"/api/v1/service/ledger/{chargeId}/refund", new { reason = "gate fault" }));
        Assert.False(refund.GetProperty("duplicate").GetBoolean());
        Assert.True(refund.GetProperty("refund").GetProperty("amount_cents").GetInt64() < 0);
        Assert.True((await OkAsync(await clerk.PostAsJsonAsync($"/api/v1/service/ledger/{chargeId}/refund", new { reason = "gate fault" }))).GetProperty("duplicate").GetBoolean());
        await Problems.ExpectProblemAsync(await clerk.PostAsJsonAsync($"/api/v1/service/ledger/{chargeId}/refund", new { }), HttpStatusCode.BadRequest, "ledger.reason_required");
        await Problems.ExpectProblemAsync(await clerk.PostAsJsonAsync("/api/v1/service/ledger/999999/refund", new { reason = "x" }), HttpStatusCode.NotFound, "ledger.not_found");
        await Problems.ExpectProblemAsync(
            await clerk.PostAsync($"/api/v1/service/ledger/{chargeId}/refund", new StringContent("{\"reason\":", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, null);
        Assert.Equal(3, (await OkAsync(await clerk.GetAsync("/api/v1/service/galleries/metro/ledger"))).GetArrayLength());

        // Venue: the ticket holder enters; a banned fan (approved venue-ban entry) is refused and stewards see the legal basis.
        await OkAsync(await clerk.PostAsJsonAsync("/api/v1/service/galleries", new { name = "stadium", kind = "venue" }), HttpStatusCode.Created);
        await OkAsync(await clerk.PostAsync("/api/v1/service/galleries/stadium/customers", Customer("ticket-1", Expires(time, 10), Photo(PersonA))), HttpStatusCode.Created);
        await OkAsync(await clerk.PostAsync("/api/v1/service/galleries/stadium/customers", Customer("ticket-2", Expires(time, 10), Photo(PersonB))), HttpStatusCode.Created);
        var entryId = await BanAsync(server, time, "bans", PersonB);

        var admitted = await OkAsync(await term.PostAsync("/api/v1/service/gates/north-3/entries", Passage("stadium", "e-1", Photo(PersonAProbe), "ticket-1", "bans")));
        Assert.Equal(("open", "admitted"), (admitted.GetProperty("outcome").GetString(), admitted.GetProperty("reason").GetString()));
        Assert.Equal(JsonValueKind.Null, admitted.GetProperty("steward_alert").ValueKind);
        var banned = await OkAsync(await term.PostAsync("/api/v1/service/gates/north-3/entries", Passage("stadium", "e-2", Photo(PersonBProbe), "ticket-2", "bans")));
        Assert.Equal(("refused", "banned"), (banned.GetProperty("outcome").GetString(), banned.GetProperty("reason").GetString()));
        var notHolder = await OkAsync(await term.PostAsync("/api/v1/service/gates/north-3/entries", Passage("stadium", "e-3", Photo(Stranger), "ticket-1", "bans")));
        Assert.Equal("not_ticket_holder", notHolder.GetProperty("reason").GetString());
        await Problems.ExpectProblemAsync(await term.PostAsync("/api/v1/service/gates/north-3/entries", Passage("stadium", "e-4", Photo(PersonAProbe), "ticket-1", "no-such-list")), HttpStatusCode.NotFound, null);

        var alerts = await OkAsync(await term.GetAsync("/api/v1/service/steward-alerts?after=0"));
        var alert = Assert.Single(alerts.EnumerateArray());
        Assert.Equal(entryId, alert.GetProperty("entry_id").GetInt64());
        Assert.Equal("Football Banning Order 2026/9", alert.GetProperty("legal_basis").GetProperty("legal_instrument").GetString());
        Assert.Equal("e-2", alert.GetProperty("passage").GetString());
        Assert.Empty((await OkAsync(await term.GetAsync($"/api/v1/service/steward-alerts?after={alert.GetProperty("id").GetInt64()}"))).EnumerateArray());

        // The gate monitor: every decision, newest first, from the audit; filtered by gallery.
        var decisions = await OkAsync(await clerk.GetAsync("/api/v1/service/gates/decisions?last=20"));
        var reasons = decisions.EnumerateArray().Select(d => d.GetProperty("reason").GetString()).ToList();
        Assert.Equal(["not_ticket_holder", "banned", "admitted"], reasons[..3]);
        Assert.Equal(["no_match", "already_charged", "charged"], reasons[^3..]);
        Assert.Equal(10, reasons.Count);
        var metro = await OkAsync(await clerk.GetAsync("/api/v1/service/gates/decisions?gallery=metro"));
        Assert.Equal(7, metro.GetArrayLength());
        Assert.Equal("face_pay", metro[0].GetProperty("kind").GetString());
        var newest = decisions[0].GetProperty("sequence").GetInt64();
        Assert.Equal(["banned", "not_ticket_holder"], (await OkAsync(await clerk.GetAsync($"/api/v1/service/gates/decisions?after={decisions[2].GetProperty("sequence").GetInt64()}"))).EnumerateArray().Select(d => d.GetProperty("reason").GetString()).Reverse());
        Assert.Empty((await OkAsync(await clerk.GetAsync($"/api/v1/service/gates/decisions?after={newest}"))).EnumerateArray());
    }

    /// <summary>A venue-ban watchlist with one approved entry for the person in <paramref name="image"/> (proposed by one officer, approved by another).</summary>
    private static async Task<long> BanAsync(ArgusTestServer server, TimeProvider time, string name, string image)
    {
        var engine = server.Runtime.Engine();
        using var decoded = ImageDecoder.Decode(Photo(image));
        var embedding = engine.AnalyzePrimary(decoded).Face!.Embedding!;
        var now = time.GetUtcNow();
        var w = await server.Store.CreateWatchlistAsync(new NewWatchlist(name, WatchlistCategory.VenueBan), engine.Contract, "admin");
        var subject = await server.Store.CreateSubjectAsync(new NewSubject("Banned Fan"));
        await server.Store.AddTemplateAsync(w.GalleryId, NewTemplate.From(embedding, subject.Id, new string('b', 64), "ann"));
        var basis = new LegalBasis("BAN-2026-9", "pitch invasion", "PC Smith", "City Magistrates", "Football Banning Order 2026/9", now.AddDays(200), [new ImageSource(new string('a', 64), "custody", "CR-9")]);
        var investigator = new Principal("ann", "ann", new HashSet<Role> { Role.Investigator }, Scope.Everything);
        var approver = new Principal("sam", "sam", new HashSet<Role> { Role.Approver }, Scope.Everything);
        var entry = await server.Store.AddEntryAsync(w, subject.Id, WatchlistEntry.Propose("new", w.Name, w.Policy, "pending", basis, investigator, "banned by the court", now));
        return (await server.Store.ChangeEntryAsync(entry.Id, e => e.Entry.Approve(approver, "order checked", now))).Id;
    }
}

public sealed class SqliteServiceApiTests : ServiceApiTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresServiceApiTests : ServiceApiTests
{
    protected override bool Postgres => true;
}
