using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Argus.Core.Access;
using Argus.Core.Faces;
using Argus.Tests;
using Argus.Video;
using Argus.Video.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace Argus.Server.Tests;

/// <summary>
/// The API over real HTTP against the real server, on SQLite (<see cref="SqliteServerTests"/>) and on PostgreSQL
/// (<see cref="PostgresServerTests"/>). Each test starts its own server in a fresh data directory (or schema).
/// </summary>
[Trait("Category", "Integration")]
public abstract class ServerContractTests
{
    protected abstract bool Postgres { get; }

    private static string InDays(int days) => DateTime.UtcNow.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Img(string relative) => TestPaths.FacesDevFile(Path.Combine("images", relative));

    private void SkipWithoutDatabase() =>
        Skip.If(Postgres && ArgusTestServer.PostgresConnection is null, $"{ArgusTestServer.PostgresVariable} is not set: PostgreSQL server tests skipped.");

    private async Task<ArgusTestServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        SkipWithoutDatabase();
        return await ArgusTestServer.StartAsync(Postgres, settings);
    }

    /// <summary>The users of the matrix: one per role, all scopes, plus narrow ones for the scope checks.</summary>
    private static async Task AddRoleUsersAsync(ArgusTestServer server)
    {
        await server.AddUserAsync("appr", [Role.Approver], Scope.Everything);
        await server.AddUserAsync("op", [Role.Operator], Scope.Everything);
        await server.AddUserAsync("inv", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("clerk", [Role.EnrolmentClerk], Scope.Everything);
        await server.AddUserAsync("aud", [Role.Auditor], Scope.Everything);
    }

    [SkippableFact]
    public async Task Health_and_readiness_answer_without_credentials_and_the_console_and_api_page_are_served_locally()
    {
        await using var server = await StartAsync();
        var client = server.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        // Ready once the models are loaded (the test loads them instead of waiting).
        server.Runtime.Engine();
        var ready = await client.GetFromJsonAsync<JsonElement>("/ready");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.True(ready.GetProperty("store").GetBoolean());

        // The console's static files, found through the static web assets manifest when started from a test.
        using var indexResponse = await client.GetAsync("/");
        Assert.Contains("<title>Argus</title>", await indexResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("nosniff", indexResponse.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", indexResponse.Headers.GetValues("X-Frame-Options").Single());

        var openapi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(openapi.GetProperty("paths").TryGetProperty("/api/v1/searches", out _));
        Assert.Equal("bearer", openapi.GetProperty("components").GetProperty("securitySchemes").GetProperty("api_key").GetProperty("scheme").GetString());

        // The interactive page and its script come from this server: no CDN.
        var page = await client.GetStringAsync("/api/");
        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/scalar.js")).StatusCode);
    }

    [SkippableFact]
    public async Task Every_endpoint_refuses_no_credentials_and_the_wrong_role_with_a_problem_and_an_audit_record()
    {
        await using var server = await StartAsync();
        await AddRoleUsersAsync(server);

        // A row for every endpoint the server maps, and an endpoint for every row.
        var mapped = AuthorisationMatrix.Endpoints(server.App.Services);
        var rows = AuthorisationMatrix.Rows.Select(r => $"{r.Method} {r.Pattern}").ToList();
        Assert.True(mapped.Except(rows).ToList() is { Count: 0 }, "Endpoints without a row in AuthorisationMatrix: " + string.Join(", ", mapped.Except(rows)));
        Assert.True(rows.Except(mapped).ToList() is { Count: 0 }, "Rows without an endpoint: " + string.Join(", ", rows.Except(mapped)));

        foreach (var row in AuthorisationMatrix.Rows)
        {
            var anonymous = await server.Anonymous().SendAsync(AuthorisationMatrix.Request(row));
            if (row.Anonymous)
            {
                Assert.True(anonymous.StatusCode != HttpStatusCode.Unauthorized, $"{row.Method} {row.Path} should not need credentials");
                continue;
            }

            await Problems.ExpectProblemAsync(anonymous, HttpStatusCode.Unauthorized, "auth.required");
            var badKey = await server.WithToken("argus_nothing_here").SendAsync(AuthorisationMatrix.Request(row));
            await Problems.ExpectProblemAsync(badKey, HttpStatusCode.Unauthorized, "auth.failed");
            if (row.WrongRole is { } user)
            {
                var denied = await server.As(user).SendAsync(AuthorisationMatrix.Request(row));
                await Problems.ExpectProblemAsync(denied, HttpStatusCode.Forbidden, "access.denied");
            }
        }

        // Refusals are audited: the missing credentials, the unknown key, and each role refusal by its user.
        var audit = await server.AuditAsync();
        Assert.Contains(audit, r => r.Action == "auth.login" && r.Outcome == "refused" && r.Details.Contains("auth.required", StringComparison.Ordinal));
        Assert.Contains(audit, r => r.Action == "auth.login" && r.Outcome == "refused" && r.Details.Contains("api_key", StringComparison.Ordinal));
        foreach (var row in AuthorisationMatrix.Rows.Where(r => r.WrongRole is not null))
        {
            Assert.Contains(audit, r => r.Actor == row.WrongRole && r.Outcome == "refused" && r.Details.Contains("access.denied", StringComparison.Ordinal));
        }
    }

    [SkippableFact]
    public async Task The_wrong_scope_is_refused_on_every_scoped_endpoint()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync();
        await AddRoleUsersAsync(server);
        await server.AddUserAsync("inv-elsewhere", [Role.Investigator], ArgusTestServer.Watchlists("missing"));
        await server.AddUserAsync("appr-elsewhere", [Role.Approver], ArgusTestServer.Watchlists("missing"));
        await server.AddUserAsync("clerk-elsewhere", [Role.EnrolmentClerk], ArgusTestServer.Watchlists("staff"));
        await server.AddUserAsync("op-south", [Role.Operator], ArgusTestServer.Sites("south"));
        var admin = server.As("admin");
        await Problems.ExpectAsync(await admin.PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted" }), HttpStatusCode.Created);
        await Problems.ExpectAsync(await server.As("clerk").PostAsJsonAsync("/api/v1/galleries", new { name = "customers" }), HttpStatusCode.Created);
        await Problems.ExpectAsync(await admin.PostAsJsonAsync("/api/v1/cameras", new { id = "gate-1", site = "north", source = "/dev/null" }), HttpStatusCode.Created);
        var entry = await ProposeAsync(server.As("inv"), "wanted", "obama", "fr_obama/obama.jpg");

        var scoped = new (string User, HttpMethod Method, string Path, HttpContent? Body)[]
        {
            ("clerk-elsewhere", HttpMethod.Post, "/api/v1/galleries", JsonContent.Create(new { name = "customers2" })),
            ("clerk-elsewhere", HttpMethod.Get, "/api/v1/galleries/customers", null),
            ("clerk-elsewhere", HttpMethod.Delete, "/api/v1/galleries/customers", null),
            ("clerk-elsewhere", HttpMethod.Post, "/api/v1/galleries/customers/subjects", EnrolForm("x", Encoding.ASCII.GetBytes("not read"))),
            ("inv-elsewhere", HttpMethod.Post, "/api/v1/galleries/customers/identify", SearchForm(null, Encoding.ASCII.GetBytes("not read"))),
            ("inv-elsewhere", HttpMethod.Get, "/api/v1/watchlists/wanted/entries", null),
            ("inv-elsewhere", HttpMethod.Post, "/api/v1/watchlists/wanted/entries", EntryForm("someone", Encoding.ASCII.GetBytes("hashed, never decoded"))),
            ("appr-elsewhere", HttpMethod.Get, $"/api/v1/entries/{entry}", null),
            ("appr-elsewhere", HttpMethod.Post, $"/api/v1/entries/{entry}/approve", JsonContent.Create(new { reason = "checked" })),
            ("appr-elsewhere", HttpMethod.Post, $"/api/v1/entries/{entry}/reject", JsonContent.Create(new { reason = "checked" })),
            ("inv-elsewhere", HttpMethod.Post, $"/api/v1/entries/{entry}/remove", JsonContent.Create(new { reason = "checked" })),
            ("inv-elsewhere", HttpMethod.Post, $"/api/v1/entries/{entry}/amend", JsonContent.Create(new { reason = "renewed", expires = InDays(40) })),
            ("inv-elsewhere", HttpMethod.Post, "/api/v1/searches", SearchForm("wanted", Encoding.ASCII.GetBytes("not read"))),
            ("op-south", HttpMethod.Get, "/api/v1/cameras/gate-1", null),
        };
        foreach (var (user, method, path, body) in scoped)
        {
            var response = await server.As(user).SendAsync(new HttpRequestMessage(method, path) { Content = body });
            await Problems.ExpectProblemAsync(response, HttpStatusCode.Forbidden, "access.denied");
        }

        // Nothing was written by the refusals: the entry is still proposed at version 1, no gallery was added.
        var history = await server.As("inv").GetFromJsonAsync<JsonElement>($"/api/v1/entries/{entry}");
        Assert.Equal("proposed", history.GetProperty("state").GetString());
        Assert.Equal(1, history.GetProperty("versions").GetArrayLength());
        Assert.Null(await server.Store.GetGalleryAsync("customers2"));
        var cameras = await server.As("op-south").GetFromJsonAsync<JsonElement>("/api/v1/cameras");
        Assert.Equal(0, cameras.GetArrayLength());
        Assert.Contains(await server.AuditAsync(), r => r.Actor == "inv-elsewhere" && r.Outcome == "refused" && r.Details.Contains("\"reason\":\"scope\"", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Bad_input_gets_the_right_problem_and_writes_nothing()
    {
        await using var server = await StartAsync();
        await AddRoleUsersAsync(server);
        var admin = server.As("admin");
        var clerk = server.As("clerk");
        await Problems.ExpectAsync(await clerk.PostAsJsonAsync("/api/v1/galleries", new { name = "customers" }), HttpStatusCode.Created);
        var auditBefore = (await server.AuditAsync()).Count;

        // Malformed JSON, wrong content types, oversized bodies.
        await Problems.ExpectProblemAsync(await admin.PostAsync("/api/v1/watchlists", new StringContent("{\"name\": \"wanted\",", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "request.malformed_json");
        await Problems.ExpectProblemAsync(await admin.PostAsync("/api/v1/watchlists", new StringContent("name=wanted", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType, "request.unsupported_media_type");
        await Problems.ExpectProblemAsync(await server.As("inv").PostAsJsonAsync("/api/v1/searches", new { watchlist = "wanted" }), HttpStatusCode.UnsupportedMediaType, "request.unsupported_media_type");
        await Problems.ExpectProblemAsync(
            await Problems.PostOversizedAsync(admin, "/api/v1/watchlists", new StringContent($"{{\"name\": \"{new string('w', 300_000)}\", \"category\": \"wanted\"}}", Encoding.UTF8, "application/json")),
            HttpStatusCode.RequestEntityTooLarge, "request.too_large");
        await Problems.ExpectProblemAsync(await Problems.PostOversizedAsync(clerk, "/api/v1/galleries/customers/subjects", EnrolForm("big", new byte[3 * 1024 * 1024])), HttpStatusCode.RequestEntityTooLarge, "request.too_large");
        Assert.Empty(await server.Store.ListWatchlistsAsync());

        // A corrupt upload: refused per image, nothing enrolled, no subject left behind.
        var corrupt = await Problems.ExpectProblemAsync(
            await clerk.PostAsync("/api/v1/galleries/customers/subjects", EnrolForm("c-1", [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8])), HttpStatusCode.UnprocessableEntity, "enrolment.refused");
        Assert.StartsWith("image.", corrupt.GetProperty("refusals")[0].GetProperty("code").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await server.Store.GetGalleryAsync("customers"))!.TemplateCount);
        Assert.Empty(await server.Store.FindSubjectsByExternalReferenceAsync("c-1"));

        // Unknown ids and names.
        var inv = server.As("inv");
        await Problems.ExpectProblemAsync(await inv.GetAsync("/api/v1/entries/999"), HttpStatusCode.NotFound, "entry.not_found");
        await Problems.ExpectProblemAsync(await admin.GetAsync("/api/v1/users/nobody"), HttpStatusCode.NotFound, "user.not_found");
        await Problems.ExpectProblemAsync(await admin.DeleteAsync("/api/v1/keys/999"), HttpStatusCode.NotFound, "key.not_found");
        await Problems.ExpectProblemAsync(await admin.DeleteAsync("/api/v1/cameras/nope"), HttpStatusCode.NotFound, "camera.not_found");
        await Problems.ExpectProblemAsync(await admin.DeleteAsync("/api/v1/subjects/999"), HttpStatusCode.NotFound, "subject.not_found");
        await Problems.ExpectProblemAsync(await clerk.GetAsync("/api/v1/galleries/none"), HttpStatusCode.NotFound, "gallery.not_found");
        await Problems.ExpectProblemAsync(await admin.GetAsync("/api/v1/nothing-here"), HttpStatusCode.NotFound, null);
        await Problems.ExpectProblemAsync(await admin.GetAsync("/api/v1/entries/not-a-number"), HttpStatusCode.NotFound, null);

        // A search without a purpose is refused before the probe is looked at; nothing is recorded as a search.
        await Problems.ExpectAsync(await admin.PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted" }), HttpStatusCode.Created);
        var noPurpose = new MultipartFormDataContent
        {
            { new StringContent("wanted"), "watchlist" },
            { new StringContent("CASE-1"), "case" },
            { new StringContent("matches the description given by two witnesses"), "justification" },
            { new ByteArrayContent([1, 2, 3]), "image", "probe.jpg" },
        };
        await Problems.ExpectProblemAsync(await inv.PostAsync("/api/v1/searches", noPurpose), HttpStatusCode.UnprocessableEntity, "search.purpose_invalid");
        await Problems.ExpectProblemAsync(await inv.PostAsync("/api/v1/searches", SearchForm("wanted", [1, 2, 3], justification: "because")), HttpStatusCode.UnprocessableEntity, "search.refused");
        Assert.Empty(await server.Store.ListSearchesAsync(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)));

        // A malformed field and a legal basis without its case: refused with their codes, no entry, no subject.
        await Problems.ExpectProblemAsync(await inv.PostAsync("/api/v1/searches", SearchForm("wanted", [1], top: "many")), HttpStatusCode.BadRequest, "argument.invalid");
        var noCase = EntryForm("nocase", [1, 2, 3], includeCase: false);
        await Problems.ExpectProblemAsync(await inv.PostAsync("/api/v1/watchlists/wanted/entries", noCase), HttpStatusCode.UnprocessableEntity, "entry.legal_basis_invalid");
        Assert.Empty(await server.Store.FindSubjectsByExternalReferenceAsync("nocase"));
        await Problems.ExpectProblemAsync(await admin.PostAsJsonAsync("/api/v1/watchlists", new { name = "w2", category = "sometimes" }), HttpStatusCode.BadRequest, "watchlist.category_invalid");

        // Each refusal inside a service was audited with its code.
        var audit = (await server.AuditAsync()).Skip(auditBefore).ToList();
        Assert.Contains(audit, r => r.Action == "search.request" && r.Outcome == "refused" && r.Details.Contains("search.purpose_invalid", StringComparison.Ordinal));
        Assert.Contains(audit, r => r.Action == "entry.propose" && r.Outcome == "refused" && r.Details.Contains("entry.legal_basis_invalid", StringComparison.Ordinal));
        Assert.Contains(audit, r => r.Action == "template.enrol" && r.Outcome == "refused");
    }

    [SkippableFact]
    public async Task Repeated_wrong_passwords_lock_the_account_and_sessions_need_the_anti_forgery_token()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("ann", [Role.Investigator], Scope.Everything);
        var client = server.Anonymous();
        for (var i = 0; i < 4; i++)
        {
            await Problems.ExpectProblemAsync(await client.PostAsJsonAsync("/api/v1/session", new { username = "ann", password = "wrong password, try " + i }), HttpStatusCode.Unauthorized, "auth.failed");
        }

        // The fifth failure in a row locks the account; then even the right password is refused, with the same answer
        // as a wrong password (no account enumeration; the audit records "Locked").
        await Problems.ExpectProblemAsync(await client.PostAsJsonAsync("/api/v1/session", new { username = "ann", password = "wrong again" }), HttpStatusCode.Unauthorized, "auth.failed");
        await Problems.ExpectProblemAsync(await client.PostAsJsonAsync("/api/v1/session", new { username = "ann", password = ArgusTestServer.Password }), HttpStatusCode.Unauthorized, "auth.failed");
        await Problems.ExpectProblemAsync(await client.PostAsJsonAsync("/api/v1/session", new { username = "ann" }), HttpStatusCode.BadRequest, "request.invalid");
        // Repeated identical failures are one group each (issue 11): the first of each kind at once, then, when the
        // window closes, one summary with the count (4 wrong passwords, 2 refusals while locked).
        var audit = await server.AuditAsync();
        Assert.Equal(2, audit.Count(r => r.Action == "auth.login" && r.Actor == "ann" && r.Outcome == "refused"));
        await server.SweepAuditAsync(all: true);
        var counts = (await server.AuditAsync()).Where(r => r.Action == "auth.login" && r.Actor == "ann" && r.Outcome == "refused")
            .GroupBy(r => System.Text.Json.Nodes.JsonNode.Parse(r.Details)!["status"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.Max(r => System.Text.Json.Nodes.JsonNode.Parse(r.Details)!["count"] is { } c ? (long)c : 1));
        Assert.Equal(4, counts["WrongPassword"]);
        Assert.Equal(2, counts["Locked"]);

        // A session: the cookie alone reads; a change needs the token; logout ends it.
        var (session, csrf) = await server.LoginAsync("admin");
        var me = await session.GetFromJsonAsync<JsonElement>("/api/v1/session");
        Assert.Equal("admin", me.GetProperty("username").GetString());
        Assert.Equal(csrf, me.GetProperty("csrf_token").GetString());
        await Problems.ExpectProblemAsync(await session.PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted" }), HttpStatusCode.Forbidden, "csrf.invalid");
        Assert.Empty(await server.Store.ListWatchlistsAsync());
        var withToken = new HttpRequestMessage(HttpMethod.Post, "/api/v1/watchlists") { Content = JsonContent.Create(new { name = "wanted", category = "wanted" }) };
        withToken.Headers.Add("X-Argus-CSRF", csrf);
        await Problems.ExpectAsync(await session.SendAsync(withToken), HttpStatusCode.Created);

        // Unlock ann (an administrator sets her password), then disable her: her session ends at once.
        var reset = new HttpRequestMessage(HttpMethod.Put, "/api/v1/users/ann/password") { Content = JsonContent.Create(new { password = "a brand new long password" }) };
        reset.Headers.Add("X-Argus-CSRF", csrf);
        await Problems.ExpectAsync(await session.SendAsync(reset), HttpStatusCode.NoContent);
        var (annSession, _) = await server.LoginAsync("ann", "a brand new long password");
        await Problems.ExpectAsync(await annSession.GetAsync("/api/v1/session"), HttpStatusCode.OK);
        await Problems.ExpectAsync(await server.As("admin").PostAsync("/api/v1/users/ann/disable", null), HttpStatusCode.OK);
        await Problems.ExpectProblemAsync(await annSession.GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, null);

        var logout = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/session");
        logout.Headers.Add("X-Argus-CSRF", csrf);
        await Problems.ExpectAsync(await session.SendAsync(logout), HttpStatusCode.NoContent);
        await Problems.ExpectProblemAsync(await session.GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, null);
        Assert.Contains(await server.AuditAsync(), r => r.Action == "auth.logout" && r.Actor == "admin");
    }

    [SkippableFact]
    public async Task Logins_are_rate_limited_per_address_with_a_problem_and_retry_after()
    {
        await using var server = await StartAsync(new Dictionary<string, string?> { ["Argus:LoginsPerMinute"] = "2" });
        var client = server.Anonymous();
        for (var i = 0; i < 2; i++)
        {
            await Problems.ExpectProblemAsync(await client.PostAsJsonAsync("/api/v1/session", new { username = "nobody", password = "not a password" }), HttpStatusCode.Unauthorized, "auth.failed");
        }

        var limited = await client.PostAsJsonAsync("/api/v1/session", new { username = "admin", password = ArgusTestServer.Password });
        await Problems.ExpectProblemAsync(limited, HttpStatusCode.TooManyRequests, "rate.limited");
        Assert.True(limited.Headers.RetryAfter is not null, "429 without Retry-After");

        // Other endpoints are not behind the login window.
        await Problems.ExpectAsync(await server.As("admin").GetAsync("/api/v1/session"), HttpStatusCode.OK);
    }

    [SkippableFact]
    public async Task A_revoked_api_key_is_refused_at_once()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("aud", [Role.Auditor], Scope.Everything);
        var admin = server.As("admin");

        // Keys are made by their own user (an administrator could only prepare a pending one: see the abuse tests).
        var created = await server.As("aud").PostAsJsonAsync("/api/v1/users/aud/keys", new { });
        await Problems.ExpectAsync(created, HttpStatusCode.Created);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>();
        var token = key.GetProperty("token").GetString()!;
        var id = key.GetProperty("key").GetProperty("id").GetInt64();
        var integration = server.WithToken(token);
        await Problems.ExpectAsync(await integration.GetAsync("/api/v1/audit/records?last=5"), HttpStatusCode.OK);

        var keys = await admin.GetFromJsonAsync<JsonElement>("/api/v1/users/aud/keys");
        Assert.Contains(keys.EnumerateArray(), k => k.GetProperty("id").GetInt64() == id && !k.GetProperty("revoked").GetBoolean());
        Assert.DoesNotContain(token, keys.ToString(), StringComparison.Ordinal);
        await Problems.ExpectAsync(await admin.DeleteAsync($"/api/v1/keys/{id}"), HttpStatusCode.OK);
        await Problems.ExpectProblemAsync(await integration.GetAsync("/api/v1/audit/records?last=5"), HttpStatusCode.Unauthorized, "auth.key_revoked");
        Assert.Contains(await server.AuditAsync(), r => r.Action == "key.revoked" && r.Target == $"key:{id}");
    }

    [SkippableFact]
    public async Task A_purpose_bound_search_returns_candidates_with_their_legal_basis_and_every_call_is_audited()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync();
        await AddRoleUsersAsync(server);
        await Problems.ExpectAsync(await server.As("admin").PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted", max_days = 90 }), HttpStatusCode.Created);
        var entry = await ProposeAsync(server.As("inv"), "wanted", "obama", "fr_obama/obama.jpg", "fr_obama/obama1.jpg");
        await server.AddUserAsync("off", [Role.AuthorisingOfficial], Scope.Everything);
        await Problems.ExpectAsync(
            await server.As("off").PostAsJsonAsync("/api/v1/authorisations", new { reference = "Order 2026/9", @case = "CASE-2026-17", watchlists = new[] { "wanted" }, days = 30 }),
            HttpStatusCode.Created);

        // Not the proposer, and only an approver: proposed entries match nothing.
        var probe = await File.ReadAllBytesAsync(Img("fr_obama/obama2.jpg"));
        var before = await SearchAsync(server.As("inv"), probe);
        Assert.False(before.GetProperty("match").GetBoolean());
        await Problems.ExpectAsync(await server.As("appr").PostAsJsonAsync($"/api/v1/entries/{entry}/approve", new { reason = "warrant checked" }), HttpStatusCode.OK);

        var found = await SearchAsync(server.As("inv"), probe);
        Assert.True(found.GetProperty("match").GetBoolean(), found.ToString());
        var top = found.GetProperty("candidates")[0];
        Assert.Equal(entry, top.GetProperty("entry_id").GetInt64());
        Assert.Equal("CASE-2026-17", top.GetProperty("legal_basis").GetProperty("case_number").GetString());
        Assert.True(top.GetProperty("score").GetDouble() >= MatchThresholds.Identification);

        // Gallery identification: enrol a consenting subject, identify, erase.
        var clerk = server.As("clerk");
        await Problems.ExpectAsync(await clerk.PostAsJsonAsync("/api/v1/galleries", new { name = "customers" }), HttpStatusCode.Created);
        var enrolled = await clerk.PostAsync("/api/v1/galleries/customers/subjects", EnrolForm("cust-1", await File.ReadAllBytesAsync(Img("fr_obama/obama.jpg"))));
        await Problems.ExpectAsync(enrolled, HttpStatusCode.Created);
        var subject = (await enrolled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subject_id").GetInt64();
        // The gallery needs an authorisation of its own (2): an authorisation covers only the lists that existed and were named.
        await Problems.ExpectAsync(
            await server.As("off").PostAsJsonAsync("/api/v1/authorisations", new { reference = "Order 2026/10", @case = "CASE-2026-17", watchlists = new[] { "customers" }, days = 30 }),
            HttpStatusCode.Created);
        // Concurrent requests share one in-memory index of the gallery (built once, under its gate).
        var identified = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => IdentifyAsync(server.As("inv"), probe)));
        Assert.All(identified, r => Assert.Equal(subject, r.GetProperty("candidates")[0].GetProperty("subject_id").GetInt64()));
        var receipt = await clerk.DeleteAsync($"/api/v1/subjects/{subject}");
        await Problems.ExpectAsync(receipt, HttpStatusCode.OK);
        Assert.Equal(1, (await receipt.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("templates_removed").GetInt32());

        // Erased means no longer found, by the very next search.
        Assert.False((await IdentifyAsync(server.As("inv"), probe)).GetProperty("match").GetBoolean());

        // The auditor sees every step in the log, and the chain is intact.
        var records = await server.As("aud").GetFromJsonAsync<JsonElement>("/api/v1/audit/records?last=500");
        var actions = records.EnumerateArray().Select(r => (Actor: r.GetProperty("actor").GetString(), Action: r.GetProperty("action").GetString())).ToList();
        Assert.Contains(("inv", "entry.proposed"), actions);
        Assert.Contains(("appr", "entry.approved"), actions);
        Assert.Equal(7, actions.Count(a => a is ("inv", "search.performed")));
        Assert.Contains(("clerk", "template.enrolled"), actions);
        Assert.Contains(("clerk", "subject.erased"), actions);
        Assert.DoesNotContain(records.EnumerateArray(), r => r.ToString().Contains(Convert.ToBase64String(probe)[..40], StringComparison.Ordinal));
        var verification = await server.As("op").GetFromJsonAsync<JsonElement>("/api/v1/audit/verification");
        Assert.True(verification.GetProperty("intact").GetBoolean());

        // Metrics saw the searches (administrators scrape).
        var metrics = await server.As("admin").GetStringAsync("/metrics");
        Assert.Contains("argus_searches", metrics, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_alert_stream_relays_alerts_of_the_users_sites_only()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("op-north", [Role.Operator], ArgusTestServer.Sites("north"));
        var stream = server.App.Services.GetRequiredService<AlertStream>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var client = server.As("op-north");
        using var response = await client.GetAsync("/api/v1/alerts/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await Problems.ExpectAsync(response, HttpStatusCode.OK);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.StartsWith(":", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);

        static AlertEvent Alert(string id, string site) =>
            new(id, "cam-" + site, site, 7, new FaceMatch(42, 420, "entry:1", 0.71f), 2, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, [0x89, 0x50, 0x4E, 0x47], false);
        stream.Publish(Alert("south-1", "south"));
        stream.Publish(Alert("north-1", "north"));

        var lines = new List<string>();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            lines.Add(line);
            if (line.StartsWith("data: ", StringComparison.Ordinal) && lines.Contains("event: alert"))
            {
                break;
            }
        }

        Assert.Contains("id: north-1", lines);
        Assert.DoesNotContain(lines, l => l.Contains("south-1", StringComparison.Ordinal));
        var data = JsonDocument.Parse(lines[^1]["data: ".Length..]).RootElement;
        Assert.Equal("north", data.GetProperty("site").GetString());
        Assert.Equal(42, data.GetProperty("subject_id").GetInt64());
        Assert.Equal("iVBORw==", data.GetProperty("snapshot_png_base64").GetString());
        Assert.Contains(await server.AuditAsync(), r => r.Action == "alerts.stream_opened" && r.Actor == "op-north");
    }

    [SkippableFact]
    public async Task Shutdown_ends_live_streams_and_audits_them_before_the_store_closes()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("op", [Role.Operator], Scope.Everything);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await server.As("op").GetAsync("/api/v1/alerts/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await Problems.ExpectAsync(response, HttpStatusCode.OK);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.StartsWith(":", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);

        // A stream never completes by itself: stopping must end it rather than wait out the shutdown timeout.
        var stopping = server.App.StopAsync(timeout.Token);
        while (await reader.ReadLineAsync(timeout.Token) is not null)
        {
        }

        await stopping;
        Assert.False(timeout.IsCancellationRequested, "shutdown waited for the stream instead of ending it");
        var closed = new List<Core.Audit.AuditRecord>();
        await foreach (var r in server.Store.ReadAuditAsync())
        {
            closed.Add(r);
        }

        Assert.Contains(closed, r => r.Action == "alerts.stream_closed" && r.Actor == "op");
    }

    private static async Task<long> ProposeAsync(HttpClient client, string watchlist, string subject, params string[] photos)
    {
        var form = EntryForm(subject, null);
        foreach (var p in photos)
        {
            form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(Img(p))), "photos", Path.GetFileName(p));
        }

        var response = await client.PostAsync($"/api/v1/watchlists/{watchlist}/entries", form);
        await Problems.ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement> SearchAsync(HttpClient client, byte[] probe)
    {
        var response = await client.PostAsync("/api/v1/searches", SearchForm("wanted", probe));
        await Problems.ExpectAsync(response, HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> IdentifyAsync(HttpClient client, byte[] probe)
    {
        var response = await client.PostAsync("/api/v1/galleries/customers/identify", SearchForm(null, probe, authorisation: "2"));
        await Problems.ExpectAsync(response, HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static MultipartFormDataContent EntryForm(string subject, byte[]? photo, bool includeCase = true)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(subject), "subject_reference" },
            { new StringContent(subject.ToUpperInvariant()), "subject_name" },
            { new StringContent("armed robbery"), "grounds" },
            { new StringContent("DI Jones"), "officer" },
            { new StringContent("Metropolitan Police"), "authority" },
            { new StringContent("Warrant 2026/17"), "instrument" },
            { new StringContent(InDays(30)), "expires" },
            { new StringContent("custody:CR-0001"), "image_source" },
            { new StringContent("suspect seen near the bank"), "reason" },
        };
        if (includeCase)
        {
            form.Add(new StringContent("CASE-2026-17"), "case");
        }

        if (photo is not null)
        {
            form.Add(new ByteArrayContent(photo), "photos", "photo.jpg");
        }

        return form;
    }

    private static MultipartFormDataContent EnrolForm(string reference, byte[] image) => new()
    {
        { new StringContent(reference), "subject_reference" },
        { new ByteArrayContent(image), "images", "photo.jpg" },
    };

    private static MultipartFormDataContent SearchForm(string? watchlist, byte[] image, string justification = "matches the description given by two witnesses", string? top = null, string authorisation = "1")
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("investigation"), "purpose" },
            { new StringContent("CASE-2026-17"), "case" },
            { new StringContent(justification), "justification" },
            // The first authorisation recorded in the test's store (a free-text reference is no longer an authorisation).
            { new StringContent(authorisation), "authorisation" },
            { new ByteArrayContent(image), "image", "probe.jpg" },
        };
        if (watchlist is not null)
        {
            form.Add(new StringContent(watchlist), "watchlist");
        }

        if (top is not null)
        {
            form.Add(new StringContent(top), "top");
        }

        return form;
    }
}

public sealed class SqliteServerTests : ServerContractTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresServerTests : ServerContractTests
{
    protected override bool Postgres => true;
}
