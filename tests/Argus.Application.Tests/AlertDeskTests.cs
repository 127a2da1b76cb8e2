using Argus.Core;
using Argus.Core.Alerts;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Tests;
using Argus.Video;

namespace Argus.Application.Tests;

/// <summary>The alert desk's review rules against a real store, once per provider: two-person confirmation, dismissal flags, scope, audit.</summary>
[Trait("Category", "Integration")]
public abstract class AlertDeskTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private const string Sheldon = "images/faceapi_sheldon/sheldon1.png";

    protected abstract bool Postgres { get; }

    [SkippableFact]
    public async Task A_wanted_person_alert_needs_two_different_reviewers_and_every_step_is_audited()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync(postgres: Postgres);
        var entry = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var template = await world.TemplateOfAsync(entry);
        await using var feed = world.Feed();
        var desk = world.Desk(feed);
        using var live = feed.Stream.Subscribe();
        var raised = await feed.RaiseAsync(Event(entry, template, "gate-1", "north"), "1", entry);
        Assert.False(raised.Updated);
        Assert.True(live.Reader.TryRead(out var published));
        Assert.Equal(raised.Alert.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), published.AlertId);
        var id = raised.Alert.Id;

        var first = await desk.ConfirmAsync(World.Olly, id, "matches the custody photo");
        Assert.Equal(AlertStatus.AwaitingSecondConfirmation, first.Alert.Status);
        Assert.False(first.ActionAllowed);
        Assert.Equal("alert.second_confirmation_required", (await Assert.ThrowsAsync<ArgusException>(() => desk.ConfirmAsync(World.Olly, id, "really"))).Code);
        var second = await desk.ConfirmAsync(World.Omar, id, "agree: scar on the left cheek");
        Assert.Equal(AlertStatus.Confirmed, second.Alert.Status);
        Assert.True(second.ActionAllowed);
        Assert.Equal(["olly", "omar"], second.Alert.Decisions.Select(d => d.By));
        Assert.Equal("alert.already_decided", (await Assert.ThrowsAsync<ArgusException>(() => desk.DismissAsync(World.Omar, id, "changed my mind"))).Code);

        var audit = await world.AuditAsync();
        Assert.Contains(audit, r => r.Action == "alert.raised" && r.Target == $"alert:{id}");
        Assert.Equal(2, audit.Count(r => r.Action == "alert.confirmed" && r.Target == $"alert:{id}" && r.Outcome == "ok"));
        Assert.Contains(audit, r => r.Action == "alert.confirm" && r.Outcome == "refused" && r.Actor == "olly" && r.Details.Contains("alert.second_confirmation_required", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_second_sighting_within_the_cool_down_updates_the_alert_and_is_audited_as_an_update()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync(postgres: Postgres);
        var entry = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var template = await world.TemplateOfAsync(entry);
        await using var feed = world.Feed();
        var desk = world.Desk(feed);
        var first = await feed.RaiseAsync(Event(entry, template, "gate-1", "north"), "1", entry);
        var again = await feed.RaiseAsync(Event(entry, template, "gate-1", "north", shots: 5, score: 0.7f), "1", entry);
        Assert.True(again.Updated);
        Assert.Equal(first.Alert.Id, again.Alert.Id);
        Assert.Equal(5, again.Alert.SupportingShots);
        Assert.Single(await desk.ListAsync(World.Olly, new AlertFilter()));
        Assert.Contains(await world.AuditAsync(), r => r.Action == "alert.updated" && r.Target == $"alert:{first.Alert.Id}");
    }

    [SkippableFact]
    public async Task Dismissals_are_counted_per_template_and_flag_it_for_reviewers_without_retraining()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync(postgres: Postgres);
        var entry = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var template = await world.TemplateOfAsync(entry);
        await using var feed = world.Feed();
        var desk = world.Desk(feed);
        var flags = new List<TemplateReviewFlag?>();
        foreach (var camera in new[] { "gate-1", "gate-2", "gate-3" })
        {
            var alert = await feed.RaiseAsync(Event(entry, template, camera, "north"), "1", entry);
            flags.Add((await desk.DismissAsync(World.Olly, alert.Alert.Id, "not this person: different build")).Flag);
        }

        Assert.Null(flags[0]);
        Assert.Null(flags[1]);
        var flag = Assert.IsType<TemplateReviewFlag>(flags[2]);
        Assert.Equal((3, 3), (flag.Dismissed, flag.Decided));
        var flagged = Assert.Single(await desk.ListFlaggedTemplatesAsync(World.Sam));
        Assert.Equal(flag.TemplateId, flagged.TemplateId);
        Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => desk.ListFlaggedTemplatesAsync(World.Olly))).Code);

        // Flagged, not retrained: the template and the entry are as they were.
        Assert.NotNull(await world.Store.GetTemplateAsync(flag.TemplateId));
        Assert.Equal(EntryState.Active, (await world.Store.GetEntryAsync(entry.Id))!.Entry.State);
        Assert.Contains(await world.AuditAsync(), r => r.Action == "template.flagged" && r.Target == $"template:{flag.TemplateId}");
    }

    [SkippableFact]
    public async Task Unknown_alerts_other_sites_and_missing_reasons_are_refused_and_audited()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync(postgres: Postgres);
        var entry = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var template = await world.TemplateOfAsync(entry);
        await using var feed = world.Feed();
        var desk = world.Desk(feed);
        var north = (await feed.RaiseAsync(Event(entry, template, "gate-1", "north"), "1", entry)).Alert.Id;
        var southOnly = World.User("sue", Core.Access.Role.Operator, sites: "south");

        Assert.Equal("alert.not_found", (await Assert.ThrowsAsync<ArgusException>(() => desk.ConfirmAsync(World.Olly, 999_999, "yes"))).Code);
        Assert.Equal("alert.not_found", (await Assert.ThrowsAsync<ArgusException>(() => desk.ShowAsync(World.Olly, 999_999))).Code);
        var outside = await Assert.ThrowsAsync<ArgusException>(() => desk.ConfirmAsync(southOnly, north, "it is him"));
        Assert.Equal("access.denied", outside.Code);
        Assert.Contains("outside the scope", outside.Message, StringComparison.Ordinal);
        Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => desk.ShowAsync(southOnly, north))).Code);
        Assert.Empty(await desk.ListAsync(southOnly, new AlertFilter()));
        Assert.Equal("alert.reason_required", (await Assert.ThrowsAsync<ArgusException>(() => desk.DismissAsync(World.Olly, north, "  "))).Code);
        Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => desk.ListAsync(World.Auditor, new AlertFilter()))).Code);
        Assert.Empty((await world.Store.GetAlertAsync(north))!.Decisions);

        var view = await desk.ShowAsync(World.Olly, north);
        Assert.Equal("Sheldon", view.SubjectName);
        Assert.Equal("CASE-1", view.Entry!.Entry.LegalBasis.CaseNumber);
        Assert.NotNull(view.EnrolledPng);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], view.SnapshotPng![..4]);

        var audit = await world.AuditAsync();
        Assert.Contains(audit, r => r.Action == "alert.confirm" && r.Outcome == "refused" && r.Actor == "sue" && r.Details.Contains("\"reason\":\"scope\"", StringComparison.Ordinal));
        Assert.Contains(audit, r => r.Action == "alert.view" && r.Outcome == "ok" && r.Actor == "olly");
    }

    [SkippableFact]
    public async Task A_live_view_shows_only_alerts_on_the_users_sites_and_watchlists()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync(postgres: Postgres);
        var entry = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var template = await world.TemplateOfAsync(entry);
        await using var feed = world.Feed();
        var desk = world.Desk(feed);
        using var north = await feed.SubscribeAsync(World.User("nora", Core.Access.Role.Operator, sites: "north"));
        using var south = await feed.SubscribeAsync(World.User("sue", Core.Access.Role.Operator, sites: "south"));
        using var otherList = await feed.SubscribeAsync(World.User("mo", Core.Access.Role.Operator, watchlists: "missing"));
        Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => feed.SubscribeAsync(World.Auditor))).Code);

        var raised = await feed.RaiseAsync(Event(entry, template, "gate-1", "north"), "1", entry);
        Assert.True(north.Reader.TryRead(out var seen));
        Assert.Equal((raised.Alert.Id, "Sheldon"), (seen.Alert.Id, seen.Label));
        Assert.False(south.Reader.TryRead(out _));
        Assert.False(otherList.Reader.TryRead(out _));
        Assert.Equal(3, (await world.AuditAsync()).Count(r => r.Action == "alert.subscribe" && r.Outcome == "ok"));
    }

    [SkippableFact]
    public async Task Each_deployment_owns_its_alerts_even_in_a_row_on_one_camera_within_the_cool_down()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync(postgres: Postgres);
        var entry = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var template = await world.TemplateOfAsync(entry);
        await using var feed = world.Feed();
        var first = await feed.RaiseAsync(Event(entry, template, "gate-1", "north"), "1", entry);
        var second = await feed.RaiseAsync(Event(entry, template, "gate-1", "north", shots: 5, score: 0.7f), "2", entry);
        Assert.False(second.Updated);
        Assert.NotEqual(first.Alert.Id, second.Alert.Id);
        Assert.Equal(("1", 2, 0.6f), (first.Alert.Deployment, (await world.Store.GetAlertAsync(first.Alert.Id))!.SupportingShots, (await world.Store.GetAlertAsync(first.Alert.Id))!.Score));
        Assert.Equal("2", second.Alert.Deployment);
        Assert.Single(await world.Store.ListAlertsAsync(new AlertFilter { Deployment = "1" }));
        Assert.Single(await world.Store.ListAlertsAsync(new AlertFilter { Deployment = "2" }));

        // The first deployment's sighting still updates its own alert, not the second's.
        var back = await feed.RaiseAsync(Event(entry, template, "gate-1", "north", shots: 8), "1", entry);
        Assert.Equal((first.Alert.Id, true), (back.Alert.Id, back.Updated));
        var audit = await world.AuditAsync();
        Assert.Equal(2, audit.Count(r => r.Action == "alert.raised"));
        Assert.Contains(audit, r => r.Action == "alert.raised" && r.Target == $"alert:{second.Alert.Id}" && r.Details.Contains("\"deployment\":\"2\"", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_person_dismissed_or_confirmed_and_seen_again_raises_a_new_alert_and_the_decided_one_is_left_as_decided()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync(postgres: Postgres);
        var entry = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var template = await world.TemplateOfAsync(entry);
        await using var feed = world.Feed();
        var desk = world.Desk(feed);

        var dismissed = await feed.RaiseAsync(Event(entry, template, "gate-1", "north"), "1", entry);
        await desk.DismissAsync(World.Olly, dismissed.Alert.Id, "not this person");
        var again = await feed.RaiseAsync(Event(entry, template, "gate-1", "north", shots: 3, score: 0.65f), "1", entry);
        Assert.False(again.Updated);
        Assert.NotEqual(dismissed.Alert.Id, again.Alert.Id);
        Assert.Equal(AlertStatus.Open, again.Alert.Status);
        Assert.Equal((AlertStatus.Dismissed, 2), ((await world.Store.GetAlertAsync(dismissed.Alert.Id))!.Status, (await world.Store.GetAlertAsync(dismissed.Alert.Id))!.SupportingShots));

        // Confirmed once (a wanted person needs a second reviewer): a new sighting must not change what the second
        // reviewer is asked to confirm; it raises a new alert instead.
        await desk.ConfirmAsync(World.Olly, again.Alert.Id, "it is him");
        var third = await feed.RaiseAsync(Event(entry, template, "gate-1", "north", shots: 9, score: 0.9f), "1", entry);
        Assert.False(third.Updated);
        var pending = (await world.Store.GetAlertAsync(again.Alert.Id))!;
        Assert.Equal((AlertStatus.AwaitingSecondConfirmation, 3, 0.65f), (pending.Status, pending.SupportingShots, pending.Score));
        Assert.Equal(3, (await desk.ListAsync(World.Olly, new AlertFilter())).Count);
        Assert.Single(await desk.ListAsync(World.Olly, new AlertFilter { Status = AlertStatus.Open }));
    }

    [SkippableFact]
    public async Task Decisions_reach_every_live_view_as_published_with_the_new_status()
    {
        TestPaths.RequireFacesDev();
        await using var world = await World.CreateAsync(postgres: Postgres);
        var entry = await world.EnrolAsync(fixture.Engine, await world.WatchlistAsync(fixture.Engine, "wanted"), "Sheldon", Sheldon);
        var template = await world.TemplateOfAsync(entry);
        await using var feed = world.Feed();
        var desk = world.Desk(feed);
        using var stream = feed.Stream.Subscribe();
        using var nora = await feed.SubscribeAsync(World.User("nora", Core.Access.Role.Operator, sites: "north"));
        using var mo = await feed.SubscribeAsync(World.User("mo", Core.Access.Role.Operator, watchlists: "missing"));

        var raised = await feed.RaiseAsync(Event(entry, template, "gate-1", "north"), "7", entry);
        Assert.True(stream.Reader.TryRead(out var published));
        Assert.Equal(("alert.raised", "wanted", "7", AlertStatus.Open), (published.Kind, published.Watchlist, published.Deployment, published.Status));
        Assert.True(nora.Reader.TryRead(out _));

        await desk.ConfirmAsync(World.Omar, raised.Alert.Id, "matches the custody photo");
        Assert.True(stream.Reader.TryRead(out var decided));
        Assert.Equal(("alert.decided", raised.Alert.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), AlertStatus.AwaitingSecondConfirmation, "Sheldon"),
            (decided.Kind, decided.AlertId, decided.Status, decided.Match.Label));
        Assert.Empty(decided.SnapshotPng);
        Assert.True(nora.Reader.TryRead(out var live));
        Assert.True(live.Decided);
        Assert.Equal(AlertStatus.AwaitingSecondConfirmation, live.Alert.Status);
        Assert.False(mo.Reader.TryRead(out _));

        // A refused decision publishes nothing.
        await Assert.ThrowsAsync<ArgusException>(() => desk.ConfirmAsync(World.Omar, raised.Alert.Id, "again"));
        Assert.False(stream.Reader.TryRead(out _));
    }

    internal static AlertEvent Event(StoredEntry entry, long template, string camera, string? site, int shots = 2, float score = 0.6f)
    {
        var now = DateTimeOffset.UtcNow;
        return new AlertEvent("pipeline-id", camera, site, 1, new FaceMatch(entry.SubjectId, template, "Sheldon", score), shots, now.AddSeconds(-1), now,
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], false);
    }
}

public sealed class SqliteAlertDeskTests(EngineFixture fixture) : AlertDeskTests(fixture)
{
    protected override bool Postgres => false;
}

public sealed class PostgresAlertDeskTests(EngineFixture fixture) : AlertDeskTests(fixture)
{
    protected override bool Postgres => true;
}
