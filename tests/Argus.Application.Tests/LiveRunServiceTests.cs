using Argus.Application.Deployments;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Application.Tests;

/// <summary>Who may run cameras from a front end, and the audit of each start, refusal and end (the CLI only prints).</summary>
public sealed class LiveRunServiceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_watch_outside_the_scope_or_without_a_recorded_authorisation_is_refused_and_audited_with_its_reason()
    {
        await using var world = await World.CreateAsync(_time);
        var runs = new LiveRunService(world.Store, world.Chain, world.Directory.Path, _time);
        var harbourOperator = World.User("olly", Role.Operator, sites: "harbour");

        var scope = await Assert.ThrowsAsync<ArgusException>(() => runs.StartWatchAsync(harbourOperator, new WatchRequest("gate-1", "stadium", ["wanted"], "#1", TimeSpan.FromHours(1))));
        Assert.Equal(RefusalReason.Scope, scope.Reason);
        var role = await Assert.ThrowsAsync<ArgusException>(() => runs.StartWatchAsync(World.Auditor, new WatchRequest("gate-1", null, ["wanted"], "#1", TimeSpan.FromHours(1))));
        Assert.Equal(RefusalReason.Role, role.Reason);
        var text = await Assert.ThrowsAsync<ArgusException>(() => runs.StartWatchAsync(World.Olly, new WatchRequest("gate-1", null, ["wanted"], "warrant 17", TimeSpan.FromHours(1))));
        Assert.Equal("authorisation.not_found", text.Code);

        var audit = await world.AuditAsync();
        Assert.Equal(["scope", "access.denied", "authorisation.not_found"], audit.Select(r => Reason(r)));
        Assert.All(audit, r => Assert.Equal(("deployment.start", "refused", "camera:gate-1"), (r.Action, r.Outcome, r.Target)));
    }

    [Fact]
    public async Task Running_the_cameras_needs_an_administrator_or_a_reviewer_and_start_and_stop_are_audited()
    {
        await using var world = await World.CreateAsync(_time);
        var runs = new LiveRunService(world.Store, world.Chain, world.Directory.Path, _time);

        Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => runs.StartCamerasAsync(World.Auditor, null))).Code);
        Assert.False(await runs.StartCamerasAsync(World.Admin, ["gate-2", "gate-1"]));
        Assert.True(await runs.StartCamerasAsync(World.Olly, null));
        await runs.StopCamerasAsync(World.Olly, new CamerasRunSummary(2, 40, 7, 0, 1));

        var audit = await world.AuditAsync();
        Assert.Equal(
            [("aud", "cameras.run", "refused"), ("admin", "cameras.started", "ok"), ("olly", "cameras.started", "ok"), ("olly", "cameras.stopped", "ok")],
            audit.Select(r => (r.Actor, r.Action, r.Outcome)));
        Assert.Contains("\"cameras\":[\"gate-1\",\"gate-2\"]", audit[1].Details, StringComparison.Ordinal);
        Assert.Contains("\"alerts_failed\":1", audit[3].Details, StringComparison.Ordinal);
    }

    private static string? Reason(AuditRecord r) => System.Text.Json.JsonDocument.Parse(r.Details).RootElement.GetProperty("reason").GetString();
}
