using System.Globalization;
using Argus.Tests;

namespace Argus.Cli.Tests;

/// <summary>Watchlists, entries with their legal basis, two-person approval and every refusal, through the CLI.</summary>
[Trait("Category", "Model")]
public sealed class WatchlistCliTests : IDisposable
{
    private readonly AccountabilityCli _cli = new();

    public void Dispose() => _cli.Dispose();

    internal static string InDays(int days) => DateTime.UtcNow.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static string Img(string relative) => TestPaths.FacesDevFile(Path.Combine("images", relative));

    internal static string[] Propose(string watchlist, string subject, string expires, params string[] photos) =>
    [
        "entry", "propose", "--watchlist", watchlist, "--subject", subject, "--name", subject.ToUpperInvariant(),
        "--case", "CASE-2026-17", "--grounds", "armed robbery", "--officer", "DI Jones", "--authority", "Metropolitan Police",
        "--instrument", "Warrant 2026/17", "--expires", expires, "--image-source", "custody:CR-0001", "--reason", "suspect seen near the bank", .. photos,
    ];

    [SkippableFact]
    public async Task An_entry_needs_its_legal_basis_and_a_second_person_with_the_approver_role()
    {
        TestPaths.RequireFacesDev();
        await _cli.SetUpAsync(("ann", "investigator,approver", "wanted"), ("sam", "approver", "*"), ("olly", "operator", "*"), ("ivy", "investigator", "missing"));
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "wanted", "--max-days", "90")).Code);
        Assert.Contains("may not create or change watchlists", (await _cli.AsAsync("ann", "watchlist", "create", "w2", "--category", "wanted")).Stderr, StringComparison.Ordinal);
        Assert.Contains("custom watchlist category must declare its severity", (await _cli.AsAdminAsync("watchlist", "create", "c", "--category", "custom")).Stderr, StringComparison.Ordinal);

        var obama = Img("fr_obama/obama.jpg");
        var noCase = Propose("wanted", "obama", InDays(30), obama).Where((a, i) => a != "--case" && a != "CASE-2026-17").ToArray();
        Assert.Contains("the case number must be 3-64 characters", (await _cli.AsAsync("ann", noCase)).Stderr, StringComparison.Ordinal);
        Assert.Contains("not in the future", (await _cli.AsAsync("ann", Propose("wanted", "obama", InDays(-2), obama))).Stderr, StringComparison.Ordinal);
        Assert.Contains("beyond the watchlist's maximum of 90 days", (await _cli.AsAsync("ann", Propose("wanted", "obama", InDays(120), obama))).Stderr, StringComparison.Ordinal);
        Assert.Contains("is not a date", (await _cli.AsAsync("ann", Propose("wanted", "obama", "31/12/2026", obama))).Stderr, StringComparison.Ordinal);
        Assert.Contains("outside the scope of user ivy", (await _cli.AsAsync("ivy", Propose("wanted", "obama", InDays(30), obama))).Stderr, StringComparison.Ordinal);
        Assert.Contains("No watchlist named 'nope'", (await _cli.AsAsync("ann", Propose("nope", "obama", InDays(30), obama))).Stderr, StringComparison.Ordinal);

        var proposed = await _cli.JsonAsync("ann", [.. Propose("wanted", "obama", InDays(30), obama), "--json"]);
        var id = proposed.GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture);
        Assert.Equal("proposed", proposed.GetProperty("state").GetString());
        var source = proposed.GetProperty("legal_basis").GetProperty("image_sources")[0];
        Assert.Equal("custody", source.GetProperty("source").GetString());
        Assert.Equal(64, source.GetProperty("sha256").GetString()!.Length);

        Assert.Contains("Nobody may approve an entry they proposed", (await _cli.AsAsync("ann", "entry", "approve", id, "--reason", "mine")).Stderr, StringComparison.Ordinal);
        Assert.Contains("may not approve watchlist entries", (await _cli.AsAsync("olly", "entry", "approve", id, "--reason", "ok")).Stderr, StringComparison.Ordinal);
        Assert.Contains("no watchlist entry with id 999", (await _cli.AsAsync("sam", "entry", "approve", "999", "--reason", "ok")).Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.AsAsync("sam", "entry", "approve", id, "--reason", "warrant checked")).Code);

        var active = (await _cli.JsonAsync("ann", "entry", "list", "--watchlist", "wanted", "--state", "active", "--json")).GetProperty("entries");
        Assert.Equal(1, active.GetArrayLength());
        var history = await _cli.JsonAsync("sam", "entry", "history", id, "--json");
        Assert.Equal(["proposed", "approved"], history.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("change").GetString()));
        Assert.Equal(["ann", "sam"], history.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("by").GetString()));

        // A renewed warrant: amending sends the entry back for approval, and the old version stays in the history.
        Assert.Contains("beyond the watchlist's maximum", (await _cli.AsAsync("ann", "entry", "amend", id, "--expires", InDays(200), "--reason", "renewed")).Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.AsAsync("ann", "entry", "amend", id, "--expires", InDays(60), "--instrument", "Warrant 2026/17-R", "--reason", "warrant renewed")).Code);
        Assert.Equal(0, (await _cli.JsonAsync("ann", "entry", "list", "--watchlist", "wanted", "--state", "active", "--json")).GetProperty("entries").GetArrayLength());
        Assert.Equal(0, (await _cli.AsAsync("sam", "entry", "approve", id, "--reason", "renewal checked")).Code);
        history = await _cli.JsonAsync("sam", "entry", "history", id, "--json");
        Assert.Equal(["proposed", "approved", "amended", "approved"], history.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("change").GetString()));
        Assert.Equal("Warrant 2026/17", history.GetProperty("versions")[1].GetProperty("legal_basis").GetProperty("legal_instrument").GetString());
        Assert.Equal("Warrant 2026/17-R", history.GetProperty("legal_basis").GetProperty("legal_instrument").GetString());

        var audit = await _cli.AuditAsync();
        string[] Codes(string action) => [.. audit.Where(r => r.GetProperty("action").GetString() == action && r.GetProperty("outcome").GetString() == "refused")
            .Select(r => r.GetProperty("details").GetProperty("code").GetString()!)];
        Assert.Equal(["entry.legal_basis_invalid", "entry.legal_basis_invalid", "entry.legal_basis_invalid", "entry.legal_basis_invalid", "access.denied", "watchlist.not_found"], Codes("entry.propose"));
        Assert.Equal(["entry.self_approval", "access.denied", "entry.not_found"], Codes("entry.approve"));
        Assert.Equal(["access.denied", "watchlist.severity_required"], Codes("watchlist.create"));
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "entry.proposed");
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "entry.approved" && r.GetProperty("actor").GetString() == "sam");
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "entry.propose" && r.GetProperty("details").GetProperty("reason").GetString() == "scope");
    }

    [SkippableFact]
    public async Task Each_photo_names_its_own_face_and_entry_lists_show_names_to_those_who_may_list()
    {
        TestPaths.RequireFacesDev();
        await _cli.SetUpAsync(("ann", "investigator", "wanted"), ("sam", "approver", "*"), ("olly", "operator", "*"));
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "wanted")).Code);
        var single = Img("fr_obama/obama.jpg");
        var group = TestPaths.FacesDevFile("hard/group/fr_obama_and_biden.jpg");

        // A group photo without a choice is refused; one --face for all would ask the single-face photo for a face it lacks.
        Assert.Contains("2 faces; choose one", (await _cli.AsAsync("ann", Propose("wanted", "obama", InDays(30), single, group))).Stderr, StringComparison.Ordinal);
        Assert.Contains("face 2", (await _cli.AsAsync("ann", [.. Propose("wanted", "obama", InDays(30), single, group), "--face", "2"])).Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("numbered from 1", (await _cli.AsAsync("ann", Propose("wanted", "obama", InDays(30), single, group + ":0"))).Stderr, StringComparison.Ordinal);

        var proposed = await _cli.JsonAsync("ann", [.. Propose("wanted", "obama", InDays(30), single, group + ":1"), "--json"]);
        var id = proposed.GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture);
        Assert.Equal(2, proposed.GetProperty("legal_basis").GetProperty("image_sources").GetArrayLength());
        Assert.Equal(0, (await _cli.AsAsync("sam", "entry", "approve", id, "--reason", "warrant checked")).Code);

        // Names for those who may list the entries (the proposer, the approver); an operator may not list them at all.
        var (code, listed, _) = await _cli.AsAsync("ann", "entry", "list", "--watchlist", "wanted");
        Assert.Equal(0, code);
        Assert.Contains("OBAMA", listed, StringComparison.Ordinal);
        var json = (await _cli.JsonAsync("sam", "entry", "list", "--watchlist", "wanted", "--json")).GetProperty("entries")[0];
        Assert.Equal(("OBAMA", "obama"), (json.GetProperty("subject_name").GetString(), json.GetProperty("subject_reference").GetString()));
        var refused = await _cli.AsAsync("olly", "entry", "list", "--watchlist", "wanted");
        Assert.NotEqual(0, refused.Code);
        Assert.DoesNotContain("OBAMA", refused.Stdout + refused.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Searches_declare_a_purpose_match_only_active_entries_and_urgent_ones_are_authorised_later()
    {
        TestPaths.RequireFacesDev();
        await _cli.SetUpAsync(("ann", "investigator", "wanted"), ("sam", "approver", "*"), ("olly", "operator", "*"), ("ivy", "investigator", "missing"), ("ada", "authorising-official", "*"));
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "wanted")).Code);

        // Searches of a wanted list rely on an authorisation recorded by an authorising official (a free-text reference counts for nothing).
        var order = (await _cli.JsonAsync("ada", "authorisation", "record", "--reference", "COURT-ORDER-5", "--case", "CASE-2026-17", "--watchlist", "wanted", "--json"))
            .GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var obamaEntry = (await _cli.JsonAsync("ann", [.. Propose("wanted", "obama", InDays(30), Img("fr_obama/obama.jpg"), Img("fr_obama/obama1.jpg")), "--json"])).GetProperty("id").GetInt64();
        await _cli.JsonAsync("ann", [.. Propose("wanted", "kit", InDays(30), Img("fr_kit_harington/john1.jpeg")), "--json"]); // never approved
        Assert.Equal(0, (await _cli.AsAsync("sam", "entry", "approve", $"{obamaEntry}", "--reason", "warrant checked")).Code);

        string[] Search(string purpose, string image, params string[] extra) =>
            ["search", "--watchlist", "wanted", "--purpose", purpose, "--case", "CASE-2026-17", "--justification", "matches the description given by two witnesses", .. extra, image];

        var probe = Img("fr_obama/obama2.jpg");
        Assert.Contains("needs an authorisation recorded by an authorising official", (await _cli.AsAsync("ann", Search("investigation", probe))).Stderr, StringComparison.Ordinal);
        Assert.Contains("a free-text reference is not an authorisation", (await _cli.AsAsync("ann", Search("investigation", probe, "--authorisation", "COURT-ORDER-5"))).Stderr, StringComparison.Ordinal);
        Assert.Contains("needs an authorisation", (await _cli.AsAsync("ann", Search("missing-person", probe))).Stderr, StringComparison.Ordinal);
        var shortWhy = await _cli.AsAsync("ann", "search", "--watchlist", "wanted", "--purpose", "missing-person", "--case", "C", "--justification", "because", probe);
        Assert.Contains("justification of 20-2000 characters", shortWhy.Stderr, StringComparison.Ordinal);
        Assert.Contains("the case reference must be 3-64 characters", shortWhy.Stderr, StringComparison.Ordinal);
        Assert.Contains("Unknown purpose 'curiosity'", (await _cli.AsAsync("ann", Search("curiosity", probe))).Stderr, StringComparison.Ordinal);
        Assert.Contains("outside the scope of user ivy", (await _cli.AsAsync("ivy", Search("missing-person", probe))).Stderr, StringComparison.Ordinal);
        Assert.Contains("may not search", (await _cli.AsAsync("olly", Search("missing-person", probe))).Stderr, StringComparison.Ordinal);
        Assert.Contains("no search with id 99", (await _cli.AsAsync("ann", "search", "authorise", "99", "--authorisation", "X")).Stderr, StringComparison.Ordinal);

        var hit = await _cli.JsonAsync("ann", [.. Search("investigation", probe, "--authorisation", order), "--json"]);
        var top = hit.GetProperty("candidates")[0];
        Assert.Equal(obamaEntry, top.GetProperty("entry_id").GetInt64());
        Assert.Equal("red", top.GetProperty("colour").GetString());
        Assert.Equal("Warrant 2026/17", top.GetProperty("legal_basis").GetProperty("legal_instrument").GetString());
        Assert.Equal("authorised", hit.GetProperty("authorisation").GetString());

        // Kit's entry was never approved: his face matches nothing.
        var kit = await _cli.JsonAsync("ann", [.. Search("investigation", Img("fr_kit_harington/john2.jpeg"), "--authorisation", order), "--json"]);
        Assert.False(kit.GetProperty("match").GetBoolean());

        // Urgent: search first, file the authorisation within the window.
        var urgent = await _cli.AsAsync("ann", [.. Search("imminent-threat", probe, "--urgent", "--json")]);
        Assert.Equal(0, urgent.Code);
        Assert.Contains("has no authorisation yet", urgent.Stderr, StringComparison.Ordinal);
        var urgentId = System.Text.Json.JsonDocument.Parse(urgent.Stdout).RootElement.GetProperty("search_id").GetInt64();
        Assert.Equal(0, (await _cli.AsAsync("ann", "search", "authorise", $"{urgentId}", "--authorisation", order)).Code);
        Assert.Contains("only an urgent search awaiting", (await _cli.AsAsync("ann", "search", "authorise", $"{urgentId}", "--authorisation", order)).Stderr, StringComparison.Ordinal);

        // Per-user rate limit, counted in the store across processes.
        var limited = new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = AccountabilityCli.Password, ["ARGUS_SEARCH_LIMIT_PER_HOUR"] = "3" };
        Assert.Contains("Limit of 3 searches per hour", (await _cli.RunAsync(limited, ["--user", "ann", .. Search("investigation", probe, "--authorisation", order)])).Stderr, StringComparison.Ordinal);

        // An urgent search whose window passed without an authorisation is flagged to auditors.
        Assert.Equal(0, (await _cli.AsAsync("sam", Search("imminent-threat", probe, "--urgent"))).Code);
        _cli.Time.Advance(TimeSpan.FromHours(47));
        Assert.Equal(0, (await _cli.JsonAsync("auditor", "audit", "flags", "--json")).GetProperty("unauthorised_searches").GetArrayLength());
        _cli.Time.Advance(TimeSpan.FromHours(2));
        Assert.Contains("may not read the audit log", (await _cli.AsAdminAsync("audit", "flags")).Stderr, StringComparison.Ordinal);
        var flags = await _cli.JsonAsync("auditor", "audit", "flags", "--json");
        Assert.Equal("sam", flags.GetProperty("unauthorised_searches")[0].GetProperty("actor").GetString());

        // A watchlist's gallery is reachable only through the watchlist.
        var direct = await _cli.AsAsync("sam", "identify", "--gallery", "watchlist.wanted", "--purpose", "missing-person", "--case", "CASE-1", "--justification", "matches the description given by two witnesses", probe);
        Assert.Contains("belongs to a watchlist", direct.Stderr, StringComparison.Ordinal);

        var audit = await _cli.AuditAsync();
        var performed = audit.Where(r => r.GetProperty("action").GetString() == "search.performed").ToArray();
        Assert.Equal(4, performed.Length);
        Assert.All(performed, r => Assert.Equal(64, r.GetProperty("details").GetProperty("probe_sha256").GetString()!.Length));
        Assert.Equal(["ActiveInvestigation", "ActiveInvestigation", "ImminentThreat", "ImminentThreat"], performed.Select(r => r.GetProperty("details").GetProperty("purpose").GetString()));
        var refused = audit.Where(r => r.GetProperty("action").GetString() == "search.request").Select(r => r.GetProperty("details").GetProperty("code").GetString()!).ToArray();
        Assert.Equal<string>(
            ["authorisation.required", "authorisation.not_found", "authorisation.required", "search.refused", "search.purpose_invalid", "access.denied", "access.denied", "rate.limited", "gallery.watchlist_backed"], refused);
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "search.authorised");
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "search.authorise" && r.GetProperty("details").GetProperty("code").GetString() == "search.not_found");
    }

    [SkippableFact]
    public async Task Expired_entries_stop_matching_on_their_own_and_retention_records_the_deactivation()
    {
        TestPaths.RequireFacesDev();
        // A missing-persons list: a missing-person search of it needs no recorded authorisation (the expiry is the point here).
        await _cli.SetUpAsync(("ann", "investigator", "wanted"), ("sam", "approver", "*"));
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "missing")).Code);
        var id = (await _cli.JsonAsync("ann", [.. Propose("wanted", "obama", InDays(2), Img("fr_obama/obama.jpg")), "--json"])).GetProperty("id").GetInt64();
        Assert.Equal(0, (await _cli.AsAsync("sam", "entry", "approve", $"{id}", "--reason", "warrant checked")).Code);
        string[] search = ["search", "--watchlist", "wanted", "--purpose", "missing-person", "--case", "MP-1", "--justification", "reported missing by family yesterday", "--json", Img("fr_obama/obama2.jpg")];
        Assert.True((await _cli.JsonAsync("ann", search)).GetProperty("match").GetBoolean());

        // Three days later the legal basis has expired: no job has run, yet the entry matches nothing.
        _cli.Time.Advance(TimeSpan.FromDays(3));
        Assert.False((await _cli.JsonAsync("ann", search)).GetProperty("match").GetBoolean());
        Assert.Contains("expired", (await _cli.AsAsync("ann", "entry", "list", "--watchlist", "wanted")).Stdout, StringComparison.Ordinal);

        var run = await _cli.JsonAsync("admin", "retention", "run", "--json");
        Assert.Equal(id, run.GetProperty("entries_deactivated")[0].GetInt64());
        var last = (await _cli.JsonAsync("sam", "entry", "history", $"{id}", "--json")).GetProperty("versions")[2];
        Assert.Equal("expired", last.GetProperty("change").GetString());
        Assert.Equal("system", last.GetProperty("by").GetString());
        Assert.Equal(0, (await _cli.JsonAsync("admin", "retention", "run", "--json")).GetProperty("entries_deactivated").GetArrayLength());
        Assert.Contains(await _cli.AuditAsync(), r => r.GetProperty("action").GetString() == "entry.expired" && r.GetProperty("target").GetString() == $"entry:{id}");

        var report = await _cli.JsonAsync("auditor", "report", "transparency", "--from", InDays(-1), "--to", InDays(5), "--format", "json");
        Assert.Equal(1, report.GetProperty("entries").GetProperty("expired").GetInt32());
        Assert.Equal(0, report.GetProperty("entries").GetProperty("active_total").GetInt32());
    }

    [SkippableFact]
    public async Task Entry_import_proposes_every_valid_row_and_lists_the_refused_ones()
    {
        TestPaths.RequireFacesDev();
        await _cli.SetUpAsync(("ann", "investigator", "*"), ("sam", "approver", "*"), ("olly", "operator", "*"));
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "wanted", "--max-days", "90")).Code);
        using var dir = TestPaths.TempDirectory();
        var csv = dir.File("list.csv");
        await File.WriteAllTextAsync(csv, string.Join('\n',
            "photo,subject_reference,subject_name,case,grounds,officer,authority,instrument,expires,image_source",
            $"sheldon1.png,S-1,\"Example, Sheldon\",CASE-1,robbery,DI Jones,Met Police,Warrant 1,{InDays(30)},custody:CR-1",
            $"sheldon4.png,S-2,Too Long,CASE-2,robbery,DI Jones,Met Police,Warrant 2,{InDays(120)},custody:CR-2",
            $"../fr_obama/obama.jpg,S-3,Elsewhere,CASE-3,robbery,DI Jones,Met Police,Warrant 3,{InDays(30)},custody:CR-3",
            $"sheldon4.png,S-4,Second Row,CASE-4,robbery,DI Jones,Met Police,Warrant 4,{InDays(30)},custody:CR-4") + "\n");
        var photos = Path.GetDirectoryName(Img("faceapi_sheldon/sheldon1.png"))!;

        var run = await _cli.AsAsync("ann", "entry", "import", "--watchlist", "wanted", "--reason", "court list", "--photos", photos, csv);
        Assert.Equal(2, run.Code); // some rows refused: a script notices
        Assert.Contains("row 2: proposed entry #1", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("row 3: refused (entry.legal_basis_invalid)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("row 4: refused (import.photo_missing)", run.Stdout, StringComparison.Ordinal); // no path outside the photo folder
        Assert.Contains("row 5: proposed entry #2", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 proposed for approval, 2 refused", run.Stdout, StringComparison.Ordinal);

        // Proposed, not active; an operator may not import; a file that is not the CSV is refused whole.
        var proposed = (await _cli.JsonAsync("sam", "entry", "list", "--watchlist", "wanted", "--state", "proposed", "--json")).GetProperty("entries");
        Assert.Equal(2, proposed.GetArrayLength());
        Assert.Contains("may not propose watchlist entries", (await _cli.AsAsync("olly", "entry", "import", "--watchlist", "wanted", "--reason", "x", "--photos", photos, csv)).Stderr, StringComparison.Ordinal);
        var bad = dir.File("bad.csv");
        await File.WriteAllTextAsync(bad, "name,photo\nx,y\n");
        var refused = await _cli.AsAsync("ann", "entry", "import", "--watchlist", "wanted", "--reason", "x", bad);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("lacks the column(s)", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("There is no CSV file", (await _cli.AsAsync("ann", "entry", "import", "--watchlist", "wanted", "--reason", "x", dir.File("none.csv"))).Stderr, StringComparison.Ordinal);
    }
}
