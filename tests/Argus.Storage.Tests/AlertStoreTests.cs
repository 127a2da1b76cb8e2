using Argus.Core;
using Argus.Core.Alerts;
using Argus.Core.Deployments;
using Argus.Core.Watchlists;
using Argus.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Storage.Tests;

/// <summary>Deployments, alerts, review decisions, dismissal counts, webhooks and retention (migration 7), once per provider.</summary>
public abstract class AlertStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan CoolDown = TimeSpan.FromMinutes(5);

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));

    protected abstract Task<ArgusStore> OpenStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Deployments_are_stored_listed_while_active_and_ended_once()
    {
        await using var store = await OpenStoreAsync();
        var now = Time.GetUtcNow();
        var d = await store.AddDeploymentAsync(new Deployment("", "match day", ["gate-1"], "stadium", ["wanted"], "Order 55", now.AddHours(1), now.AddHours(5)), "sam");
        Assert.Equal(d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Deployment.Id);
        Assert.Empty(await store.ListDeploymentsAsync(now));
        Assert.Single(await store.ListDeploymentsAsync(now.AddHours(2)));
        Assert.Empty(await store.ListDeploymentsAsync(now.AddHours(5)));

        var invalid = await Assert.ThrowsAsync<ArgusException>(() => store.AddDeploymentAsync(
            new Deployment("", "backwards", ["gate-1"], null, ["wanted"], "Order 55", now.AddHours(2), now.AddHours(1)), "sam"));
        Assert.Equal("deployment.invalid", invalid.Code);

        Time.Advance(TimeSpan.FromHours(2));
        var ended = await store.EndDeploymentAsync(d.Id, "sam", "match abandoned");
        Assert.Equal(Time.GetUtcNow(), ended.EndedAt);
        var reread = (await store.GetDeploymentAsync(d.Id))!;
        Assert.Equal(("sam", "match abandoned"), (reread.EndedBy, reread.EndReason));
        Assert.False(reread.IsActiveAt(Time.GetUtcNow()));
        Assert.Empty(await store.ListDeploymentsAsync(Time.GetUtcNow()));
        Assert.Equal("deployment.already_ended", (await Assert.ThrowsAsync<ArgusException>(() => store.EndDeploymentAsync(d.Id, "sam", "again"))).Code);
        Assert.Equal("deployment.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.EndDeploymentAsync(999, "sam", "x"))).Code);
        Assert.Null(await store.GetDeploymentAsync(999));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task One_alert_per_person_per_camera_within_the_cool_down_is_updated_not_repeated()
    {
        await using var store = await OpenStoreAsync();
        var now = Time.GetUtcNow();
        var (first, updated) = await store.RaiseOrUpdateAlertAsync(Alert("gate-1", 7, 0.55f, 2, now, [1, 2, 3]), CoolDown);
        Assert.False(updated);
        Assert.Equal(AlertStatus.Open, first.Status);
        Assert.Equal([1, 2, 3], await store.GetAlertSnapshotAsync(first.Id));

        var (second, wasUpdate) = await store.RaiseOrUpdateAlertAsync(Alert("gate-1", 7, 0.61f, 4, now.AddMinutes(2), [4, 5]), CoolDown);
        Assert.True(wasUpdate);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal((4, 0.61f), (second.SupportingShots, second.Score));
        Assert.Equal(now.AddMinutes(2), second.LastSeenAt);
        Assert.Equal([4, 5], await store.GetAlertSnapshotAsync(first.Id));

        // A weaker sighting keeps the better snapshot and score.
        var (third, _) = await store.RaiseOrUpdateAlertAsync(Alert("gate-1", 7, 0.50f, 1, now.AddMinutes(3), [9]), CoolDown);
        Assert.Equal((4, 0.61f), (third.SupportingShots, third.Score));
        Assert.Equal([4, 5], await store.GetAlertSnapshotAsync(first.Id));

        Assert.NotEqual(first.Id, (await store.RaiseOrUpdateAlertAsync(Alert("gate-2", 7, 0.55f, 2, now.AddMinutes(3), [1]), CoolDown)).Alert.Id);
        Assert.NotEqual(first.Id, (await store.RaiseOrUpdateAlertAsync(Alert("gate-1", 8, 0.55f, 2, now.AddMinutes(3), [1]), CoolDown)).Alert.Id);
        var (later, laterUpdate) = await store.RaiseOrUpdateAlertAsync(Alert("gate-1", 7, 0.55f, 2, now.AddMinutes(9), [1]), CoolDown);
        Assert.False(laterUpdate);
        Assert.NotEqual(first.Id, later.Id);

        Assert.Equal(4, (await store.ListAlertsAsync(new AlertFilter())).Count);
        Assert.Equal(3, (await store.ListAlertsAsync(new AlertFilter { Sites = new HashSet<string> { "north" } })).Count);
        Assert.Empty(await store.ListAlertsAsync(new AlertFilter { Sites = new HashSet<string> { "south" } }));
        Assert.Empty(await store.ListAlertsAsync(new AlertFilter { Sites = new HashSet<string>() }));
        Assert.Null(await store.GetAlertAsync(12345));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Decisions_are_stored_in_order_and_dismissals_counted_and_flagged_per_template()
    {
        await using var store = await OpenStoreAsync();
        var now = Time.GetUtcNow();
        var ids = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await store.RaiseOrUpdateAlertAsync(Alert($"cam-{i}", 7, 0.5f, 2, now, [1]), CoolDown)).Alert.Id);
        }

        (AlertDecision, AlertStatus) Dismiss(StoredAlert a) => (new AlertDecision("olly", AlertVerdict.Dismiss, "not him", now), AlertStatus.Dismissed);
        Assert.Null((await store.DecideAlertAsync(ids[0], Dismiss, new DismissalMonitor())).Flag);
        Assert.Null((await store.DecideAlertAsync(ids[1], Dismiss, new DismissalMonitor())).Flag);
        var (alert, decision, flag) = await store.DecideAlertAsync(ids[2], Dismiss, new DismissalMonitor());
        Assert.Equal(AlertStatus.Dismissed, alert.Status);
        Assert.Equal("not him", Assert.Single(alert.Decisions).Reason);
        Assert.Equal(decision, alert.Decisions[0]);
        Assert.Equal(new TemplateReviewFlag(70, 3, 3), flag);
        Assert.Equal(70, Assert.Single(await store.ListFlaggedTemplatesAsync()).TemplateId);

        // Two confirmations: the first leaves it awaiting, the second makes it final and counts as decided.
        Assert.Equal(AlertStatus.AwaitingSecondConfirmation, (await store.DecideAlertAsync(
            ids[3], _ => (new AlertDecision("olly", AlertVerdict.Confirm, "it is him", now), AlertStatus.AwaitingSecondConfirmation), new DismissalMonitor())).Alert.Status);
        var (confirmed, _, again) = await store.DecideAlertAsync(
            ids[3], _ => (new AlertDecision("sam", AlertVerdict.Confirm, "agreed", now), AlertStatus.Confirmed), new DismissalMonitor());
        Assert.Null(again);
        Assert.Equal(["olly", "sam"], confirmed.Decisions.Select(d => d.By));
        var counts = (await store.GetTemplateDismissalsAsync(70))!;
        Assert.Equal((3, 4), (counts.Dismissed, counts.Decided));

        // A refusal inside the decision writes nothing.
        await Assert.ThrowsAsync<ArgusException>(() => store.DecideAlertAsync(ids[3], _ => throw new ArgusException("alert.already_decided", "decided"), new DismissalMonitor()));
        Assert.Equal(2, (await store.GetAlertAsync(ids[3]))!.Decisions.Count);
        Assert.Equal("alert.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.DecideAlertAsync(999, Dismiss, new DismissalMonitor()))).Code);

        var report = await store.CountAlertsAsync(now.AddDays(-1), now.AddDays(1));
        Assert.Equal(new AlertCounts(4, 1, 3, 0), report);
        Assert.Equal(0.75, report.FalseAlertRate);
        Assert.Equal(new AlertCounts(0, 0, 0, 0), await store.CountAlertsAsync(now.AddDays(1), now.AddDays(2)));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Retention_deletes_old_alerts_with_their_snapshots_decisions_and_dead_letters()
    {
        await using var store = await OpenStoreAsync();
        var old = (await store.RaiseOrUpdateAlertAsync(Alert("gate-1", 7, 0.5f, 2, Time.GetUtcNow(), [1]), CoolDown)).Alert;
        await store.DecideAlertAsync(old.Id, _ => (new AlertDecision("olly", AlertVerdict.Dismiss, "no", Time.GetUtcNow()), AlertStatus.Dismissed), new DismissalMonitor());
        var hook = await store.AddWebhookAsync("https://example.test/hook", "HOOK_SECRET", ["alert.raised"], ["*"], "admin");
        await store.AddDeadLetterAsync(hook.Id, "d1", "{}", 6, "HTTP 500", Time.GetUtcNow());
        Time.Advance(TimeSpan.FromDays(31));
        var recent = (await store.RaiseOrUpdateAlertAsync(Alert("gate-1", 7, 0.5f, 2, Time.GetUtcNow(), [2]), CoolDown)).Alert;

        var deleted = await store.DeleteAlertsBeforeAsync(Time.GetUtcNow().AddDays(-30));
        Assert.Equal(new AlertRetentionResult(1, 1, 1, 1), deleted);
        Assert.Null(await store.GetAlertAsync(old.Id));
        Assert.Null(await store.GetAlertSnapshotAsync(old.Id));
        Assert.NotNull(await store.GetAlertAsync(recent.Id));
        Assert.Empty(await store.ListDeadLettersAsync());
        Assert.Equal(1, (await store.GetTemplateDismissalsAsync(70))!.Dismissed); // counts (numbers only) stay
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Webhooks_keep_the_secret_variable_name_and_dead_letters()
    {
        await using var store = await OpenStoreAsync();
        var hook = await store.AddWebhookAsync("https://example.test/hook", "HOOK_SECRET", ["alert.raised", "alert.updated"], ["north", "south"], "admin");
        var listed = Assert.Single(await store.ListWebhooksAsync());
        Assert.Equal("HOOK_SECRET", listed.SecretVariable);
        Assert.Equal(["north", "south"], listed.Sites);
        Assert.Equal(["alert.raised", "alert.updated"], listed.Events);
        await store.AddDeadLetterAsync(hook.Id, "d1", "{\"event\":\"alert.raised\"}", 6, "HTTP 500", Time.GetUtcNow());
        Assert.Equal("d1", Assert.Single(await store.ListDeadLettersAsync(hook.Id)).DeliveryId);
        Assert.Empty(await store.ListDeadLettersAsync(hook.Id + 1));
        await store.RemoveWebhookAsync(hook.Id);
        Assert.Empty(await store.ListWebhooksAsync());
        Assert.Equal("webhook.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.RemoveWebhookAsync(hook.Id))).Code);
    }

    private static NewAlert Alert(string camera, long subject, float score, int shots, DateTimeOffset at, byte[] png) => new(
        "1", camera, camera == "gate-2" ? "south-x" : "north", 1, subject * 100, subject, subject * 10, "wanted", WatchlistCategory.WantedPerson, Severity.Critical, "red",
        score, shots, at.AddSeconds(-2), at, png);
}

public sealed class SqliteAlertStoreTests : AlertStoreTests
{
    private readonly TempDirectory _directory = TestPaths.TempDirectory();

    protected override Task<ArgusStore> OpenStoreAsync() =>
        ArgusStore.OpenAsync(StorageOptions.Sqlite(_directory.File("argus.db")) with { TimeProvider = Time });

    public override Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class PostgresAlertStoreTests : AlertStoreTests
{
    private readonly string _schema = "argus_alerts_" + Guid.NewGuid().ToString("N")[..16];

    protected override Task<ArgusStore> OpenStoreAsync() =>
        ArgusStore.OpenAsync(StorageOptions.Postgres(PostgresStoreTests.RequireConnectionString(), _schema) with { TimeProvider = Time });

    public override Task DisposeAsync() => PostgresStoreTests.DropSchemaAsync(_schema);
}
