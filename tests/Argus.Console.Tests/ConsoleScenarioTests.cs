using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Argus.Bench;
using Argus.Core.Access;
using Argus.Server.Tests;
using Argus.Tests;
using Microsoft.Playwright;

namespace Argus.Console.Tests;

/// <summary>
/// The operator console end to end, in headless Chromium against the real server (SQLite, cameras on): an
/// administrator creates a watchlist; an investigator proposes an entry with a photo (quality feedback shown); an
/// approver approves it; the administrator registers a camera replaying a clip of the same person and creates a
/// deployment; the alert appears live on an operator's wall (opened before, never reloaded); the operator and then
/// the approver confirm it; the auditor finds both decisions in the audit view; the investigator runs a
/// purpose-bound search. A screenshot of each step goes to <see cref="Artefacts"/> (artifacts/console-e2e/ in the
/// repository, or $ARGUS_TEST_ARTIFACTS).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsoleScenarioTests
{
    private const string Enrolled = "images/faceapi_sheldon/sheldon1.png";
    private const string InClip = "images/faceapi_sheldon/sheldon3.png";
    private const string Probe = "images/faceapi_sheldon/sheldon2.png";

    private static readonly string Artefacts = ConsoleBrowser.Artefacts("console-e2e");

    private static readonly LocatorAssertionsToBeVisibleOptions Live = new() { Timeout = 90_000 };

    [SkippableFact]
    public async Task Propose_approve_deploy_see_the_alert_live_confirm_twice_audit_and_search()
    {
        ConsoleBrowser.Require();
        TestPaths.RequireFacesDev();
        Directory.CreateDirectory(Artefacts);

        await using var server = await ArgusTestServer.StartAsync(false, new Dictionary<string, string?>
        {
            ["Argus:Cameras"] = "true",
            ["Argus:CameraPollSeconds"] = "0.5",
            ["Argus:LoopFiles"] = "true",
        });
        await server.AddUserAsync("inv", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("appr", [Role.Approver], Scope.Everything);
        await server.AddUserAsync("op", [Role.Operator], ArgusTestServer.Sites("north"));
        await server.AddUserAsync("aud", [Role.Auditor], Scope.Everything);

        await server.AddUserAsync("off", [Role.AuthorisingOfficial], Scope.Everything);
        using var clipDir = TestPaths.TempDirectory();
        var clip = ClipBuilder.Build(clipDir.File("gate.mp4"), 640, 360, 10, 6, new Appearance(TestPaths.FacesDevFile(InClip), 0.5, 5.5, 60, 60, 180));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ConsoleBrowser.LaunchAsync(playwright);

        var step = 0;
        async Task Shot(IPage page, string name) =>
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, $"{++step:00}-{name}.png"), FullPage = true });

        async Task<IPage> LogInAsync(string user)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 }, BaseURL = server.Address.ToString() });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            await page.GetByLabel("Username").FillAsync(user);
            await page.GetByLabel("Password").FillAsync(ArgusTestServer.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();
            return page;
        }

        // 1. The administrator creates the watchlist.
        var admin = await LogInAsync("admin");
        await Shot(admin, "admin-logged-in");
        await admin.GetByRole(AriaRole.Link, new() { Name = "Watchlists" }).ClickAsync();
        await admin.GetByLabel("Name", new() { Exact = true }).FillAsync("wanted");
        await admin.GetByLabel("Category").SelectOptionAsync("wanted");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create watchlist" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Table, new() { Name = "Watchlists in your scope" })).ToContainTextAsync("wanted");

        // 2. The investigator proposes an entry with its legal basis and a photo; the quality check answers first.
        var inv = await LogInAsync("inv");
        await inv.GetByRole(AriaRole.Link, new() { Name = "Watchlists" }).ClickAsync();
        var form = inv.GetByRole(AriaRole.Form, new() { Name = "Propose an entry" });
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
        await Shot(inv, "proposal-with-quality-feedback");
        await form.GetByRole(AriaRole.Button, new() { Name = "Propose entry" }).ClickAsync();
        await Assertions.Expect(inv.GetByRole(AriaRole.Status)).ToContainTextAsync("proposed");

        // 3. The approver approves it from the queue.
        var appr = await LogInAsync("appr");
        await appr.GetByRole(AriaRole.Link, new() { Name = "Watchlists" }).ClickAsync();
        var queue = appr.GetByRole(AriaRole.Region, new() { Name = "Approval queue (1)" });
        await Assertions.Expect(queue).ToBeVisibleAsync();
        await queue.GetByRole(AriaRole.Textbox, new() { Name = "Reason for entry 1" }).FillAsync("warrant checked with the court");
        await Shot(appr, "approval-queue");
        await queue.GetByRole(AriaRole.Button, new() { Name = "Approve entry 1" }).ClickAsync();
        await Assertions.Expect(appr.GetByRole(AriaRole.Region, new() { Name = "Approval queue (0)" })).ToBeVisibleAsync();

        // 4. The operator's alert wall is open (and stays open, never reloaded) before anything is deployed.
        var op = await LogInAsync("op");
        await Assertions.Expect(op.GetByRole(AriaRole.Heading, new() { Name = "Live alerts" })).ToBeVisibleAsync();
        await Assertions.Expect(op.GetByText("No alerts to review.")).ToBeVisibleAsync();

        // 5. The administrator registers the camera and deploys it with the watchlist.
        await admin.GetByRole(AriaRole.Link, new() { Name = "Cameras" }).ClickAsync();
        var camera = admin.GetByRole(AriaRole.Form, new() { Name = "Add or edit a camera" });
        await camera.GetByLabel("Camera id").FillAsync("gate-1");
        await camera.GetByLabel("Name").FillAsync("Gate 1");
        await camera.GetByLabel("Site").FillAsync("north");
        await camera.GetByLabel("Source").FillAsync(clip);
        await camera.GetByLabel("Analysis rate (frames/s)").FillAsync("10");
        await camera.GetByRole(AriaRole.Button, new() { Name = "Save camera" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Article, new() { Name = "Camera gate-1" })).ToBeVisibleAsync(Live);

        // An authorising official records the deployment's (1) and the search's (2) authorisations; they are referenced by number.
        foreach (var (reference, caseReference) in new[] { ("Order 55", "OP-MATCHDAY-1"), ("Order 2026/9", "CASE-2026-17") })
        {
            await Problems.ExpectAsync(
                await server.As("off").PostAsJsonAsync("/api/v1/authorisations", new { reference, @case = caseReference, watchlists = new[] { "wanted" }, days = 30 }), System.Net.HttpStatusCode.Created);
        }

        var deploy = admin.GetByRole(AriaRole.Form, new() { Name = "Create a deployment" });
        await deploy.GetByLabel("Deployment name").FillAsync("match day");
        await deploy.GetByLabel("Site").FillAsync("north");
        await deploy.Locator("input[name=watchlists]").FillAsync("wanted");
        await deploy.GetByLabel("Authorisation number").FillAsync("1");
        await deploy.GetByRole(AriaRole.Button, new() { Name = "Create deployment" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Article, new() { Name = "Camera gate-1" })).ToContainTextAsync("deployment 1", new() { Timeout = 30_000 });
        await Assertions.Expect(admin.GetByRole(AriaRole.Img, new() { Name = "Latest analysed frame of camera gate-1" })).ToBeVisibleAsync(Live);
        await Shot(admin, "camera-deployed");

        // 6. The alert appears on the operator's wall live; snapshot beside the enrolled photo, legal basis, warning.
        var alert = op.GetByRole(AriaRole.Article, new() { Name = "Alert 1: Sheldon Example" });
        await Assertions.Expect(alert).ToBeVisibleAsync(Live);
        await Assertions.Expect(alert.GetByRole(AriaRole.Img, new() { Name = "Camera snapshot for alert 1" })).ToBeVisibleAsync();
        await Assertions.Expect(alert.GetByRole(AriaRole.Img, new() { Name = "Enrolled photo of Sheldon Example" })).ToBeVisibleAsync();
        await Assertions.Expect(alert).ToContainTextAsync("CASE-2026-17");
        await Assertions.Expect(alert).ToContainTextAsync("Warning: wanted person");
        await Shot(op, "alert-live");
        await op.SetViewportSizeAsync(768, 1024);
        await Shot(op, "alert-live-tablet");
        await op.SetViewportSizeAsync(1366, 768);

        // 7. Two confirmations by two different users.
        await alert.GetByRole(AriaRole.Textbox, new() { Name = "Reason for alert 1" }).FillAsync("same face and build as the custody photo");
        await alert.GetByRole(AriaRole.Button, new() { Name = "Confirm alert 1" }).ClickAsync();
        await Assertions.Expect(alert).ToContainTextAsync("a second, different user must confirm");
        await Assertions.Expect(alert.GetByRole(AriaRole.Button, new() { Name = "Confirm alert 1" })).ToBeDisabledAsync();
        await Shot(op, "first-confirmation");
        await appr.GetByRole(AriaRole.Link, new() { Name = "Alerts" }).ClickAsync();
        var second = appr.GetByRole(AriaRole.Article, new() { Name = "Alert 1: Sheldon Example" });
        await second.GetByRole(AriaRole.Textbox, new() { Name = "Reason for alert 1" }).FillAsync("agree: same person, checked the scar");
        await second.GetByRole(AriaRole.Button, new() { Name = "Confirm alert 1" }).ClickAsync();
        await Assertions.Expect(second).ToContainTextAsync("Confirmed: action allowed");
        await Shot(appr, "second-confirmation");

        // 8. The auditor finds both decisions and an intact chain.
        var aud = await LogInAsync("aud");
        await aud.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await Assertions.Expect(aud.Locator("#chain-result")).ToContainTextAsync("Intact");
        await aud.GetByLabel("Action").FillAsync("alert.confirmed");
        await aud.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var log = aud.GetByRole(AriaRole.Table, new() { NameRegex = new Regex("^Audit records \\(2, newest first") });
        await Assertions.Expect(log).ToBeVisibleAsync();
        await Assertions.Expect(log.GetByRole(AriaRole.Cell, new() { Name = "op", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(log.GetByRole(AriaRole.Cell, new() { Name = "appr", Exact = true })).ToBeVisibleAsync();
        await aud.GetByRole(AriaRole.Button, new() { Name = "Show report" }).ClickAsync();
        // The looping camera keeps showing the person: once the first alert is confirmed, the next sighting is a new alert
        // (a decided alert is never updated), so at least one was raised and exactly one confirmed.
        await Assertions.Expect(aud.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Alerts: raised [1-9][0-9]*, confirmed 1,") })).ToBeVisibleAsync();
        await Shot(aud, "audit-and-report");

        // 9. A purpose-bound search finds the entry.
        await inv.GetByRole(AriaRole.Link, new() { Name = "Search" }).ClickAsync();
        await inv.GetByLabel("Purpose").SelectOptionAsync("investigation");
        await inv.GetByLabel("Case reference").FillAsync("CASE-2026-17");
        await inv.GetByLabel("Justification").FillAsync("witness saw the suspect at the station on Monday");
        await inv.GetByLabel("Authorisation number").FillAsync("2");
        await inv.GetByLabel("Photo to search", new() { Exact = true }).SetInputFilesAsync(TestPaths.FacesDevFile(Probe));
        await inv.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        var results = inv.Locator("#search-results");
        await Assertions.Expect(results.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex("^1\\. Sheldon Example · score 0\\.") })).ToBeVisibleAsync(Live);
        await Shot(inv, "search-candidates");

        // The decisions are in the store's audit too, with their reasons.
        var audit = await server.AuditAsync();
        Assert.Contains(audit, r => r.Action == "alert.confirmed" && r.Actor == "op" && r.Details.Contains("custody photo", StringComparison.Ordinal));
        Assert.Contains(audit, r => r.Action == "alert.confirmed" && r.Actor == "appr");
        Assert.True(Directory.GetFiles(Artefacts, "*.png").Length >= step);
    }
}
