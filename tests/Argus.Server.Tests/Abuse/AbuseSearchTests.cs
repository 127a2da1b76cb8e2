using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Argus.Core.Access;
using Argus.Core.Purposes;
using Argus.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Server.Tests.Abuse;

/// <summary>
/// Search, authorisation, legal basis and the transparency report, tried as a hostile insider would against the real
/// server (SQLite and PostgreSQL): each attempt is refused with its stable code, changes nothing, and is audited once.
/// </summary>
public abstract class AbuseSearchTests
{
    private const string Case = "CASE-2026-17";
    private const string Justification = "matches the description given by two witnesses";

    protected abstract bool Postgres { get; }

    private static string Img(string relative) => TestPaths.FacesDevFile(Path.Combine("images", relative));

    private async Task<ArgusTestServer> StartAsync(TimeProvider? time = null)
    {
        Skip.If(Postgres && ArgusTestServer.PostgresConnection is null, $"{ArgusTestServer.PostgresVariable} is not set: PostgreSQL server tests skipped.");
        var server = await ArgusTestServer.StartAsync(Postgres, time: time);
        await server.AddUserAsync("inv", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("appr", [Role.Approver], Scope.Everything);
        await server.AddUserAsync("off", [Role.AuthorisingOfficial], Scope.Everything);
        await server.AddUserAsync("aud", [Role.Auditor], Scope.Everything);
        await server.AddUserAsync("clerk", [Role.EnrolmentClerk], Scope.Everything);
        return server;
    }

    /// <summary>Runs <paramref name="attempt"/>, asserts the refusal and that exactly one refused record with its code was audited.</summary>
    private static async Task<JsonElement> RefusedOnceAsync(ArgusTestServer server, Func<Task<HttpResponseMessage>> attempt, HttpStatusCode status, string code)
    {
        var before = await CountRefusalsAsync(server, code);
        var problem = await Problems.ExpectProblemAsync(await attempt(), status, code);
        Assert.Equal(before + 1, await CountRefusalsAsync(server, code));
        return problem;
    }

    private static async Task<int> CountRefusalsAsync(ArgusTestServer server, string code) =>
        (await server.AuditAsync()).Count(r => r.Outcome == "refused" && r.Details.Contains($"\"code\":\"{code}\"", StringComparison.Ordinal));

    private static Task<int> SearchesAsync(ArgusTestServer server, string user) => server.Store.CountSearchesAsync(user, DateTimeOffset.UnixEpoch);

    private static async Task CreateWatchlistAsync(ArgusTestServer server, string name, string category) =>
        await Problems.ExpectAsync(await server.As("admin").PostAsJsonAsync("/api/v1/watchlists", new { name, category, max_days = 90 }), HttpStatusCode.Created);

    private static MultipartFormDataContent EntryForm(string subject, string caseNumber = Case, string instrument = "Warrant 2026/17") => new()
    {
        { new StringContent(subject), "subject_reference" },
        { new StringContent(subject.ToUpperInvariant()), "subject_name" },
        { new StringContent(caseNumber), "case" },
        { new StringContent("armed robbery"), "grounds" },
        { new StringContent("DI Jones"), "officer" },
        { new StringContent("Metropolitan Police"), "authority" },
        { new StringContent(instrument), "instrument" },
        { new StringContent(DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), "expires" },
        { new StringContent("custody:CR-0001"), "image_source" },
        { new StringContent("suspect seen near the bank"), "reason" },
    };

    /// <summary>Proposes (inv) and approves (appr) an entry with one photo; returns its id.</summary>
    private static async Task<long> ActiveEntryAsync(ArgusTestServer server, string watchlist, string subject, string photo, string instrument = "Warrant 2026/17")
    {
        var form = EntryForm(subject, instrument: instrument);
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(Img(photo))), "photos", Path.GetFileName(photo));
        var response = await server.As("inv").PostAsync($"/api/v1/watchlists/{watchlist}/entries", form);
        await Problems.ExpectAsync(response, HttpStatusCode.Created);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await Problems.ExpectAsync(await server.As("appr").PostAsJsonAsync($"/api/v1/entries/{id}/approve", new { reason = "warrant checked" }), HttpStatusCode.OK);
        return id;
    }

    private static async Task<MultipartFormDataContent> SearchFormAsync(
        string? watchlist, string photo, string purpose = "investigation", string caseReference = Case, string justification = Justification,
        string? authorisation = null, string? top = null, string? threshold = null)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(purpose), "purpose" },
            { new StringContent(caseReference), "case" },
            { new StringContent(justification), "justification" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(Img(photo))), "image", "probe.jpg" },
        };
        foreach (var (name, value) in new[] { ("watchlist", watchlist), ("authorisation", authorisation), ("top", top), ("threshold", threshold) })
        {
            if (value is not null)
            {
                form.Add(new StringContent(value), name);
            }
        }

        return form;
    }

    private static async Task<long> RecordAuthorisationAsync(HttpClient official, object body)
    {
        var response = await official.PostAsJsonAsync("/api/v1/authorisations", body);
        await Problems.ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    [SkippableFact]
    public async Task A_low_threshold_and_a_large_top_cannot_enumerate_a_watchlist_or_a_gallery()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync();
        var a = await WantedAndCustomersAsync(server);
        var inv = server.As("inv");

        // The repro: a photo of nobody on the list, threshold -1, top 100. Refused, and no search is recorded.
        const string Stranger = "fr_kit_harington/john1.jpeg";
        await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Stranger, authorisation: a, top: "100", threshold: "-1")),
            HttpStatusCode.UnprocessableEntity, "search.top_too_large");
        await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Stranger, authorisation: a, top: "10", threshold: "-1")),
            HttpStatusCode.UnprocessableEntity, "search.threshold_too_low");
        await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Stranger, authorisation: a, threshold: "0.44")),
            HttpStatusCode.UnprocessableEntity, "search.threshold_too_low");
        Assert.Equal(0, await SearchesAsync(server, "inv"));

        // At the floor, the stranger matches nobody: no candidate, no name, no case number, no legal basis.
        var response = await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Stranger, authorisation: a, top: "10"));
        await Problems.ExpectAsync(response, HttpStatusCode.OK);
        var body = await response.Content.ReadAsStringAsync();
        var result = JsonDocument.Parse(body).RootElement;
        Assert.False(result.GetProperty("match").GetBoolean());
        Assert.Equal(0, result.GetProperty("candidates").GetArrayLength());
        foreach (var secret in new[] { "OBAMA", "ROSE", Case, "Warrant", "armed robbery" })
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
        }

        // A true match comes back alone, at or above the floor, with its legal basis.
        var found = await (await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", "fr_obama/obama2.jpg", authorisation: a))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, found.GetProperty("candidates").GetArrayLength());
        Assert.All(found.GetProperty("candidates").EnumerateArray(), c => Assert.True(c.GetProperty("score").GetDouble() >= SearchLimits.Floor));

        // The gallery's identify endpoint keeps the same limits.
        var enrol = new MultipartFormDataContent { { new StringContent("cust-1"), "subject_reference" }, { new ByteArrayContent(await File.ReadAllBytesAsync(Img("fr_obama/obama.jpg"))), "images", "p.jpg" } };
        await Problems.ExpectAsync(await server.As("clerk").PostAsync("/api/v1/galleries/customers/subjects", enrol), HttpStatusCode.Created);
        var searches = await SearchesAsync(server, "inv");
        await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/galleries/customers/identify", await SearchFormAsync(null, Stranger, authorisation: a, top: "1000")),
            HttpStatusCode.UnprocessableEntity, "search.top_too_large");
        await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/galleries/customers/identify", await SearchFormAsync(null, Stranger, authorisation: a, threshold: "-1")),
            HttpStatusCode.UnprocessableEntity, "search.threshold_too_low");
        Assert.Equal(searches, await SearchesAsync(server, "inv"));
        var identified = await (await inv.PostAsync("/api/v1/galleries/customers/identify", await SearchFormAsync(null, Stranger, authorisation: a))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, identified.GetProperty("candidates").GetArrayLength());
    }

    [SkippableFact]
    public async Task A_list_floor_follows_the_calibration_and_no_edit_of_it_lowers_the_fixed_floor()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync();
        var a = await WantedAndCustomersAsync(server);
        var enrol = new MultipartFormDataContent { { new StringContent("cust-1"), "subject_reference" }, { new ByteArrayContent(await File.ReadAllBytesAsync(Img("fr_obama/obama.jpg"))), "images", "p.jpg" } };
        await Problems.ExpectAsync(await server.As("clerk").PostAsync("/api/v1/galleries/customers/subjects", enrol), HttpStatusCode.Created);
        var inv = server.As("inv");
        const string Probe = "fr_obama/obama2.jpg";

        // Uncalibrated: the fixed floor, and the true match comes back.
        var plain = await (await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Probe, authorisation: a))).Content.ReadFromJsonAsync<JsonElement>();
        var floor = Assert.Single(plain.GetProperty("floors").EnumerateArray().ToArray());
        Assert.Equal("wanted", floor.GetProperty("list").GetString());
        Assert.False(floor.GetProperty("calibrated").GetBoolean());
        Assert.Equal(SearchLimits.Floor, plain.GetProperty("threshold").GetDouble(), 4);
        Assert.Equal(1, plain.GetProperty("candidates").GetArrayLength());

        // A calibration whose 1%-FPIR point for a list this size lies at 0.95: 0.5, above the fixed floor, is refused
        // for this list (named in the refusal) and for the gallery, and the default leaves the weaker match out.
        WriteCalibration(server, server.Runtime.Engine().Contract.Id, (1e-2, 0.95), (1e-3, 0.97));
        var searches = await SearchesAsync(server, "inv");
        var refused = await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Probe, authorisation: a, threshold: "0.5")),
            HttpStatusCode.UnprocessableEntity, "search.threshold_too_low");
        Assert.Contains("'wanted'", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/galleries/customers/identify", await SearchFormAsync(null, Probe, authorisation: a, threshold: "0.5")),
            HttpStatusCode.UnprocessableEntity, "search.threshold_too_low");
        Assert.Equal(searches, await SearchesAsync(server, "inv"));
        var strict = await (await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Probe, authorisation: a))).Content.ReadFromJsonAsync<JsonElement>();
        floor = Assert.Single(strict.GetProperty("floors").EnumerateArray().ToArray());
        Assert.True(floor.GetProperty("calibrated").GetBoolean());
        Assert.InRange(floor.GetProperty("threshold").GetDouble(), 0.95, 0.97);
        Assert.Equal(floor.GetProperty("threshold").GetDouble(), strict.GetProperty("threshold").GetDouble(), 4);
        Assert.Equal(0, strict.GetProperty("candidates").GetArrayLength());
        var identified = await (await inv.PostAsync("/api/v1/galleries/customers/identify", await SearchFormAsync(null, Probe, authorisation: a))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(identified.GetProperty("floor").GetProperty("calibrated").GetBoolean());
        Assert.Equal(0, identified.GetProperty("candidates").GetArrayLength());

        // An administrator who edits the calibration to low thresholds, or drops in another model's, gets the fixed
        // floor back, never a lower one.
        WriteCalibration(server, server.Runtime.Engine().Contract.Id, (1e-2, 0.05), (1e-3, 0.10));
        await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Probe, authorisation: a, threshold: "0.44")),
            HttpStatusCode.UnprocessableEntity, "search.threshold_too_low");
        var lowered = await (await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Probe, authorisation: a))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(SearchLimits.Floor, lowered.GetProperty("threshold").GetDouble(), 4);
        WriteCalibration(server, "another-model", (1e-2, 0.95), (1e-3, 0.97));
        var foreign = await (await inv.PostAsync("/api/v1/searches", await SearchFormAsync("wanted", Probe, authorisation: a))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(foreign.GetProperty("floors")[0].GetProperty("calibrated").GetBoolean());
        Assert.Equal(SearchLimits.Floor, foreign.GetProperty("threshold").GetDouble(), 4);
    }

    /// <summary>
    /// A wanted list with two active entries (obama, rose), an empty gallery "customers", and an authorisation for
    /// both recorded by the official; returns the authorisation's number.
    /// </summary>
    private static async Task<string> WantedAndCustomersAsync(ArgusTestServer server)
    {
        await CreateWatchlistAsync(server, "wanted", "wanted");
        await ActiveEntryAsync(server, "wanted", "obama", "fr_obama/obama.jpg");
        await ActiveEntryAsync(server, "wanted", "rose", "fr_rose_leslie/img1.jpg");
        await Problems.ExpectAsync(await server.As("clerk").PostAsJsonAsync("/api/v1/galleries", new { name = "customers" }), HttpStatusCode.Created);
        var auth = await RecordAuthorisationAsync(server.As("off"), new { reference = "Order 2026/9", @case = Case, watchlists = new[] { "wanted", "customers" }, days = 30 });
        return auth.ToString(CultureInfo.InvariantCulture);
    }

    private static void WriteCalibration(ArgusTestServer server, string contract, params (double Fmr, double Threshold)[] points)
    {
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["contract"] = contract,
            ["calibrated_at"] = "2026-12-08T00:00:00Z",
            ["impostor_pairs"] = 100_000,
            ["operating_points"] = new System.Text.Json.Nodes.JsonArray([.. points.Select(p => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
            {
                ["target_fmr"] = p.Fmr, ["threshold"] = p.Threshold, ["measured_fmr"] = p.Fmr, ["fnmr"] = 0.01, ["supported"] = true,
            })]),
        };
        File.WriteAllText(Argus.Application.ServiceGalleries.OperatingPointTable.PathIn(server.Runtime.Paths.DataDirectory), json.ToJsonString());
    }

    [SkippableFact]
    public async Task An_authorisation_is_recorded_by_someone_else_and_covers_the_case_the_lists_and_the_time()
    {
        TestPaths.RequireFacesDev();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(time);
        await server.AddUserAsync("both", [Role.Investigator, Role.AuthorisingOfficial], Scope.Everything);
        await CreateWatchlistAsync(server, "wanted", "wanted");
        await CreateWatchlistAsync(server, "missing", "missing");
        await ActiveEntryAsync(server, "wanted", "obama", "fr_obama/obama.jpg");
        const string Probe = "fr_obama/obama2.jpg";
        var inv = server.As("inv");
        async Task<HttpResponseMessage> Search(string watchlist, string purpose, string? authorisation, string caseReference = Case, HttpClient? client = null) =>
            await (client ?? inv).PostAsync("/api/v1/searches", await SearchFormAsync(watchlist, Probe, purpose, caseReference, authorisation: authorisation));

        // Self-declared authorisation: free text, and a missing-person search of a wanted list, count for nothing.
        await RefusedOnceAsync(server, () => Search("wanted", "investigation", "x"), HttpStatusCode.NotFound, "authorisation.not_found");
        await RefusedOnceAsync(server, () => Search("wanted", "investigation", "Order 2026/9"), HttpStatusCode.NotFound, "authorisation.not_found");
        await RefusedOnceAsync(server, () => Search("wanted", "missing-person", null), HttpStatusCode.UnprocessableEntity, "authorisation.required");
        Assert.Equal(0, await SearchesAsync(server, "inv"));

        // The purpose's own category needs none.
        await Problems.ExpectAsync(await Search("missing", "missing-person", null), HttpStatusCode.OK);

        // Only an authorising official records one; an investigator, an approver and an administrator cannot.
        var body = new { reference = "Court order 2026/77", @case = Case, watchlists = new[] { "wanted" }, days = 1 };
        foreach (var user in new[] { "inv", "appr", "admin" })
        {
            await RefusedOnceAsync(server, () => server.As(user).PostAsJsonAsync("/api/v1/authorisations", body), HttpStatusCode.Forbidden, "access.denied");
        }

        await RefusedOnceAsync(server, () => server.As("off").PostAsJsonAsync("/api/v1/authorisations", new { reference = "x", @case = "C", watchlists = new[] { "*" }, days = 400 }),
            HttpStatusCode.UnprocessableEntity, "authorisation.invalid");
        Assert.Empty(await server.Store.ListAuthorisationsAsync());
        var granted = (await RecordAuthorisationAsync(server.As("off"), body)).ToString(CultureInfo.InvariantCulture);

        // Another case, another list, the searcher's own authorisation: refused.
        await RefusedOnceAsync(server, () => Search("wanted", "investigation", granted, "CASE-2026-99"), HttpStatusCode.UnprocessableEntity, "authorisation.case_mismatch");
        await RefusedOnceAsync(server, () => Search("missing", "investigation", granted), HttpStatusCode.UnprocessableEntity, "authorisation.scope_mismatch");
        var own = (await RecordAuthorisationAsync(server.As("both"), body)).ToString(CultureInfo.InvariantCulture);
        await RefusedOnceAsync(server, () => Search("wanted", "investigation", own, client: server.As("both")), HttpStatusCode.Forbidden, "authorisation.self_recorded");
        Assert.Equal(0, await SearchesAsync(server, "both"));

        // The real thing: authorised, with the authorisation's number on the search record.
        var ok = await Search("wanted", "investigation", granted);
        await Problems.ExpectAsync(ok, HttpStatusCode.OK);
        Assert.Equal("authorised", (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorisation").GetString());
        Assert.Contains(await server.AuditAsync(), r => r.Action == "search.performed" && r.Details.Contains($"\"authorisation_id\":{granted}", StringComparison.Ordinal));

        // Expired: a day later it no longer counts.
        time.Advance(TimeSpan.FromDays(2));
        await RefusedOnceAsync(server, () => Search("wanted", "investigation", granted), HttpStatusCode.UnprocessableEntity, "authorisation.not_valid");

        // Revoked: an official revokes (with a reason); it no longer counts, and revoking again is refused.
        var fresh = (await RecordAuthorisationAsync(server.As("off"), body)).ToString(CultureInfo.InvariantCulture);
        await RefusedOnceAsync(server, () => server.As("off").PostAsJsonAsync($"/api/v1/authorisations/{fresh}/revoke", new { reason = "" }), HttpStatusCode.UnprocessableEntity, "authorisation.reason_required");
        await Problems.ExpectAsync(await server.As("off").PostAsJsonAsync($"/api/v1/authorisations/{fresh}/revoke", new { reason = "warrant quashed" }), HttpStatusCode.OK);
        await RefusedOnceAsync(server, () => Search("wanted", "investigation", fresh), HttpStatusCode.Conflict, "authorisation.revoked");
        Assert.Contains(await server.AuditAsync(), r => r.Action == "authorisation.revoked" && r.Actor == "off" && r.Target == $"authorisation:{fresh}");

        // An investigator sees only authorisations within their scope; an auditor sees all.
        Assert.Equal(3, (await server.As("aud").GetFromJsonAsync<JsonElement>("/api/v1/authorisations")).GetArrayLength());
        await server.AddUserAsync("inv-missing", [Role.Investigator], ArgusTestServer.Watchlists("missing"));
        Assert.Equal(0, (await server.As("inv-missing").GetFromJsonAsync<JsonElement>("/api/v1/authorisations")).GetArrayLength());
        await Problems.ExpectProblemAsync(await server.As("inv-missing").GetAsync($"/api/v1/authorisations/{granted}"), HttpStatusCode.NotFound, "authorisation.not_found");
    }

    [SkippableFact]
    public async Task Nobody_grants_themselves_the_authorising_role_and_no_administrator_holds_it()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("admin2", [Role.Administrator], Scope.Everything);
        var admin = server.As("admin");
        await RefusedOnceAsync(server, () => admin.PutAsJsonAsync("/api/v1/users/admin/roles", new { add = new[] { "authorising-official" } }), HttpStatusCode.Conflict, "user.role_conflict");
        await RefusedOnceAsync(server, () => admin.PutAsJsonAsync("/api/v1/users/admin2/roles", new { add = new[] { "authorising-official" } }), HttpStatusCode.Conflict, "user.role_conflict");
        await RefusedOnceAsync(
            server, () => admin.PostAsJsonAsync("/api/v1/users", new { username = "mallory", roles = new[] { "administrator", "authorising-official" }, password = "a long enough passphrase 2026" }),
            HttpStatusCode.Conflict, "user.role_conflict");
        Assert.DoesNotContain(Role.AuthorisingOfficial, (await server.Store.GetUserAsync("admin"))!.Roles);
        Assert.DoesNotContain(Role.AuthorisingOfficial, (await server.Store.GetUserAsync("admin2"))!.Roles);
        Assert.Null(await server.Store.GetUserAsync("mallory"));

        // Granting it to someone else, who is not an administrator, is an ordinary audited role change.
        await Problems.ExpectAsync(await admin.PutAsJsonAsync("/api/v1/users/inv/roles", new { add = new[] { "authorising-official" } }), HttpStatusCode.OK);
    }

    [SkippableFact]
    public async Task Legal_basis_and_justification_must_mean_something()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync();
        await CreateWatchlistAsync(server, "missing", "missing");
        var inv = server.As("inv");
        var photo = await File.ReadAllBytesAsync(Img("fr_obama/obama.jpg"));
        foreach (var form in new[] { EntryForm("obama", caseNumber: "C"), EntryForm("obama", instrument: "I"), EntryForm("obama", instrument: "aaaaaaaa") })
        {
            form.Add(new ByteArrayContent(photo), "photos", "p.jpg");
            await RefusedOnceAsync(server, () => inv.PostAsync("/api/v1/watchlists/missing/entries", form), HttpStatusCode.UnprocessableEntity, "entry.legal_basis_invalid");
        }

        Assert.Empty(await server.Store.ListEntriesAsync((await server.Store.GetWatchlistAsync("missing")).Id));
        foreach (var justification in new[] { new string('a', 20), "abababababababababab", "x x x x x x x x x x x" })
        {
            await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/searches", await SearchFormAsync("missing", "fr_obama/obama2.jpg", "missing-person", justification: justification)),
                HttpStatusCode.UnprocessableEntity, "search.refused");
        }

        await RefusedOnceAsync(server, async () => await inv.PostAsync("/api/v1/searches", await SearchFormAsync("missing", "fr_obama/obama2.jpg", "missing-person", caseReference: "C")),
            HttpStatusCode.UnprocessableEntity, "search.refused");
        Assert.Equal(0, await SearchesAsync(server, "inv"));
    }

    [SkippableFact]
    public async Task A_deployment_relies_on_a_recorded_authorisation_and_ends_when_it_is_revoked()
    {
        await using var server = await StartAsync();
        await CreateWatchlistAsync(server, "wanted", "wanted");
        await CreateWatchlistAsync(server, "bans", "venue-ban");
        var appr = server.As("appr");
        object Deployment(string authorisation, string[]? watchlists = null, double hours = 2) =>
            new { name = "match day", site = "north", watchlists = watchlists ?? ["wanted"], authorisation, hours };
        await RefusedOnceAsync(server, () => appr.PostAsJsonAsync("/api/v1/deployments", Deployment("Order 55")), HttpStatusCode.NotFound, "authorisation.not_found");
        var a = (await RecordAuthorisationAsync(server.As("off"), new { reference = "Order 55", @case = "OP-MATCHDAY-1", watchlists = new[] { "wanted" }, days = 1 })).ToString(CultureInfo.InvariantCulture);
        await RefusedOnceAsync(server, () => appr.PostAsJsonAsync("/api/v1/deployments", Deployment(a, ["wanted", "bans"])), HttpStatusCode.UnprocessableEntity, "authorisation.scope_mismatch");
        await RefusedOnceAsync(server, () => appr.PostAsJsonAsync("/api/v1/deployments", Deployment(a, hours: 48)), HttpStatusCode.UnprocessableEntity, "authorisation.not_valid");
        Assert.Empty(await server.Store.ListDeploymentsAsync());

        var created = await appr.PostAsJsonAsync("/api/v1/deployments", Deployment(a));
        await Problems.ExpectAsync(created, HttpStatusCode.Created);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var revoked = await server.As("off").PostAsJsonAsync($"/api/v1/authorisations/{a}/revoke", new { reason = "order withdrawn by the court" });
        await Problems.ExpectAsync(revoked, HttpStatusCode.OK);
        Assert.Equal(id, (await revoked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deployments_ended")[0].GetInt64());
        Assert.Empty(await server.Store.ListDeploymentsAsync(DateTimeOffset.UtcNow));
        Assert.Contains(await server.AuditAsync(), r => r.Action == "deployment.ended" && r.Target == $"deployment:{id}" && r.Actor == "off");
    }

    [SkippableFact]
    public async Task The_transparency_report_publishes_counts_only_and_refuses_unbounded_ranges()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync();
        await CreateWatchlistAsync(server, "wanted", "wanted");
        const string Instrument = "Warrant for John Smith born 1970-01-01 <script>alert(1)</script> | x";
        await ActiveEntryAsync(server, "wanted", "obama", "fr_obama/obama.jpg", Instrument);
        var aud = server.As("aud");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var (from, to, code) in new[]
        {
            ("0001-01-01", today, "report.range_invalid"), (today, "9999-12-31", "report.range_invalid"), (today, "2000-01-01", "report.range_invalid"),
            ("2025-01-01", today, "report.range_invalid"), ("2026-02-30", today, "report.date_invalid"), ("yesterday", today, "report.date_invalid"),
        })
        {
            await RefusedOnceAsync(server, () => aud.GetAsync($"/api/v1/reports/transparency?from={from}&to={to}"), HttpStatusCode.BadRequest, code);
        }

        foreach (var format in new[] { "json", "md", "html" })
        {
            var report = await aud.GetStringAsync($"/api/v1/reports/transparency?from={today}&to={today}&format={format}");
            foreach (var leak in new[] { "John Smith", "1970-01-01", "<script>", "Warrant", "OBAMA", Case, "DI Jones" })
            {
                Assert.DoesNotContain(leak, report, StringComparison.Ordinal);
            }
        }

        var json = await aud.GetFromJsonAsync<JsonElement>($"/api/v1/reports/transparency?from={today}&to={today}");
        Assert.Equal(1, json.GetProperty("entries").GetProperty("active_at_end").GetProperty("wanted").GetInt32());
        Assert.True(json.GetProperty("audit").GetProperty("intact").GetBoolean());
    }
}

public sealed class SqliteAbuseSearchTests : AbuseSearchTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresAbuseSearchTests : AbuseSearchTests
{
    protected override bool Postgres => true;
}
