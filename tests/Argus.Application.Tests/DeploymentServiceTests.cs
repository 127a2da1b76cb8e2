using Argus.Application.Deployments;
using Argus.Core;
using Argus.Core.Access;
using Argus.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Application.Tests;

/// <summary>Who may create and end deployments, what they may name, and the audit of each step.</summary>
[Trait("Category", "Integration")]
public sealed class DeploymentServiceTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));

    [SkippableFact]
    public async Task An_approver_creates_and_ends_a_deployment_and_both_are_audited()
    {
        await using var world = await World.CreateAsync(_time);
        await world.WatchlistAsync(fixture.Engine, "wanted");
        await world.Store.AddCameraAsync(new CameraRecord("gate-1", "Gate 1", "stadium", "/dev/null.mp4", 5, false, [], "admin", default));
        var service = new DeploymentService(world.Store, world.Chain, _time);
        var now = _time.GetUtcNow();
        var order = await world.AuthorisationAsync(now, "ada", "wanted");
        var created = await service.CreateAsync(World.Sam, new DeploymentRequest("match day", ["gate-1"], null, ["wanted"], order, now, now.AddHours(4)));
        Assert.True(created.IsActiveAt(now));
        Assert.Single(await service.ListAsync(World.Olly, activeOnly: true));

        long? notified = null;
        service.Ended += id => notified = id;
        var ended = await service.EndAsync(World.Admin, created.Id, "match abandoned");
        Assert.Equal(created.Id, notified);
        Assert.Equal("admin", ended.EndedBy);
        Assert.Empty(await service.ListAsync(World.Olly, activeOnly: true));
        Assert.Equal("deployment.already_ended", (await Assert.ThrowsAsync<ArgusException>(() => service.EndAsync(World.Sam, created.Id, "again"))).Code);

        var audit = await world.AuditAsync();
        Assert.Contains(audit, r => r.Action == "deployment.created" && r.Actor == "sam" && r.Target == $"deployment:{created.Id}");
        Assert.Contains(audit, r => r.Action == "deployment.ended" && r.Actor == "admin" && r.Details.Contains("match abandoned", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Bad_deployments_are_refused_with_their_code_and_audited()
    {
        await using var world = await World.CreateAsync(_time);
        await world.WatchlistAsync(fixture.Engine, "wanted");
        await world.WatchlistAsync(fixture.Engine, "missing", Core.Watchlists.WatchlistCategory.MissingPerson);
        var service = new DeploymentService(world.Store, world.Chain, _time);
        var now = _time.GetUtcNow();
        var order = await world.AuthorisationAsync(now, "ada", "wanted");
        DeploymentRequest Request(string[]? watchlists = null, string[]? cameras = null, DateTimeOffset? end = null, string site = "stadium") =>
            new("d", cameras ?? [], site, watchlists ?? ["wanted"], order, now, end ?? now.AddHours(2));
        async Task<string> Refused(Principal actor, DeploymentRequest request) => (await Assert.ThrowsAsync<ArgusException>(() => service.CreateAsync(actor, request))).Code;

        Assert.Equal("access.denied", await Refused(World.Olly, Request()));
        Assert.Equal("access.denied", await Refused(World.User("sid", Core.Access.Role.Approver, watchlists: "missing"), Request()));
        Assert.Equal("watchlist.not_found", await Refused(World.Sam, Request(watchlists: ["nope"])));
        Assert.Equal("camera.not_found", await Refused(World.Sam, Request(cameras: ["gate-9"])));
        Assert.Equal("deployment.invalid", await Refused(World.Sam, Request(end: now.AddHours(-1))));
        Assert.Equal("deployment.invalid", await Refused(World.Sam, Request(end: now.AddDays(40))));
        Assert.Equal("deployment.invalid", await Refused(World.Sam, Request(watchlists: [], site: "")));
        Assert.Equal("access.denied", await Refused(World.User("sid", Core.Access.Role.Approver, sites: "north"), Request()));
        Assert.Equal("deployment.not_found", (await Assert.ThrowsAsync<ArgusException>(() => service.EndAsync(World.Sam, 4242, "why"))).Code);

        // The authorisation: a recorded one, by someone else, covering every list for the whole period.
        Assert.Equal("authorisation.not_found", await Refused(World.Sam, Request() with { AuthorisationReference = "Order 55" }));
        Assert.Equal("authorisation.self_recorded", await Refused(World.Sam, Request() with { AuthorisationReference = await world.AuthorisationAsync(now, "sam", "wanted") }));
        Assert.Equal("authorisation.scope_mismatch", await Refused(World.Sam, Request(watchlists: ["wanted", "missing"])));
        Assert.Equal("authorisation.not_valid", await Refused(World.Sam, Request(end: now.AddDays(3))));
        Assert.Empty(await world.Store.ListDeploymentsAsync());
        var created = await service.CreateAsync(World.Sam, Request());
        Assert.Equal("deployment.reason_required", (await Assert.ThrowsAsync<ArgusException>(() => service.EndAsync(World.Sam, created.Id, " "))).Code);
        Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => service.EndAsync(World.Olly, created.Id, "stop"))).Code);

        var refusals = (await world.AuditAsync()).Where(r => r.Outcome == "refused").ToList();
        Assert.Contains(refusals, r => r.Action == "deployment.create" && r.Actor == "sid" && r.Details.Contains("\"reason\":\"scope\"", StringComparison.Ordinal));
        Assert.Contains(refusals, r => r.Action == "deployment.end" && r.Details.Contains("deployment.not_found", StringComparison.Ordinal));
        Assert.Equal(15, refusals.Count);
    }
}
