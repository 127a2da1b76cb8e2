using Argus.Application.Alerts;
using Argus.Core;
using Argus.Tests;
using Argus.Video.Delivery;

namespace Argus.Application.Tests;

/// <summary>Webhooks configured in storage: administrators only, secrets from the environment, deliveries signed, failures dead-lettered and audited.</summary>
[Trait("Category", "Integration")]
public sealed class WebhookTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    [SkippableFact]
    public async Task Stored_webhooks_receive_signed_alerts_and_a_failing_one_is_dead_lettered()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync();
        var entry = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", "images/faceapi_sheldon/sheldon1.png");
        var template = await world.TemplateOfAsync(entry);
        await using var good = new WebhookReceiver(200);
        await using var failing = new WebhookReceiver(500);
        await using var otherSite = new WebhookReceiver(200);
        var service = new WebhookService(world.Store, world.Chain);
        await service.AddAsync(World.Admin, good.Url.ToString(), "GOOD_SECRET", [], []);
        var bad = await service.AddAsync(World.Admin, failing.Url.ToString(), "BAD_SECRET", ["alert.raised"], ["north"]);
        await service.AddAsync(World.Admin, otherSite.Url.ToString(), "GOOD_SECRET", [], ["south"]);
        await service.AddAsync(World.Admin, "https://example.test/hook", "UNSET_SECRET", [], []);

        var secrets = new Dictionary<string, string> { ["GOOD_SECRET"] = "s3cret", ["BAD_SECRET"] = "other" };
        var options = new AlertDeskOptions
        {
            Environment = name => secrets.GetValueOrDefault(name),
            Webhooks = new WebhookOptions { MaxAttempts = 3, FirstRetry = TimeSpan.FromMilliseconds(20) },
        };
        await using (var desk = world.Feed(options))
        {
            await desk.LoadWebhooksAsync();
            Assert.Contains("UNSET_SECRET", Assert.Single(desk.WebhookProblems), StringComparison.Ordinal);
            await desk.RaiseAsync(AlertDeskTests.Event(entry, template, "gate-1", "north"), "1", entry);
        }

        var request = Assert.Single(good.Requests);
        Assert.Equal(WebhookDispatcher.Sign("s3cret", request.Timestamp, request.Body), request.Signature);
        Assert.Contains("\"event\":\"alert.raised\"", request.Body, StringComparison.Ordinal);
        Assert.Empty(otherSite.Requests);
        Assert.Equal(3, failing.Requests.Count);
        var letter = Assert.Single(await world.Store.ListDeadLettersAsync());
        Assert.Equal((bad.Id, 3), (letter.WebhookId, letter.Attempts));
        Assert.Contains("500", letter.LastError, StringComparison.Ordinal);
        Assert.Contains(await world.AuditAsync(), r => r.Action == "webhook.dead_lettered" && r.Target == $"webhook:{bad.Id}");
    }

    [SkippableFact]
    public async Task Only_administrators_configure_webhooks_and_bad_input_is_refused()
    {
        await using var world = await World.CreateAsync();
        var service = new WebhookService(world.Store, world.Chain);
        async Task<string> Refused(Func<Task> call) => (await Assert.ThrowsAsync<ArgusException>(call)).Code;
        Assert.Equal("access.denied", await Refused(() => service.AddAsync(World.Olly, "https://x.test/h", "HOOK_SECRET", [], [])));
        Assert.Equal("webhook.invalid_url", await Refused(() => service.AddAsync(World.Admin, "ftp://x.test/h", "HOOK_SECRET", [], [])));
        Assert.Equal("webhook.invalid_url", await Refused(() => service.AddAsync(World.Admin, "https://user:pw@x.test/h", "HOOK_SECRET", [], [])));
        Assert.Equal("webhook.invalid_secret_variable", await Refused(() => service.AddAsync(World.Admin, "https://x.test/h", "hunter2-the-secret", [], [])));
        Assert.Equal("webhook.invalid_event", await Refused(() => service.AddAsync(World.Admin, "https://x.test/h", "HOOK_SECRET", ["alert.deleted"], [])));
        Assert.Equal("webhook.not_found", await Refused(() => service.RemoveAsync(World.Admin, 77)));
        var added = await service.AddAsync(World.Admin, "https://x.test/h", "HOOK_SECRET", [], []);
        Assert.Equal(["alert.raised", "alert.updated"], added.Events);
        await service.RemoveAsync(World.Admin, added.Id);
        Assert.Empty(await service.ListAsync(World.Admin));
        var audit = await world.AuditAsync();
        Assert.Equal(6, audit.Count(r => r.Outcome == "refused"));
        Assert.DoesNotContain(audit, r => r.Details.Contains("hunter2", StringComparison.Ordinal) && r.Outcome == "ok");
    }

}
