using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Argus.Core.Access;
using Argus.Tests;
using Argus.Video;

namespace Argus.Server.Tests;

/// <summary>
/// The endpoints the console's day of work needs (issue 13): entries with their photos and names for the approver,
/// the default expiry on the boundary, bulk import, the one upload field name, the auditor's filters, paging and CSV,
/// alert filters, paging and export, decisions fanned out over the stream, the investigator's own search history,
/// and an OpenAPI document that describes every operation and types every upload. Bad input answers a problem with
/// its code. On SQLite and PostgreSQL.
/// </summary>
[Trait("Category", "Integration")]
public abstract class ConsoleApiTests
{
    private const string Sheldon = "images/faceapi_sheldon/sheldon1.png";
    private const string Other = "images/deepface_c05/img17.jpg";

    protected abstract bool Postgres { get; }

    private async Task<ArgusTestServer> StartAsync()
    {
        Skip.If(Postgres && ArgusTestServer.PostgresConnection is null, $"{ArgusTestServer.PostgresVariable} is not set: PostgreSQL server tests skipped.");
        TestPaths.RequireFacesDev();
        var server = await ArgusTestServer.StartAsync(Postgres);
        await server.AddUserAsync("inv", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("inv2", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("appr", [Role.Approver], Scope.Everything);
        await server.AddUserAsync("op", [Role.Operator], ArgusTestServer.Sites("north"));
        await server.AddUserAsync("op-south", [Role.Operator], ArgusTestServer.Sites("south"));
        await server.AddUserAsync("aud", [Role.Auditor], Scope.Everything);
        await Expect(await server.As("admin").PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted", max_days = 90 }), HttpStatusCode.Created);
        return server;
    }

    [SkippableFact]
    public async Task Entries_carry_name_photos_proposer_and_amender_and_the_photo_is_served_to_readers_only()
    {
        await using var server = await StartAsync();
        var id = await ProposeAsync(server.As("inv"), "S-1", "Sheldon Example", Sheldon, Day(90));
        var other = await ProposeAsync(server.As("inv"), "S-2", "Other Person", Other, Day(30));

        var entries = await server.As("appr").GetFromJsonAsync<JsonElement>("/api/v1/watchlists/wanted/entries?state=proposed");
        var e = entries.EnumerateArray().Single(x => x.GetProperty("id").GetInt64() == id);
        Assert.Equal("Sheldon Example", e.GetProperty("subject_name").GetString());
        Assert.Equal("S-1", e.GetProperty("subject_reference").GetString());
        Assert.Equal("inv", e.GetProperty("proposed_by").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("amended_by").ValueKind);
        var photo = Assert.Single(e.GetProperty("photos").EnumerateArray()).GetString()!;

        using var png = await server.As("appr").GetAsync(photo);
        await Problems.ExpectAsync(png, HttpStatusCode.OK);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", png.Headers.CacheControl?.ToString());
        Assert.Equal(0x89, (await png.Content.ReadAsByteArrayAsync())[0]);
        Assert.Contains(await server.AuditAsync(), r => r.Action == "entry.photo_view" && r.Actor == "appr" && r.Target == $"entry:{id}" && r.Outcome == "ok");

        // Someone else's photo through this entry, an unknown entry, a reviewer without the role: refused with codes.
        var template = long.Parse(photo[(photo.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);
        await Problems.ExpectProblemAsync(await server.As("appr").GetAsync($"/api/v1/entries/{other}/photos/{template}"), HttpStatusCode.NotFound, "photo.not_found");
        await Problems.ExpectProblemAsync(await server.As("appr").GetAsync($"/api/v1/entries/999999/photos/{template}"), HttpStatusCode.NotFound, "entry.not_found");
        await Problems.ExpectProblemAsync(await server.As("op").GetAsync(photo), HttpStatusCode.Forbidden, null);

        // An amendment names its author beside the proposer: the approver sees both.
        await Expect(await server.As("inv2").PostAsJsonAsync($"/api/v1/entries/{id}/amend", new { reason = "warrant renewed", instrument = "Warrant 2026/18" }), HttpStatusCode.OK);
        var history = await server.As("appr").GetFromJsonAsync<JsonElement>($"/api/v1/entries/{id}");
        Assert.Equal("inv2", history.GetProperty("amended_by").GetString());
        Assert.Equal("inv", history.GetProperty("first_proposed_by").GetString());
        Assert.Equal("inv2", history.GetProperty("proposed_by").GetString()); // the current version's proposer: inv2 may not approve it
        Assert.Single(history.GetProperty("photos").EnumerateArray());
    }

    [SkippableFact]
    public async Task The_expiry_on_the_lists_last_day_is_accepted_and_the_day_after_refused()
    {
        await using var server = await StartAsync();
        await ProposeAsync(server.As("inv"), "S-1", "Sheldon Example", Sheldon, Day(90));
        using var form = Proposal("S-2", "Other Person", Other, Day(91), out _);
        var problem = await Problems.ExpectProblemAsync(await server.As("inv").PostAsync("/api/v1/watchlists/wanted/entries", form), HttpStatusCode.UnprocessableEntity, "entry.legal_basis_invalid");
        Assert.Contains("beyond the watchlist's maximum of 90 days", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Uploads_take_photo_as_the_field_name_and_a_missing_photo_names_the_field()
    {
        await using var server = await StartAsync();
        using var none = Proposal("S-1", "Sheldon Example", null, Day(30), out _);
        var problem = await Problems.ExpectProblemAsync(await server.As("inv").PostAsync("/api/v1/watchlists/wanted/entries", none), HttpStatusCode.UnprocessableEntity, "image.empty");
        Assert.Contains("'photo'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var quality = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(TestPaths.FacesDevFile(Sheldon))), "photo", "s.png" } };
        await Expect(await server.As("inv").PostAsync("/api/v1/faces/quality", quality), HttpStatusCode.OK);

        // The old name still works (compatibility): the proposal helper of the other suites sends 'photos'.
        using var legacy = Proposal("S-3", "Sheldon Example", Sheldon, Day(30), out _, field: "photos");
        await Expect(await server.As("inv").PostAsync("/api/v1/watchlists/wanted/entries", legacy), HttpStatusCode.Created);
    }

    [SkippableFact]
    public async Task A_bulk_import_proposes_every_valid_row_and_refuses_bad_rows_with_their_reason()
    {
        await using var server = await StartAsync();
        var csv = new StringBuilder("photo,subject_reference,subject_name,case,grounds,officer,authority,instrument,expires,image_source\n")
            .Append(CultureInfo.InvariantCulture, $"sheldon1.png,S-1,\"Example, Sheldon\",CASE-1,armed robbery,DI Jones,Met Police,Warrant 1,{Day(60)},custody:CR-1\n")
            .Append(CultureInfo.InvariantCulture, $"img17.jpg,S-2,Other Person,CASE-2,fraud,DI Jones,Met Police,Warrant 2,{Day(200)},custody:CR-2\n")
            .Append(CultureInfo.InvariantCulture, $"missing.png,S-3,Nobody,CASE-3,fraud,DI Jones,Met Police,Warrant 3,{Day(30)},custody:CR-3\n")
            .Append(CultureInfo.InvariantCulture, $"img17.jpg,S-4,Other Person,CASE-4,fraud,DI Jones,Met Police,Warrant 4,{Day(30)},custody:CR-4\n");
        using var form = await ImportForm(csv.ToString(), Sheldon, Other);
        var result = await Read(await server.As("inv").PostAsync("/api/v1/watchlists/wanted/imports", form), HttpStatusCode.OK);

        var proposed = result.GetProperty("proposed").EnumerateArray().ToList();
        Assert.Equal([2, 5], proposed.Select(p => p.GetProperty("row").GetInt32()));
        var refused = result.GetProperty("refused").EnumerateArray().ToDictionary(r => r.GetProperty("row").GetInt32());
        Assert.Equal("entry.legal_basis_invalid", refused[3].GetProperty("code").GetString());
        Assert.Contains("beyond the watchlist's maximum", refused[3].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("import.photo_missing", refused[4].GetProperty("code").GetString());

        // Proposed, not active: the two-person rule holds for imports too; the history says which row.
        var queue = await server.As("appr").GetFromJsonAsync<JsonElement>("/api/v1/watchlists/wanted/entries?state=proposed");
        Assert.Equal(2, queue.GetArrayLength());
        Assert.Contains(queue.EnumerateArray(), e => e.GetProperty("subject_name").GetString() == "Example, Sheldon");
        Assert.Equal(2, (await server.AuditAsync()).Count(r => r.Action == "entry.proposed" && r.Actor == "inv"));

        // Bad files are refused whole, nothing proposed; an operator may not import at all.
        foreach (var (bad, code) in new[]
                 {
                     ("", "import.invalid_csv"), ("photo,case\nx.png,1\n", "import.invalid_csv"),
                     ("photo,subject_reference,subject_name,case,grounds,officer,authority,instrument,expires,image_source\n\"unterminated,S-9", "import.invalid_csv"),
                 })
        {
            using var badForm = await ImportForm(bad, Sheldon);
            await Problems.ExpectProblemAsync(await server.As("inv").PostAsync("/api/v1/watchlists/wanted/imports", badForm), HttpStatusCode.BadRequest, code);
        }

        using var noCsv = new MultipartFormDataContent { { new StringContent("r"), "reason" } };
        await Problems.ExpectProblemAsync(await server.As("inv").PostAsync("/api/v1/watchlists/wanted/imports", noCsv), HttpStatusCode.BadRequest, "import.invalid_csv");
        using var opForm = await ImportForm(csv.ToString(), Sheldon);
        await Problems.ExpectProblemAsync(await server.As("op").PostAsync("/api/v1/watchlists/wanted/imports", opForm), HttpStatusCode.Forbidden, null);
        using var unknown = await ImportForm(csv.ToString(), Sheldon);
        await Problems.ExpectProblemAsync(await server.As("inv").PostAsync("/api/v1/watchlists/nope/imports", unknown), HttpStatusCode.NotFound, "watchlist.not_found");
        Assert.Equal(2, (await server.As("appr").GetFromJsonAsync<JsonElement>("/api/v1/watchlists/wanted/entries?state=proposed")).GetArrayLength());
    }

    [SkippableFact]
    public async Task The_audit_log_filters_pages_newest_first_and_exports_csv()
    {
        await using var server = await StartAsync();
        await server.As("op").GetAsync("/api/v1/alerts");
        await server.As("op").GetAsync("/api/v1/audit/records"); // refused: not an auditor
        var all = await server.As("aud").GetFromJsonAsync<JsonElement>("/api/v1/audit/records?limit=10000");
        var sequences = all.EnumerateArray().Select(r => r.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.OrderDescending(), sequences);

        var refused = await server.As("aud").GetFromJsonAsync<JsonElement>("/api/v1/audit/records?actor=op&outcome=refused");
        Assert.NotEmpty(refused.EnumerateArray());
        Assert.All(refused.EnumerateArray(), r => Assert.Equal(("op", "refused"), (r.GetProperty("actor").GetString(), r.GetProperty("outcome").GetString())));
        var prefix = await server.As("aud").GetFromJsonAsync<JsonElement>("/api/v1/audit/records?action=watchlist.");
        Assert.All(prefix.EnumerateArray(), r => Assert.StartsWith("watchlist.", r.GetProperty("action").GetString(), StringComparison.Ordinal));
        Assert.Contains(prefix.EnumerateArray(), r => r.GetProperty("action").GetString() == "watchlist.created");
        var target = await server.As("aud").GetFromJsonAsync<JsonElement>("/api/v1/audit/records?target=watchlist:&action=watchlist.created");
        Assert.Single(target.EnumerateArray());
        Assert.Empty((await server.As("aud").GetFromJsonAsync<JsonElement>($"/api/v1/audit/records?to={DateTimeOffset.UtcNow.AddDays(-1):yyyy-MM-dd}")).EnumerateArray());

        // Paging: two at a time, backwards, without overlap.
        var first = await server.As("aud").GetFromJsonAsync<JsonElement>("/api/v1/audit/records?limit=2");
        var last = first[1].GetProperty("sequence").GetInt64();
        var second = await server.As("aud").GetFromJsonAsync<JsonElement>($"/api/v1/audit/records?limit=2&before={last}");
        Assert.Equal(last - 1, second[0].GetProperty("sequence").GetInt64());

        using var csv = await server.As("aud").GetAsync("/api/v1/audit/records?actor=op&format=csv");
        await Problems.ExpectAsync(csv, HttpStatusCode.OK);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("sequence,occurred_at,actor,action,target,outcome,details", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Contains(",op,", l, StringComparison.Ordinal));
        Assert.Contains(await server.AuditAsync(), r => r.Action == "audit.export" && r.Actor == "aud");

        foreach (var bad in new[] { "from=yesterday", "to=2026-13-45", "outcome=maybe", "format=pdf", "from=2026-12-02&to=2026-12-01" })
        {
            await Problems.ExpectProblemAsync(await server.As("aud").GetAsync($"/api/v1/audit/records?{bad}"), HttpStatusCode.BadRequest, "argument.invalid");
        }

        await Problems.ExpectProblemAsync(await server.As("op").GetAsync("/api/v1/audit/records?format=csv"), HttpStatusCode.Forbidden, null);
    }

    [SkippableFact]
    public async Task Alerts_filter_page_export_and_every_decision_reaches_the_streams_in_scope()
    {
        await using var server = await StartAsync();
        var entry = await ProposeAsync(server.As("inv"), "S-1", "Sheldon Example", Sheldon, Day(60));
        await Expect(await server.As("appr").PostAsJsonAsync($"/api/v1/entries/{entry}/approve", new { reason = "warrant checked" }), HttpStatusCode.OK);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        using var north = await server.As("op").GetAsync("/api/v1/alerts/stream", HttpCompletionOption.ResponseHeadersRead, ct);
        using var northReader = new StreamReader(await north.Content.ReadAsStreamAsync(ct));
        using var south = await server.As("op-south").GetAsync("/api/v1/alerts/stream", HttpCompletionOption.ResponseHeadersRead, ct);
        using var southReader = new StreamReader(await south.Content.ReadAsStreamAsync(ct));
        Assert.StartsWith(":", await northReader.ReadLineAsync(ct), StringComparison.Ordinal);
        Assert.StartsWith(":", await southReader.ReadLineAsync(ct), StringComparison.Ordinal);

        var a1 = await RaiseAsync(server, entry, "gate-1", "north");
        var a2 = await RaiseAsync(server, entry, "gate-2", "north");
        var a3 = await RaiseAsync(server, entry, "gate-3", "south");

        // Filters and paging.
        var gate2 = await server.As("appr").GetFromJsonAsync<JsonElement>("/api/v1/alerts?camera=gate-2", ct);
        Assert.Equal([a2], gate2.EnumerateArray().Select(a => a.GetProperty("id").GetInt64()));
        var page = await server.As("appr").GetFromJsonAsync<JsonElement>($"/api/v1/alerts?limit=1&before={a3}&watchlist=wanted", ct);
        Assert.Equal([a2], page.EnumerateArray().Select(a => a.GetProperty("id").GetInt64()));
        Assert.Empty((await server.As("appr").GetFromJsonAsync<JsonElement>("/api/v1/alerts?watchlist=missing", ct)).EnumerateArray());
        Assert.Empty((await server.As("appr").GetFromJsonAsync<JsonElement>($"/api/v1/alerts?from={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-dd}", ct)).EnumerateArray());
        await Problems.ExpectProblemAsync(await server.As("appr").GetAsync("/api/v1/alerts?from=soon", ct), HttpStatusCode.BadRequest, "argument.invalid");
        await Problems.ExpectProblemAsync(await server.As("appr").GetAsync("/api/v1/alerts?status=maybe", ct), HttpStatusCode.BadRequest, "alert.status_invalid");

        // A decision on the south alert, then one on a north alert: the north operator's stream carries only the north one.
        await Expect(await server.As("op-south").PostAsJsonAsync($"/api/v1/alerts/{a3}/dismiss", new { reason = "not him" }, ct), HttpStatusCode.OK);
        await Expect(await server.As("appr").PostAsJsonAsync($"/api/v1/alerts/{a1}/confirm", new { reason = "same scar" }, ct), HttpStatusCode.OK);
        var decision = await NextAsync(northReader, "decision", ct);
        Assert.Equal(a1, decision.GetProperty("alert_id").GetInt64());
        Assert.Equal(("appr", "confirm", "awaiting_second_confirmation"), (decision.GetProperty("by").GetString(), decision.GetProperty("verdict").GetString(), decision.GetProperty("status").GetString()));
        Assert.Equal(a3, (await NextAsync(southReader, "decision", ct)).GetProperty("alert_id").GetInt64());

        // Export: CSV with one line per decision, a printable page with both photos; bad input refused.
        using var csv = await server.As("op").GetAsync($"/api/v1/alerts/{a1}/export?format=csv", ct);
        await Problems.ExpectAsync(csv, HttpStatusCode.OK);
        var lines = (await csv.Content.ReadAsStringAsync(ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("alert,camera,site", lines[0], StringComparison.Ordinal);
        Assert.Contains(",appr,confirm,same scar", Assert.Single(lines.Skip(1)), StringComparison.Ordinal);
        using var html = await server.As("op").GetAsync($"/api/v1/alerts/{a1}/export?format=html", ct);
        var page1 = await html.Content.ReadAsStringAsync(ct);
        Assert.Contains("Sheldon Example", page1, StringComparison.Ordinal);
        Assert.Contains("same scar", page1, StringComparison.Ordinal);
        Assert.Contains("data:image/png;base64,", page1, StringComparison.Ordinal);
        await Problems.ExpectProblemAsync(await server.As("op").GetAsync($"/api/v1/alerts/{a1}/export?format=pdf", ct), HttpStatusCode.BadRequest, "argument.invalid");
        await Problems.ExpectProblemAsync(await server.As("op").GetAsync("/api/v1/alerts/999999/export?format=csv", ct), HttpStatusCode.NotFound, "alert.not_found");
        await Problems.ExpectProblemAsync(await server.As("op").GetAsync($"/api/v1/alerts/{a3}/export?format=csv", ct), HttpStatusCode.Forbidden, null);
    }

    [SkippableFact]
    public async Task The_search_history_shows_the_callers_own_searches_only()
    {
        await using var server = await StartAsync();
        var now = DateTimeOffset.UtcNow;
        var order = (await server.Store.RecordAuthorisationAsync(
            new Core.Purposes.AuthorisationRequest("Order 1", "CASE-9", ["wanted"], now.AddHours(-1), now.AddDays(1)), "official")).Id.ToString(CultureInfo.InvariantCulture);
        foreach (var who in new[] { "inv", "inv", "inv2" })
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent("wanted"), "watchlist" }, { new StringContent("investigation"), "purpose" }, { new StringContent("CASE-9"), "case" },
                { new StringContent("witness statement places the suspect at the scene"), "justification" }, { new StringContent(order), "authorisation" },
                { new ByteArrayContent(await File.ReadAllBytesAsync(TestPaths.FacesDevFile(Other))), "photo", "probe.jpg" },
            };
            await Expect(await server.As(who).PostAsync("/api/v1/searches", form), HttpStatusCode.OK);
        }

        var mine = await server.As("inv").GetFromJsonAsync<JsonElement>("/api/v1/searches/mine");
        Assert.Equal(2, mine.GetArrayLength());
        Assert.All(mine.EnumerateArray(), s => Assert.Equal("CASE-9", s.GetProperty("case").GetString()));
        Assert.Equal(1, (await server.As("inv2").GetFromJsonAsync<JsonElement>("/api/v1/searches/mine")).GetArrayLength());
        await Problems.ExpectProblemAsync(await server.As("inv").GetAsync("/api/v1/searches/mine?days=0"), HttpStatusCode.BadRequest, "argument.invalid");
        await Problems.ExpectProblemAsync(await server.As("op").GetAsync("/api/v1/searches/mine"), HttpStatusCode.Forbidden, null);
    }

    [SkippableFact]
    public async Task The_openapi_document_describes_every_operation_and_types_every_upload()
    {
        await using var server = await StartAsync();
        var doc = await server.Anonymous().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var undocumented = new List<string>();
        var uploads = new List<string>();
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                var name = $"{op.Name.ToUpperInvariant()} {path.Name}";
                if (!op.Value.TryGetProperty("summary", out var s) || string.IsNullOrWhiteSpace(s.GetString()) || !op.Value.TryGetProperty("description", out _))
                {
                    undocumented.Add(name);
                }

                if (op.Value.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("multipart/form-data", out var multipart))
                {
                    uploads.Add(name);
                    var properties = multipart.GetProperty("schema").GetProperty("properties");
                    Assert.True(properties.TryGetProperty("photo", out var photo), $"{name}: no 'photo' file field");
                    var binary = photo.TryGetProperty("items", out var items) ? items : photo;
                    Assert.Equal("binary", binary.GetProperty("format").GetString());
                    Assert.True(properties.EnumerateObject().Count() == 1 || multipart.TryGetProperty("example", out _), $"{name}: no example");
                }
            }
        }

        Assert.Empty(undocumented);
        Assert.Equal(10, uploads.Count); // the 9 photo uploads of issue 13 and the CSV import
        var page = await server.Anonymous().GetStringAsync("/api");
        Assert.DoesNotContain("cdn.", page, StringComparison.OrdinalIgnoreCase);
    }

    private static string Day(int days) => DateTime.UtcNow.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static MultipartFormDataContent Proposal(string reference, string name, string? photo, string expires, out string? file, string field = "photo")
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(reference), "subject_reference" }, { new StringContent(name), "subject_name" }, { new StringContent("CASE-2026-17"), "case" },
            { new StringContent("armed robbery"), "grounds" }, { new StringContent("DI Jones"), "officer" }, { new StringContent("Metropolitan Police"), "authority" },
            { new StringContent("Warrant 2026/17"), "instrument" }, { new StringContent(expires), "expires" }, { new StringContent("custody:CR-0001"), "image_source" },
            { new StringContent("suspect seen near the bank"), "reason" },
        };
        file = photo is null ? null : TestPaths.FacesDevFile(photo);
        if (file is not null)
        {
            form.Add(new ByteArrayContent(File.ReadAllBytes(file)), field, Path.GetFileName(file));
        }

        return form;
    }

    private static async Task<long> ProposeAsync(HttpClient client, string reference, string name, string photo, string expires)
    {
        using var form = Proposal(reference, name, photo, expires, out _);
        return (await Read(await client.PostAsync("/api/v1/watchlists/wanted/entries", form), HttpStatusCode.Created)).GetProperty("id").GetInt64();
    }

    private static async Task<MultipartFormDataContent> ImportForm(string csv, params string[] photos)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("court list"), "reason" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv)), "csv", "list.csv" },
        };
        foreach (var p in photos)
        {
            form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(TestPaths.FacesDevFile(p))), "photo", Path.GetFileName(p));
        }

        return form;
    }

    /// <summary>An alert as a camera would raise it, through the desk (store, audit, stream), with the entry's crop as snapshot.</summary>
    private static async Task<long> RaiseAsync(ArgusTestServer server, long entryId, string camera, string site)
    {
        var entry = (await server.Store.GetEntryAsync(entryId))!;
        var template = (await server.Store.ListTemplatesAsync(entry.SubjectId)).First(t => t.GalleryId == entry.Watchlist.GalleryId);
        var png = await server.Store.GetFaceCropAsync(template.Id) ?? [];
        var now = DateTimeOffset.UtcNow;
        var raised = await server.Runtime.Feed.RaiseAsync(
            new AlertEvent("new", camera, site, 1, new FaceMatch(entry.SubjectId, template.Id, "S-1", 0.8f), 3, now, now, png, false), "1", entry);
        return raised.Alert.Id;
    }

    private static async Task<JsonElement> NextAsync(StreamReader reader, string type, CancellationToken ct)
    {
        var current = "";
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                current = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && current == type)
            {
                return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            }
        }

        throw new InvalidOperationException($"The stream ended before a '{type}' event.");
    }

    private static async Task Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            await Problems.ExpectAsync(response, status);
        }
    }

    private static async Task<JsonElement> Read(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            await Problems.ExpectAsync(response, status);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
        }
    }
}

public sealed class SqliteConsoleApiTests : ConsoleApiTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresConsoleApiTests : ConsoleApiTests
{
    protected override bool Postgres => true;
}
