using System.Text.Json;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Application.Tests;

/// <summary>
/// The one audited-operation helper: a refusal is recorded with code, reason and message, and a scope refusal is
/// counted as scope by the abuse detector because of its type, whatever its message says.
/// </summary>
public sealed class AuditedOperationTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_scope_refusal_with_a_reworded_message_is_still_counted_as_scope()
    {
        await using var world = await World.CreateAsync(_time);
        var context = Context(world);

        // Nothing in these messages says "outside the scope": only the exception's typed reason does.
        string[] messages = ["Camera gate-9 is not among the cameras assigned to olly.", "Site harbour: no assignment.", "Watchlist wanted: not yours."];
        foreach (var message in messages)
        {
            var e = await Assert.ThrowsAsync<ArgusException>(() => context.AuditedAsync<int>("olly", "alert.viewed", "alert:1", () => throw ArgusException.OutOfScope(message)));
            Assert.Equal(RefusalReason.Scope, e.Reason);
        }

        var audit = await world.AuditAsync();
        Assert.Equal(3, audit.Count(r => r.Outcome == "refused"));
        foreach (var (record, message) in audit.Zip(messages))
        {
            using var details = JsonDocument.Parse(record.Details);
            Assert.Equal("access.denied", details.RootElement.GetProperty("code").GetString());
            Assert.Equal(AbuseDetector.ScopeReason, details.RootElement.GetProperty("reason").GetString());
            Assert.Equal(message, details.RootElement.GetProperty("message").GetString());
        }

        var flag = Assert.Single(AbuseDetector.Detect(audit, DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime)));
        Assert.Equal(AbuseKind.OutOfScope, flag.Kind);
        Assert.Equal("olly", flag.Actor);
    }

    [Fact]
    public async Task A_role_refusal_that_mentions_the_scope_is_not_counted_as_scope()
    {
        await using var world = await World.CreateAsync(_time);
        var context = Context(world);
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<ArgusException>(() => context.AuditedAsync<int>(
                "olly", "user.update", "user:ann", () => throw ArgusException.RoleDenied("Changing a user's scope: outside the scope of an operator.")));
        }

        var audit = await world.AuditAsync();
        Assert.All(audit, r => Assert.Contains("\"reason\":\"access.denied\"", r.Details, StringComparison.Ordinal));
        Assert.Empty(AbuseDetector.Detect(audit, DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime)));
    }

    [Fact]
    public void The_access_policy_types_its_refusals()
    {
        var operatorOfHarbour = World.User("olly", Role.Operator, sites: "harbour", watchlists: "missing");
        Assert.Equal(RefusalReason.Role, Assert.Throws<ArgusException>(() => AccessPolicy.Demand(operatorOfHarbour, Capability.ManageUsers)).Reason);
        Assert.Equal(RefusalReason.Scope, Assert.Throws<ArgusException>(() => AccessPolicy.DemandSite(operatorOfHarbour, Capability.ReviewAlerts, "stadium")).Reason);
        Assert.Equal(RefusalReason.Scope, Assert.Throws<ArgusException>(() => AccessPolicy.DemandWatchlist(operatorOfHarbour, Capability.ReviewAlerts, "wanted")).Reason);
        Assert.Equal(RefusalReason.Unspecified, new ArgusException("watchlist.not_found", "No watchlist 'x'.").Reason);
    }

    private OperationContext Context(World world) =>
        new(world.Store, world.Chain, () => throw new InvalidOperationException("no engine in these tests"), world.Directory.Path, _time, _ => null);
}
