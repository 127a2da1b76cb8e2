using System.Globalization;
using Argus.Application.Auditing;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Alerts;
using Argus.Core.Audit;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Video.Delivery;

namespace Argus.Application.Alerts;

public sealed record AlertDeskOptions
{
    /// <summary>
    /// The one cool-down: a sighting updates the open alert of the same deployment, camera and person when the person
    /// was last seen less than this before; after it (or once a reviewer decided on the alert) a sighting raises a new one.
    /// </summary>
    public TimeSpan CoolDown { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Alerts waiting to be stored; beyond it the oldest waiting alert is refused (counted in <see cref="AlertFeed.Lost"/>), never the cameras.</summary>
    public int QueueCapacity { get; init; } = 10_000;

    public WebhookOptions Webhooks { get; init; } = new();

    /// <summary>Tests only: the HTTP handler for webhook deliveries.</summary>
    public HttpMessageHandler? WebhookHandler { get; init; }

    /// <summary>Where webhook secrets are read, by the variable name stored with the subscription.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>How long closing the desk waits for webhook deliveries still being retried.</summary>
    public TimeSpan WebhookShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    public int FlagMinDismissals { get; init; } = 3;

    public double FlagMinDismissedShare { get; init; } = 0.5;
}

/// <summary>What a reviewer sees: the alert, the camera's snapshot, the enrolled photo (when a crop was kept), the entry and its legal basis.</summary>
public sealed record AlertView(StoredAlert Alert, byte[]? SnapshotPng, byte[]? EnrolledPng, StoredEntry? Entry, string? SubjectName, TemplateDismissals? TemplateDismissals);

/// <summary>The result of a decision; <see cref="Flag"/> is set when the template has just been flagged for review.</summary>
public sealed record AlertDecisionOutcome(StoredAlert Alert, AlertDecision Decision, TemplateReviewFlag? Flag)
{
    public bool ActionAllowed => Alert.Status == AlertStatus.Confirmed;
}

/// <summary>
/// The alert desk's review and query half: lists and shows alerts within the user's sites and watchlists, records
/// confirmations and dismissals under the two-person rule, counting dismissals per template and flagging templates
/// that keep producing false alerts for a person to review (nothing is retrained). Each decision is published through
/// the <see cref="AlertFeed"/> it was given (an <c>alert.decided</c> event), so every live view sees it. Alerts are
/// raised by the feed, never here.
/// </summary>
public sealed class AlertDesk
{
    private readonly ArgusStore _store;
    private readonly AuditTrail _audit;
    private readonly AlertDeskOptions _options;
    private readonly TimeProvider _time;
    private readonly AlertFeed? _feed;

    /// <param name="store">The authoritative store of alerts and decisions.</param>
    /// <param name="chain">The audit chain every review and query is recorded in.</param>
    /// <param name="feed">Where decisions are published live; null where nothing in this process listens (the CLI's review commands).</param>
    /// <param name="options">The review rules (cool-down, second confirmation); defaults when null.</param>
    /// <param name="time">The clock; the system's when null.</param>
    public AlertDesk(ArgusStore store, AuditChain chain, AlertFeed? feed, AlertDeskOptions? options = null, TimeProvider? time = null)
    {
        _store = store;
        _audit = new AuditTrail(store, chain);
        _feed = feed;
        _options = options ?? new AlertDeskOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Alerts on the user's sites and watchlists, newest first; audited (<c>alert.list</c>).</summary>
    public Task<IReadOnlyList<StoredAlert>> ListAsync(Principal actor, AlertFilter filter, CancellationToken ct = default) =>
        _audit.GuardAsync<IReadOnlyList<StoredAlert>>(actor.Id, "alert.list", "alerts", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ReviewAlerts);
            var scoped = filter with { Sites = actor.Scope.Sites.Contains(Scope.All) ? filter.Sites : Intersect(filter.Sites, actor.Scope.Sites) };
            var alerts = (await _store.ListAlertsAsync(scoped, ct)).Where(a => actor.Scope.CoversWatchlist(a.Watchlist)).ToList();
            await _audit.AppendAsync(AuditEvent.Ok(actor.Id, "alert.list", "alerts", AuditDetails.Of(
                ("status", filter.Status?.ToString()), ("deployment", filter.Deployment), ("count", alerts.Count))), ct);
            return alerts;
        }, ct);

