using System.Text.RegularExpressions;
using Argus.Core.Access;
using Argus.Server.Tests;
using Microsoft.Playwright;

namespace Argus.Console.Tests;

/// <summary>
/// The administrator's user management in headless Chromium against the real server: an administrator creates an
/// operator, whose role waits for a second administrator (the requester cannot approve it; the second administrator
/// approves it with a reason, and the new operator then opens the wall); an administrator disables an operator whose
/// wall is open, and that wall ends at once and asks to log in. Screenshots go to artifacts/console-users/.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UsersConsoleTests
{
    private const string NewPassword = "a long enough first password";

    private static readonly string Artefacts = ConsoleBrowser.Artefacts("console-users");

    [SkippableFact]
    public async Task Create_a_user_a_second_administrator_approves_the_role_and_disabling_ends_an_open_wall()
    {
        ConsoleBrowser.Require();
        Directory.CreateDirectory(Artefacts);
        Assertions.SetDefaultExpectTimeout(30_000);
        await using var server = await ArgusTestServer.StartAsync(false);
        await server.AddUserAsync("ada", [Role.Administrator], Scope.Everything);
        await server.AddUserAsync("olga", [Role.Operator], ArgusTestServer.Sites("north"));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ConsoleBrowser.LaunchAsync(playwright);

        var step = 0;
        async Task Shot(IPage page, string name) =>
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, $"{++step:00}-{name}.png"), FullPage = true });

        async Task<IPage> AsAsync(string user, string password = ArgusTestServer.Password)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 1366, Height = 768 },
                BaseURL = server.Address.ToString(),
            });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            await page.GetByLabel("Username").FillAsync(user);
            await page.GetByLabel("Password").FillAsync(password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();
            return page;
        }

        // 1. olga's wall is open (it will be ended by step 4).
        var olga = await AsAsync("olga");
        await Assertions.Expect(olga.GetByText("No alerts to review.")).ToBeVisibleAsync();

        // 2. The administrator creates an operator: the account exists at once, the role waits for a second administrator.
        var admin = await AsAsync("admin");
        await admin.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        var create = admin.GetByRole(AriaRole.Form, new() { Name = "Create an account" });
        await create.GetByLabel("Username").FillAsync("nico");
        await create.GetByLabel("Display name").FillAsync("Nico (night shift)");
        await create.GetByLabel("Role").SelectOptionAsync("operator");
        await create.GetByLabel("Sites").FillAsync("north");
        await create.GetByLabel("Initial password").FillAsync(NewPassword);
        await create.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync(new Regex("User nico created; the role operator awaits a second administrator \\(role grant \\d+\\)"));
        var accounts = admin.GetByRole(AriaRole.Table, new() { Name = "Accounts" });
        var nico = accounts.GetByRole(AriaRole.Row).Filter(new() { HasText = "nico" });
        await Assertions.Expect(nico).ToBeVisibleAsync();
        await Assertions.Expect(nico).Not.ToContainTextAsync("operator");
        var queue = admin.GetByRole(AriaRole.Region, new() { Name = "Role grants awaiting a second administrator (1)" });
        var grant = queue.GetByRole(AriaRole.Article, new() { NameRegex = new Regex("^Role grant \\d+: operator for nico$") });
        await Assertions.Expect(grant).ToContainTextAsync("You asked for it: another administrator must decide.");
        await Assertions.Expect(grant.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Approve") })).ToHaveCountAsync(0);
        await Shot(admin, "user-created-role-pending");

        // Until the grant is approved the new account holds no role: nothing to open.
        var early = await AsAsync("nico", NewPassword);
        await Assertions.Expect(early.GetByText("Nothing here for your role.")).ToBeVisibleAsync();

        // 3. The second administrator approves, seeing whom, which role and who asked.
        var ada = await AsAsync("ada");
        await ada.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        var adaGrant = ada.GetByRole(AriaRole.Region, new() { Name = "Role grants awaiting a second administrator (1)" })
            .GetByRole(AriaRole.Article, new() { NameRegex = new Regex("^Role grant \\d+: operator for nico$") });
        await Assertions.Expect(adaGrant).ToContainTextAsync("Requested by admin");
        await adaGrant.GetByRole(AriaRole.Textbox).FillAsync("night shift rota signed by the site manager");
        await Shot(ada, "second-administrator-sees-the-grant");
        await adaGrant.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Approve role grant") }).ClickAsync();
        await Assertions.Expect(ada.GetByRole(AriaRole.Status)).ToContainTextAsync("nico now holds operator");
        await Assertions.Expect(ada.GetByRole(AriaRole.Region, new() { Name = "Role grants awaiting a second administrator (0)" })).ToBeVisibleAsync();
        await Assertions.Expect(ada.GetByRole(AriaRole.Table, new() { Name = "Accounts" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "nico" })).ToContainTextAsync("operator");
        await Shot(ada, "role-approved");
        var nicoWall = await AsAsync("nico", NewPassword);
        await Assertions.Expect(nicoWall.GetByText("No alerts to review.")).ToBeVisibleAsync();

        // 4. The administrator disables olga: her open wall ends at once and asks to log in; she cannot log in again.
        await admin.ReloadAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Disable olga" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("User olga disabled");
        await Assertions.Expect(admin.GetByRole(AriaRole.Table, new() { Name = "Accounts" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "olga" })).ToContainTextAsync("disabled");
        await Shot(admin, "user-disabled");
        await Assertions.Expect(olga.GetByLabel("Username")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(olga.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeHiddenAsync();
        await Shot(olga, "disabled-users-wall-ended");
        await olga.GetByLabel("Username").FillAsync("olga");
        await olga.GetByLabel("Password").FillAsync(ArgusTestServer.Password);
        await olga.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(olga.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeHiddenAsync();

        var audit = await server.AuditAsync();
        Assert.Contains(audit, r => r.Action == "grant.approved" && r.Actor == "ada");
        Assert.Contains(audit, r => r.Action == "user.disabled" && r.Actor == "admin" && r.Target == "user:olga");
    }
}
