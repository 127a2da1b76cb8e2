using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Argus.Core.Access;
using Argus.Server.Tests;
using Argus.Tests;
using Microsoft.Playwright;

namespace Argus.Console.Tests;

/// <summary>
/// The officer's heads-up client (issue 16) in headless Chromium against the real server: an alert of site north
/// reaches both north officers and never the south officer; one north officer loses the connection, an alert raised
/// meanwhile appears once when it returns; the first officer confirms with one tap, the second sees it live and gives
/// the second confirmation; the first cannot confirm twice; someone without the alert role is turned away.
/// Screenshots go to artifacts/officer/.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OfficerClientTests
{
    private static readonly string Artefacts = ConsoleBrowser.Artefacts("officer");

    [SkippableFact]
    public async Task Alerts_reach_the_officers_of_their_site_survive_a_lost_connection_and_need_two_officers()
    {
        ConsoleBrowser.Require();
        TestPaths.RequireFacesDev();
        Directory.CreateDirectory(Artefacts);
        Assertions.SetDefaultExpectTimeout(30_000);
        await using var server = await ArgusTestServer.StartAsync(false);
        await server.AddUserAsync("inv", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("appr", [Role.Approver], Scope.Everything);
        await server.AddUserAsync("north1", [Role.Operator], ArgusTestServer.Sites("north"));
        await server.AddUserAsync("north2", [Role.Operator], ArgusTestServer.Sites("north"));
        await server.AddUserAsync("south1", [Role.Operator], ArgusTestServer.Sites("south"));
        await Problems.ExpectAsync(await server.As("admin").PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted", max_days = 90 }), HttpStatusCode.Created);
        var entry = await ActiveEntryAsync(server, "images/faceapi_sheldon/sheldon1.png");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ConsoleBrowser.LaunchAsync(playwright);

        var step = 0;
        async Task Shot(IPage page, string name) =>
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, $"{++step:00}-{name}.png"), FullPage = true });

        // A phone-sized screen, as the client is meant for.
        async Task<IPage> OfficerAsync(string user)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 412, Height = 915 }, BaseURL = server.Address.ToString() });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/officer/");
            await page.GetByLabel("Username").FillAsync(user);
            await page.GetByLabel("Password").FillAsync(ArgusTestServer.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            return page;
        }

        // Someone who does not handle alerts is turned away, with no stream opened.
        var investigator = await OfficerAsync("inv");
        await Assertions.Expect(investigator.GetByText("does not handle alerts")).ToBeVisibleAsync();

        var north1 = await OfficerAsync("north1");
        var north2 = await OfficerAsync("north2");
        var south1 = await OfficerAsync("south1");
        foreach (var page in new[] { north1, north2, south1 })
        {
            await Assertions.Expect(page.GetByText("Live", new() { Exact = true })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByText("No open alerts for your sites.")).ToBeVisibleAsync();
        }

        // 1. An alert at a north camera reaches both north officers, large, red, with the warning.
        var first = await RaiseAsync(server, entry, "gate-1", "north");
        foreach (var page in new[] { north1, north2 })
        {
            var card = Card(page, first);
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Name = $"Alert {first}: SHELDON" })).ToBeVisibleAsync();
            await Assertions.Expect(card.GetByText("Warning: wanted person.")).ToBeVisibleAsync();
            await Assertions.Expect(card.GetByRole(AriaRole.Img, new() { Name = $"Camera snapshot for alert {first}" })).ToBeVisibleAsync();
            await Assertions.Expect(card).ToHaveClassAsync(new Regex("colour-red"));
        }

        await Shot(north1, "alert");

        // 2. north2 loses the network; an alert raised meanwhile appears once when it returns.
        await north2.Context.SetOfflineAsync(true);
        await Assertions.Expect(north2.GetByText(new Regex("^Offline"))).ToBeVisibleAsync();
        var second = await RaiseAsync(server, entry, "gate-2", "north");
        await Assertions.Expect(Card(north1, second)).ToBeVisibleAsync();
        await Assertions.Expect(Card(north2, second)).ToHaveCountAsync(0);
        await Shot(north2, "offline");
        await north2.Context.SetOfflineAsync(false);
        await Assertions.Expect(north2.GetByText("Live", new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(Card(north2, second)).ToBeVisibleAsync();
        await Assertions.Expect(Card(north2, first)).ToHaveCountAsync(1);
        await Assertions.Expect(Card(north2, second)).ToHaveCountAsync(1);

        // 3. Two officers: north1 confirms with one tap; north2 sees it live and gives the second confirmation.
        await Card(north1, first).GetByRole(AriaRole.Button, new() { Name = $"Confirm alert {first}" }).ClickAsync();
        await Assertions.Expect(Card(north1, first).GetByText("Confirmed once: a second officer must confirm before any action")).ToBeVisibleAsync();
        await Assertions.Expect(Card(north1, first).GetByRole(AriaRole.Button, new() { Name = $"Confirm alert {first}" })).ToBeDisabledAsync();
        await Assertions.Expect(Card(north2, first).GetByText("north1 confirmed")).ToBeVisibleAsync();
        await Card(north2, first).GetByRole(AriaRole.Button, new() { Name = $"Confirm alert {first}" }).ClickAsync();
        foreach (var page in new[] { north1, north2 })
        {
            await Assertions.Expect(Card(page, first).GetByText("Confirmed by two officers: action allowed")).ToBeVisibleAsync();
            await Assertions.Expect(Card(page, first).GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        }

        await Shot(north2, "confirmed");
        var stored = await server.As("appr").GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{first}");
        Assert.Equal("confirmed", stored.GetProperty("alert").GetProperty("status").GetString());
        Assert.Equal(new[] { "north1", "north2" }, stored.GetProperty("alert").GetProperty("decisions").EnumerateArray().Select(d => d.GetProperty("by").GetString() ?? "").ToArray());

        // 4. The south officer never saw any of it.
        await Assertions.Expect(south1.Locator("article.alert")).ToHaveCountAsync(0);
        await Assertions.Expect(south1.GetByText("No open alerts for your sites.")).ToBeVisibleAsync();
        await Shot(south1, "south");
    }

    private static ILocator Card(IPage page, long alert) => page.Locator($"article.alert[data-alert='{alert}']");

    private static async Task<long> ActiveEntryAsync(ArgusTestServer server, string photo)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("sheldon"), "subject_reference" },
            { new StringContent("SHELDON"), "subject_name" },
            { new StringContent("CASE-2026-17"), "case" },
            { new StringContent("armed robbery"), "grounds" },
            { new StringContent("DI Jones"), "officer" },
            { new StringContent("Metropolitan Police"), "authority" },
            { new StringContent("Warrant 2026/17"), "instrument" },
            { new StringContent(DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), "expires" },
            { new StringContent("custody:CR-0001"), "image_source" },
            { new StringContent("suspect seen near the bank"), "reason" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(TestPaths.FacesDevFile(photo))), "photos", Path.GetFileName(photo) },
        };
        var response = await server.As("inv").PostAsync("/api/v1/watchlists/wanted/entries", form);
        await Problems.ExpectAsync(response, HttpStatusCode.Created);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await Problems.ExpectAsync(await server.As("appr").PostAsJsonAsync($"/api/v1/entries/{id}/approve", new { reason = "warrant checked" }), HttpStatusCode.OK);
        return id;
    }

    /// <summary>Raises a new alert for the entry at a camera of a site; returns its id.</summary>
    private static async Task<long> RaiseAsync(ArgusTestServer server, long entryId, string camera, string site)
    {
        var raised = await ConsoleAlerts.RaiseAsync(server, entryId, camera, site);
        Assert.False(raised.Updated);
        return raised.Alert.Id;
    }
}