    /// <summary>
    /// One alert with its snapshot, the enrolled photo (the template's face crop, when one was kept), its entry and
    /// legal basis; audited (<c>alert.view</c>). Refusals: <c>alert.not_found</c>, <c>access.denied</c>.
    /// </summary>
    public Task<AlertView> ShowAsync(Principal actor, long id, CancellationToken ct = default) =>
        _audit.GuardAsync(actor.Id, "alert.view", $"alert:{id}", async () =>
        {
            var alert = await FindInScopeAsync(actor, id, ct);
            var entry = await _store.GetEntryAsync(alert.EntryId, ct);
            var subject = await _store.GetSubjectAsync(alert.SubjectId, ct);
            var view = new AlertView(
                alert, await _store.GetAlertSnapshotAsync(id, ct), await _store.GetFaceCropAsync(alert.TemplateId, ct), entry, subject?.DisplayName,
                await _store.GetTemplateDismissalsAsync(alert.TemplateId, ct));
            await _audit.AppendAsync(AuditEvent.Ok(actor.Id, "alert.view", $"alert:{id}", AuditDetails.Of(("entry", alert.EntryId), ("status", alert.Status.ToString()))), ct);
            return view;
        }, ct);

    /// <summary>
    /// Confirms an alert ("this is the person"). Where the category allows action against a person, a second,
    /// different user must confirm too; nobody confirms twice. Refusals: <c>alert.not_found</c>,
    /// <c>access.denied</c>, <c>alert.reason_required</c>, <c>alert.second_confirmation_required</c>,
    /// <c>alert.already_decided</c>, <c>alert.conflict</c>.
    /// </summary>
    public Task<AlertDecisionOutcome> ConfirmAsync(Principal actor, long id, string reason, CancellationToken ct = default) =>
        DecideAsync(actor, id, AlertVerdict.Confirm, reason, ct);

    /// <summary>Dismisses an alert ("not this person") with a reason; counts against the template. Refusals as for <see cref="ConfirmAsync"/>.</summary>
    public Task<AlertDecisionOutcome> DismissAsync(Principal actor, long id, string reason, CancellationToken ct = default) =>
        DecideAsync(actor, id, AlertVerdict.Dismiss, reason, ct);

