using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Argus.Core.Access;
using Argus.Server.Tests;
using Argus.Tests;
using Microsoft.Playwright;

namespace Argus.Console.Tests;

/// <summary>
/// A day at the console (issue 13), in headless Chromium against the real server: the administrator creates lists
/// (severity and longest entry chosen); the investigator proposes with a photo and the default expiry, then imports a
/// CSV where one bad row is refused and the others proposed; the approver approves seeing the photo, the name, the
/// legal basis and the proposer; two operators on two walls see each other's decisions live (one by keyboard), the
/// reason box empties after one's own decision, the camera's timeline and the export are there; the server restarts
/// and the open wall asks to log in again instead of reconnecting for ever (and does not flood the audit); the
/// auditor filters, sees repeated reads grouped and exports CSV; the investigator's search shows a thumbnail and the
/// search history; an entry is amended and removed from its row. Screenshots go to artifacts/console-day/.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsoleDayTests
{
    private const string Enrolled = "images/faceapi_sheldon/sheldon1.png";
    private const string Second = "images/faceapi_sheldon/sheldon2.png";
    private const string Other = "images/deepface_c05/img17.jpg";

    private static readonly string Artefacts = ConsoleBrowser.Artefacts("console-day");

    private static readonly LocatorAssertionsToBeVisibleOptions Live = new() { Timeout = 60_000 };

    [SkippableFact]
    public async Task A_day_propose_import_approve_two_walls_restart_audit_search_amend_remove()
    {
        ConsoleBrowser.Require();
        TestPaths.RequireFacesDev();
        Directory.CreateDirectory(Artefacts);

        // On a loaded 2-core machine the first page (modules, first requests JIT-compiled) can take longer than 5 s.
        Assertions.SetDefaultExpectTimeout(30_000);
        await using var server = await ArgusTestServer.StartAsync(false);
        await server.AddUserAsync("inv", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("appr", [Role.Approver], Scope.Everything);
        await server.AddUserAsync("op1", [Role.Operator], ArgusTestServer.Sites("north"));
        await server.AddUserAsync("op2", [Role.Operator], ArgusTestServer.Sites("north"));
        await server.AddUserAsync("aud", [Role.Auditor], Scope.Everything);
        using var work = TestPaths.TempDirectory();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ConsoleBrowser.LaunchAsync(playwright);

        var step = 0;
        async Task Shot(IPage page, string name) =>
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, $"{++step:00}-{name}.png"), FullPage = true });

        async Task<IPage> OpenAsync()
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 1366, Height = 768 },
                BaseURL = server.Address.ToString(),
                AcceptDownloads = true,
            });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            return page;
        }

        async Task LogInAsync(IPage page, string user)
        {
            await page.GetByLabel("Username").FillAsync(user);
            await page.GetByLabel("Password").FillAsync(ArgusTestServer.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();
        }

        async Task<IPage> AsAsync(string user)
        {
            var page = await OpenAsync();
            await LogInAsync(page, user);
            return page;
        }

        // 1. The login page offers nothing but logging in.
        var admin = await OpenAsync();
        await Assertions.Expect(admin.GetByLabel("Username")).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeHiddenAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("sound", RegexOptions.IgnoreCase) })).ToBeHiddenAsync();
        await Shot(admin, "login");

        // 2. The administrator creates a wanted list and a custom 30-day list of high severity.
        await LogInAsync(admin, "admin");
        await admin.GetByRole(AriaRole.Link, new() { Name = "Watchlists" }).ClickAsync();
        var create = admin.GetByRole(AriaRole.Form, new() { Name = "Create a watchlist" });
        await create.GetByLabel("Name", new() { Exact = true }).FillAsync("wanted");
        await create.GetByLabel("Category").SelectOptionAsync("wanted");
        await create.GetByRole(AriaRole.Button, new() { Name = "Create watchlist" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Table, new() { Name = "Watchlists in your scope" })).ToContainTextAsync("wanted");
        await create.GetByLabel("Name", new() { Exact = true }).FillAsync("court-30");
        await create.GetByLabel("Category").SelectOptionAsync("custom");
        await create.GetByLabel("Severity").SelectOptionAsync("high");
        await create.GetByLabel("Longest entry (days)").FillAsync("30");
        await create.GetByRole(AriaRole.Button, new() { Name = "Create watchlist" }).ClickAsync();
        var court = admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "court-30" });
        await Assertions.Expect(court).ToContainTextAsync("30 days");
        await Assertions.Expect(court).ToContainTextAsync("high");
        await Shot(admin, "watchlists-created");

        // 3. The investigator proposes with a photo and leaves the default expiry (the list's maximum): accepted.
        var inv = await AsAsync("inv");
        await inv.GetByRole(AriaRole.Link, new() { Name = "Watchlists" }).ClickAsync();
        var form = inv.GetByRole(AriaRole.Form, new() { Name = "Propose an entry" });
        await form.GetByLabel("Watchlist").SelectOptionAsync("court-30");
        Assert.Equal(Day(30), await form.GetByLabel("Expires").InputValueAsync());
        await form.GetByLabel("Watchlist").SelectOptionAsync("wanted");
        Assert.Equal(Day(365), await form.GetByLabel("Expires").InputValueAsync());
        await form.GetByLabel("Subject reference").FillAsync("S-1");
        await form.GetByLabel("Subject name").FillAsync("Sheldon Example");
        await form.GetByLabel("Case number").FillAsync("CASE-2026-17");
        await form.GetByLabel("Offence or grounds").FillAsync("armed robbery");
        await form.GetByLabel("Investigating officer").FillAsync("DI Jones");
        await form.GetByLabel("Issuing authority").FillAsync("Metropolitan Police");
        await form.GetByLabel("Legal instrument").FillAsync("Warrant 2026/17");
        await form.GetByLabel("Image source").FillAsync("custody:CR-0001");
        await form.GetByLabel("Reason").FillAsync("seen near the bank");
        await form.GetByLabel("Photos", new() { Exact = true }).SetInputFilesAsync(TestPaths.FacesDevFile(Enrolled));
        await Assertions.Expect(form.GetByText(new Regex("sheldon1.png: Good"))).ToBeVisibleAsync(Live);
        await form.GetByRole(AriaRole.Button, new() { Name = "Propose entry" }).ClickAsync();
        await Assertions.Expect(inv.GetByRole(AriaRole.Status)).ToContainTextAsync("Entry 1 proposed");

        // 4. A bulk import: two good rows proposed, the row beyond the list's maximum refused with the reason.
        var csv = work.File("court-list.csv");
        await File.WriteAllTextAsync(csv, string.Join('\n',
            "photo,subject_reference,subject_name,case,grounds,officer,authority,instrument,expires,image_source",
            $"sheldon2.png,S-10,Shel Double,CASE-10,fraud,DI Khan,Met Police,Warrant 10,{Day(60)},custody:CR-10",
            $"img17.jpg,S-11,Other Person,CASE-11,fraud,DI Khan,Met Police,Warrant 11,{Day(400)},custody:CR-11",
            $"img17.jpg,S-12,Other Person,CASE-12,fraud,DI Khan,Met Police,Warrant 12,{Day(45)},custody:CR-12") + "\n");
        var import = inv.GetByRole(AriaRole.Form, new() { Name = "Import entries from a CSV" });
        await import.GetByLabel("Watchlist").SelectOptionAsync("wanted");
        await import.GetByLabel("CSV file").SetInputFilesAsync(csv);
        await import.GetByLabel("Photos named in the CSV").SetInputFilesAsync([TestPaths.FacesDevFile(Second), TestPaths.FacesDevFile(Other)]);
        await import.GetByLabel("Reason").FillAsync("court list of today");
        await import.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Assertions.Expect(import).ToContainTextAsync("2 proposed for approval, 1 refused.", new() { Timeout = 60_000 });
        var rows = import.GetByRole(AriaRole.Table, new() { Name = "Imported rows" });
        await Assertions.Expect(rows.GetByRole(AriaRole.Row).Filter(new() { HasText = "refused" })).ToContainTextAsync("beyond the watchlist's maximum of 365 days");
        await Shot(inv, "import-one-row-refused");

        // 5. The approver sees whom they approve: photo, name, legal basis, who proposed.
        var appr = await AsAsync("appr");
        await appr.GetByRole(AriaRole.Link, new() { Name = "Watchlists" }).ClickAsync();
        var queue = appr.GetByRole(AriaRole.Region, new() { Name = "Approval queue (3)" });
        await Assertions.Expect(queue).ToBeVisibleAsync();
        var first = queue.GetByRole(AriaRole.Article, new() { Name = "Proposed entry 1: Sheldon Example" });
        var photo = first.GetByRole(AriaRole.Img, new() { Name = "Photo 1 of Sheldon Example (entry 1)" });
        await Assertions.Expect(photo).ToBeVisibleAsync();
        Assert.True(await photo.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the entry's photo did not load");
        await Assertions.Expect(first).ToContainTextAsync("CASE-2026-17");
        await Assertions.Expect(first).ToContainTextAsync("Warrant 2026/17");
        await Assertions.Expect(first).ToContainTextAsync("Proposed by");
        await Assertions.Expect(first).ToContainTextAsync("inv");
        await Assertions.Expect(queue.GetByRole(AriaRole.Article, new() { Name = "Proposed entry 2: Shel Double" })).ToBeVisibleAsync();
        await first.GetByRole(AriaRole.Textbox, new() { Name = "Reason for entry 1" }).FillAsync("warrant checked with the court");
        await Shot(appr, "approval-with-photo");
        await first.GetByRole(AriaRole.Button, new() { Name = "Approve entry 1" }).ClickAsync();
        await Assertions.Expect(appr.GetByRole(AriaRole.Region, new() { Name = "Approval queue (2)" })).ToBeVisibleAsync();

        // 6. Two operators on two walls; a camera (registered, not run) raises an alert through the desk.
        using (var cam = await server.As("admin").PostAsJsonAsync("/api/v1/cameras", new { id = "gate-1", name = "Gate 1", site = "north", source = "/dev/null", analysis_fps = 5 }))
        {
            Assert.True(cam.IsSuccessStatusCode, await cam.Content.ReadAsStringAsync());
        }

        var op1 = await AsAsync("op1");
        var op2 = await AsAsync("op2");
        await Assertions.Expect(op1.GetByText("No alerts to review.")).ToBeVisibleAsync();
        await Assertions.Expect(op2.GetByText("No alerts to review.")).ToBeVisibleAsync();
        await ConsoleAlerts.RaiseAsync(server, 1, "gate-1", "north");
        var card1 = op1.GetByRole(AriaRole.Article, new() { Name = "Alert 1: Sheldon Example" });
        var card2 = op2.GetByRole(AriaRole.Article, new() { Name = "Alert 1: Sheldon Example" });
        await Assertions.Expect(card1).ToBeVisibleAsync(Live);
        await Assertions.Expect(card2).ToBeVisibleAsync(Live);

        // One decision refreshes op2's card once (the stream carries it as an alert and as a decision event).
        var fetched = 0;
        op2.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/api/v1/alerts/1", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref fetched);
            }
        };

        var reason1 = card1.GetByRole(AriaRole.Textbox, new() { Name = "Reason for alert 1" });
        await reason1.FillAsync("same face and build as the custody photo");
        await card1.GetByRole(AriaRole.Button, new() { Name = "Confirm alert 1" }).ClickAsync();
        await Assertions.Expect(card1).ToContainTextAsync("a second, different user must confirm");
        await Assertions.Expect(card1.GetByRole(AriaRole.Textbox, new() { Name = "Reason for alert 1" })).ToHaveValueAsync("");

        // op2's wall, never reloaded, shows op1's decision.
        await Assertions.Expect(card2).ToContainTextAsync("Confirmed once", new() { Timeout = 30_000 });
        await Assertions.Expect(card2).ToContainTextAsync("op1 confirmed");
        await Assertions.Expect(op2.GetByRole(AriaRole.Status)).ToContainTextAsync("Alert 1: op1 confirmed it");
        Assert.Equal(1, Volatile.Read(ref fetched));
        await Shot(op2, "decision-by-the-other-operator");

        // op2 gives the second confirmation by keyboard: reason, then "c" with the card focused.
        await card2.GetByRole(AriaRole.Textbox, new() { Name = "Reason for alert 1" }).FillAsync("agree: same person, checked the scar");
        await card2.GetByRole(AriaRole.Heading, new() { Name = "Alert 1: Sheldon Example" }).FocusAsync();
        await op2.Keyboard.PressAsync("c");
        await Assertions.Expect(card2).ToContainTextAsync("Confirmed: action allowed");
        await Assertions.Expect(card1).ToContainTextAsync("Confirmed: action allowed", new() { Timeout = 30_000 });
        await Shot(op1, "second-confirmation-seen-live");

        // The camera's timeline and the alert's export.
        await op2.GetByLabel("Status").SelectOptionAsync("");
        await op2.GetByLabel("Camera").SelectOptionAsync("gate-1");
        await Assertions.Expect(op2.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Timeline of camera gate-1: 1 alert") })).ToBeVisibleAsync();
        var download = await op2.RunAndWaitForDownloadAsync(() => op2.GetByRole(AriaRole.Link, new() { Name = "Export alert 1 as CSV" }).ClickAsync());
        var exported = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("op1,confirm,same face and build as the custody photo", exported, StringComparison.Ordinal);
        Assert.Contains("op2,confirm,\"agree: same person, checked the scar\"", exported, StringComparison.Ordinal);
        await Shot(op2, "camera-timeline");

        // 7. The server restarts: every open tab with a live stream asks to log in again, once, instead of
        // "reconnecting" for ever; after that a stale tab writes nothing more to the audit.
        var refusedBefore = (await server.AuditAsync()).Count(r => r.Outcome != "ok");
        await server.RestartAsync();
        await Assertions.Expect(op1.GetByText(new Regex("Your session has ended"))).ToBeVisibleAsync(Live);
        await Assertions.Expect(op1.GetByLabel("Username")).ToBeVisibleAsync();
        await Assertions.Expect(op1.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeHiddenAsync();
        await Shot(op1, "session-ended-after-restart");
        await Assertions.Expect(op2.GetByLabel("Username")).ToBeVisibleAsync(Live);
        await Assertions.Expect(appr.GetByLabel("Username")).ToBeVisibleAsync(Live);
        var refusedAfter = (await server.AuditAsync()).Count(r => r.Outcome != "ok");
        Assert.True(refusedAfter - refusedBefore <= 9, $"{refusedAfter - refusedBefore} refused records for three stale tabs after the restart");
        await LogInAsync(op1, "op1");
        await op1.GetByLabel("Status").SelectOptionAsync("");
        await Assertions.Expect(op1.GetByRole(AriaRole.Article, new() { Name = "Alert 1: Sheldon Example" })).ToContainTextAsync("Confirmed: action allowed");

        // 8. The auditor: chain beside the log, filters, grouped reads, CSV export.
        var aud = await AsAsync("aud");
        await aud.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await Assertions.Expect(aud.Locator("#chain-result")).ToContainTextAsync("Intact");
        await aud.GetByLabel("Actor").FillAsync("op1");
        await aud.GetByLabel("Action").FillAsync("alert.view");
        await aud.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var log = aud.GetByRole(AriaRole.Table, new() { NameRegex = new Regex("^Audit records \\(\\d+, newest first, repeated reads grouped\\)") });
        await Assertions.Expect(log).ToContainTextAsync(new Regex("viewed alerts \\d+ times between"));
        await aud.GetByLabel("Action").FillAsync("alert.confirmed");
        await aud.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(aud.GetByRole(AriaRole.Table, new() { NameRegex = new Regex("^Audit records \\(1, newest first") })).ToContainTextAsync("alert:1");
        await Shot(aud, "audit-filtered");
        var auditCsv = await aud.RunAndWaitForDownloadAsync(() => aud.GetByRole(AriaRole.Link, new() { Name = "Export these records (CSV)" }).ClickAsync());
        var lines = (await File.ReadAllTextAsync((await auditCsv.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("sequence,occurred_at,actor,action,target,outcome,details", lines[0]);
        Assert.Contains(",op1,alert.confirmed,alert:1,ok,", Assert.Single(lines.Skip(1)), StringComparison.Ordinal);

        // The stale tabs (op2, appr) stayed quiet while the auditor worked: no retry, no refused record.
        var refusedLater = (await server.AuditAsync()).Where(r => r.Outcome != "ok").Skip(refusedAfter).ToList();
        Assert.True(refusedLater.Count == 0, string.Join("; ", refusedLater.Select(r => $"{r.Actor} {r.Action} {r.Target} {r.Details}")));

        // 9. The investigator's tab (no stream) learns of the restart at its next request and asks to log in.
        await inv.GetByRole(AriaRole.Link, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(inv.GetByText(new Regex("Your session has ended"))).ToBeVisibleAsync(Live);
        await LogInAsync(inv, "inv");

        // The search: a thumbnail beside the candidate, and the search in the investigator's history.
        await Assertions.Expect(inv.GetByRole(AriaRole.Heading, new() { Name = "Search the watchlists" })).ToBeVisibleAsync();
        await inv.GetByLabel("Purpose").SelectOptionAsync("investigation");
        await inv.GetByLabel("Case reference").FillAsync("CASE-2026-17");
        await inv.GetByLabel("Justification").FillAsync("witness saw the suspect at the station on Monday");
        // The search cites an authorisation an authorising official recorded for its case and both lists.
        var order = await server.Store.RecordAuthorisationAsync(
            new Core.Purposes.AuthorisationRequest("Order 2026/9", "CASE-2026-17", ["wanted", "court-30"], DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1)), "official");
        await inv.GetByLabel("Authorisation number").FillAsync(order.Id.ToString(CultureInfo.InvariantCulture));
        await inv.GetByLabel("Photo to search", new() { Exact = true }).SetInputFilesAsync(TestPaths.FacesDevFile(Second));
        await inv.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        var results = inv.Locator("#search-results");
        await Assertions.Expect(results.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex("^1\\. Sheldon Example · score 0\\.") })).ToBeVisibleAsync(Live);
        var thumb = results.GetByRole(AriaRole.Img, new() { Name = "Enrolled photo of Sheldon Example" });
        await Assertions.Expect(thumb).ToBeVisibleAsync();
        Assert.True(await thumb.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the candidate's thumbnail did not load");
        await Assertions.Expect(inv.GetByRole(AriaRole.Table, new() { Name = "Your searches of the last 30 days" })).ToContainTextAsync("CASE-2026-17");
        await Shot(inv, "search-thumbnail-and-history");

        // 10. Amend and remove from the entries table.
        await inv.GetByRole(AriaRole.Link, new() { Name = "Watchlists" }).ClickAsync();
        await inv.GetByRole(AriaRole.Region, new() { Name = "Entries" }).GetByLabel("Watchlist").SelectOptionAsync("wanted");
        await inv.GetByRole(AriaRole.Button, new() { Name = "Remove entry 3" }).ClickAsync();
        await inv.GetByRole(AriaRole.Textbox, new() { Name = "Reason for removing entry 3" }).FillAsync("duplicate of entry 2");
        await inv.GetByRole(AriaRole.Button, new() { Name = "Remove now" }).ClickAsync();
        await Assertions.Expect(inv.GetByRole(AriaRole.Status)).ToContainTextAsync("Entry 3 removed");
        await inv.GetByRole(AriaRole.Button, new() { Name = "Amend entry 1" }).ClickAsync();
        await inv.GetByRole(AriaRole.Form, new() { Name = "Amend entry 1" }).GetByLabel("Legal instrument").FillAsync("Warrant 2026/18");
        await inv.GetByRole(AriaRole.Textbox, new() { Name = "Reason for amending entry 1" }).FillAsync("warrant renewed");
        await inv.GetByRole(AriaRole.Button, new() { Name = "Send for approval" }).ClickAsync();
        await Assertions.Expect(inv.GetByRole(AriaRole.Status)).ToContainTextAsync("Entry 1 amended");
        await Shot(inv, "entries-amended-and-removed");
        await LogInAsync(appr, "appr");
        await appr.GetByRole(AriaRole.Link, new() { Name = "Watchlists" }).ClickAsync();
        var amended = appr.GetByRole(AriaRole.Article, new() { Name = "Proposed entry 1: Sheldon Example" });
        await Assertions.Expect(amended).ToContainTextAsync("Warrant 2026/18");
        await Assertions.Expect(amended).ToContainTextAsync("Amended by");

        // The store agrees with what the pages said.
        var audit = await server.AuditAsync();
        Assert.Contains(audit, r => r.Action == "alert.confirmed" && r.Actor == "op2");
        Assert.Contains(audit, r => r.Action == "entry.removed" && r.Actor == "inv" && r.Target == "entry:3");
        Assert.Equal(3, audit.Count(r => r.Action == "entry.proposed"));
    }

    private static string Day(int days) => DateTime.UtcNow.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
