using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Argus.Cli;
using Argus.Server;
using Argus.Server.Tests;
using Argus.Tests;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Argus.Console.Tests;

/// <summary>
/// <c>./run.sh --demo</c> as a new user meets it: <c>argus demo --load</c> into an empty data directory, then the
/// server on that directory with the clip looping and the service key the demonstration generated. Both wanted people
/// alert, the grey list's entry exists and alerts, a person whose alert was decided is not raised again by the next
/// pass of the clip, and the clerk's service console shows the galleries and the customer (screenshots in
/// artifacts/demo/).
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class DemoTests
{
    private static readonly string Artefacts = ConsoleBrowser.Artefacts("demo");

    [SkippableFact]
    public async Task The_demo_shows_both_people_a_grey_list_and_the_service_pages()
    {
        TestPaths.RequireFacesDev();
        using var home = TestPaths.TempDirectory();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ArgusCli.RunAsync(
            ["demo", "--load", "--data", home.Path, "--models", TestPaths.Models], stdout, stderr,
            new Dictionary<string, string?> { ["ARGUS_FACES_DEV"] = TestPaths.FacesDev, ["ARGUS_SERVICE_KEY"] = null, ["ARGUS_AUDIT_KEY"] = null }, null);
        Assert.True(code == 0, stderr.ToString());
        var printed = stdout.ToString();
        Assert.DoesNotContain("WILL NOT ALERT", printed, StringComparison.Ordinal);
        var passwords = Password().Matches(printed).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Contains("clara", passwords.Keys);

        var serviceKey = (await File.ReadAllTextAsync(Path.Combine(home.Path, "secrets", "service.key"))).Trim();
        await using var app = ArgusServer.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["ARGUS_HOME"] = home.Path,
            ["ARGUS_MODELS"] = TestPaths.Models,
            ["ARGUS_AUDIT_CHECKPOINT_FILE"] = home.Path + ".checkpoint/head.json",
            ["ARGUS_SERVICE_KEY"] = serviceKey,
            ["ARGUS_DB"] = "sqlite",
            ["Argus:LoopFiles"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

        // Both wanted people and the grey entry alert on the looping clip.
        var alex = await LoginAsync(address, "alex", passwords["alex"]);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(120);
        List<JsonElement> alerts;
        while (true)
        {
            alerts = await alex.GetFromJsonAsync<List<JsonElement>>("/api/v1/alerts", ArgusTestServer.Json) ?? [];
            var wanted = alerts.Where(a => a.GetProperty("watchlist").GetString() == "demo-wanted").Select(a => a.GetProperty("entry_id").GetInt64()).Distinct().Count();
            var grey = alerts.Count(a => a.GetProperty("watchlist").GetString() == "demo-admin" && a.GetProperty("colour").GetString() == "grey");
            if (wanted == 2 && grey >= 1)
            {
                break;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"within 120 s of the server starting, {wanted} of 2 wanted people and {grey} grey alerts: {alerts.Count} alerts");
            await Task.Delay(500);
        }

        var greyEntries = await alex.GetFromJsonAsync<JsonElement>("/api/v1/watchlists/demo-admin/entries", ArgusTestServer.Json);
        Assert.Contains(greyEntries.EnumerateArray(), e => e.GetProperty("state").GetString() == "active");

        // A decided alert is not raised again by the clip's next passes (the clip lasts 14 s at 10 fps). Decided once
        // the first pass is over: a person still in view when a reviewer decides is a new sighting, rightly a new alert.
        deadline = DateTimeOffset.UtcNow.AddSeconds(120);
        while (await FramesInAsync(alex) < 150)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the demo camera did not finish the clip's first pass within 120 s");
            await Task.Delay(500);
        }

        alerts = (await alex.GetFromJsonAsync<List<JsonElement>>("/api/v1/alerts", ArgusTestServer.Json))!;
        var first = alerts.First(a => a.GetProperty("watchlist").GetString() == "demo-wanted");
        using (var dismissed = await alex.PostAsJsonAsync($"/api/v1/alerts/{first.GetProperty("id").GetInt64()}/dismiss", new { reason = "demo test: not this person" }))
        {
            await Problems.ExpectAsync(dismissed, HttpStatusCode.OK);
        }

        var count = alerts.Count;
        var framesBefore = await FramesInAsync(alex);
        deadline = DateTimeOffset.UtcNow.AddSeconds(120);
        while (await FramesInAsync(alex) < framesBefore + 200)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the demo camera did not read another 20 s of the clip within 120 s");
            await Task.Delay(500);
        }

        Assert.Equal(count, (await alex.GetFromJsonAsync<List<JsonElement>>("/api/v1/alerts", ArgusTestServer.Json))!.Count);

        // The service pages answer with data: the clerk's galleries, the customer, the ledger of the face-pay passage.
        var clara = await LoginAsync(address, "clara", passwords["clara"]);
        var galleries = await clara.GetFromJsonAsync<List<JsonElement>>("/api/v1/service/galleries", ArgusTestServer.Json);
        Assert.Equal(1, galleries!.Single(g => g.GetProperty("name").GetString() == "demo-bank").GetProperty("people").GetInt32());
        var ledger = await clara.GetFromJsonAsync<List<JsonElement>>("/api/v1/service/galleries/demo-metro/ledger", ArgusTestServer.Json);
        Assert.Contains(ledger!, l => l.GetProperty("kind").GetString() == "charge");

        ConsoleBrowser.Require("the console half (the API checks passed)");
        Directory.CreateDirectory(Artefacts);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ConsoleBrowser.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 }, BaseURL = address.ToString() });
        var page = await context.NewPageAsync();
        Assertions.SetDefaultExpectTimeout(30_000);

        // The main console sends the clerk to the service console instead of "Nothing here for your role".
        await page.GotoAsync("/");
        await page.GetByLabel("Username").FillAsync("clara");
        await page.GetByLabel("Password").FillAsync(passwords["clara"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        var link = page.GetByRole(AriaRole.Link, new() { Name = "open the service console" });
        await Assertions.Expect(link).ToBeVisibleAsync();
        await link.ClickAsync();
        await page.WaitForURLAsync(new Regex("/service/"));
        if (await page.Locator("#login-user").IsVisibleAsync())
        {
            await page.Locator("#login-user").FillAsync("clara");
            await page.Locator("#login-password").FillAsync(passwords["clara"]);
            await page.Locator("#login-form button[type=submit]").ClickAsync();
        }

        var row = page.Locator("#galleries-body tr").Filter(new() { HasText = "demo-bank" });
        await Assertions.Expect(row).ToContainTextAsync("bank");
        await Assertions.Expect(page.Locator("#galleries-body tr").Filter(new() { HasText = "demo-metro" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, "service-galleries.png"), FullPage = true });
        await app.StopAsync();
    }

    private static async Task<long> FramesInAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/cameras/health", ArgusTestServer.Json)).GetProperty("cameras").EnumerateArray()
            .Single(c => c.GetProperty("camera_id").GetString() == "demo-gate").GetProperty("frames_in").GetInt64();

    private static async Task<HttpClient> LoginAsync(Uri address, string user, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = address };
        var response = await client.PostAsJsonAsync("/api/v1/session", new { username = user, password });
        await Problems.ExpectAsync(response, HttpStatusCode.OK);
        var session = await response.Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Add("X-Argus-CSRF", session.GetProperty("csrf_token").GetString());
        return client;
    }

    [GeneratedRegex(@"^  ([a-z]+)\s+(\S{20,})\s{3}", RegexOptions.Multiline)]
    private static partial Regex Password();
}