    /// <summary>Templates flagged because their alerts keep being dismissed: for approvers, who review the entry's photos.</summary>
    public Task<IReadOnlyList<TemplateDismissals>> ListFlaggedTemplatesAsync(Principal actor, CancellationToken ct = default) =>
        _audit.GuardAsync(actor.Id, "template.flags", "templates", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ApproveEntry);
            var flags = await _store.ListFlaggedTemplatesAsync(ct);
            await _audit.AppendAsync(AuditEvent.Ok(actor.Id, "template.flags", "templates", AuditDetails.Of(("count", flags.Count))), ct);
            return flags;
        }, ct);

    private async Task<AlertDecisionOutcome> DecideAsync(Principal actor, long id, AlertVerdict verdict, string reason, CancellationToken ct)
    {
        var action = verdict == AlertVerdict.Confirm ? "alert.confirm" : "alert.dismiss";
        return await _audit.GuardAsync(actor.Id, action, $"alert:{id}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ReviewAlerts);
            var monitor = new DismissalMonitor(_options.FlagMinDismissals, _options.FlagMinDismissedShare);
            var now = _time.GetUtcNow();
            // The decision, its record and (when it tips the template over) the flag's record commit together.
            IEnumerable<AuditEvent> Records((StoredAlert Alert, AlertDecision Decision, TemplateReviewFlag? Flag) r)
            {
                yield return AuditEvent.Ok(actor.Id, verdict == AlertVerdict.Confirm ? "alert.confirmed" : "alert.dismissed", $"alert:{id}", AuditDetails.Of(
                    ("reason", r.Decision.Reason), ("status", r.Alert.Status.ToString()), ("decision", r.Alert.Decisions.Count), ("entry", r.Alert.EntryId),
                    ("template", r.Alert.TemplateId)));
                if (r.Flag is { } flag)
                {
                    yield return AuditEvent.Ok("system", "template.flagged", $"template:{flag.TemplateId}", AuditDetails.Of(
                        ("dismissed", flag.Dismissed), ("decided", flag.Decided), ("alert", id), ("entry", r.Alert.EntryId)));
                }
            }

            var (alert, decision, flag) = await _audit.Store<(StoredAlert, AlertDecision, TemplateReviewFlag?)>(Records).DecideAlertAsync(
                id,
                a =>
                {
                    if (!actor.Scope.CoversWatchlist(a.Watchlist))
                    {
                        throw ArgusException.OutOfScope($"Watchlist {a.Watchlist} is outside the scope of user {actor.Name}.");
                    }

                    var review = AlertReview.Restore(
                        a.Id.ToString(CultureInfo.InvariantCulture), a.Site ?? "", a.TemplateId, PolicyOf(a), a.Decisions);
                    var d = verdict == AlertVerdict.Confirm ? review.Confirm(actor, reason, now) : review.Dismiss(actor, reason, now);
                    return (d, review.Status);
                },
                monitor,
                ct);
            if (_feed is { } feed)
            {
                // Published once, from the stored result, to every live view (their own filters apply).
                var label = (await _store.GetSubjectAsync(alert.SubjectId, ct))?.DisplayName ?? $"subject {alert.SubjectId}";
                feed.PublishDecision(alert, decision, label);
            }

            return new AlertDecisionOutcome(alert, decision, flag);
        }, ct);
    }

    /// <summary>
    /// The display names of the people <paramref name="alerts"/> name (by subject id), for a list beside the ids: the
    /// caller read the alerts through <see cref="ListAsync"/>, so their scope is already checked and audited, and a
    /// reviewer sees the same name on the alert itself (<see cref="ShowAsync"/>).
    /// </summary>
    public async Task<IReadOnlyDictionary<long, string?>> SubjectNamesAsync(IReadOnlyList<StoredAlert> alerts, CancellationToken ct)
    {
        var names = new Dictionary<long, string?>();
        foreach (var a in alerts)
        {
            if (!names.ContainsKey(a.SubjectId))
            {
                names[a.SubjectId] = (await _store.GetSubjectAsync(a.SubjectId, ct))?.DisplayName;
            }
        }

        return names;
    }

    private async Task<StoredAlert> FindInScopeAsync(Principal actor, long id, CancellationToken ct)
    {
        AccessPolicy.Demand(actor, Capability.ReviewAlerts);
        var alert = await _store.GetAlertAsync(id, ct) ?? throw new ArgusException("alert.not_found", $"There is no alert with id {id} (see argus alert list).");
        AccessPolicy.DemandSite(actor, Capability.ReviewAlerts, alert.Site ?? "");
        AccessPolicy.DemandWatchlist(actor, Capability.ReviewAlerts, alert.Watchlist);
        return alert;
    }

    private static CategoryPolicy PolicyOf(StoredAlert a) => CategoryPolicy.For(a.Category, a.Category == WatchlistCategory.Custom ? a.Severity : null);

    private static HashSet<string> Intersect(IReadOnlySet<string>? wanted, IReadOnlySet<string> allowed) =>
        wanted is null ? [.. allowed] : [.. wanted.Where(allowed.Contains)];
}
