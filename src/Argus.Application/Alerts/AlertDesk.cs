using System.Globalization;
using System.Threading.Channels;
using Argus.Application.Deployments;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Alerts;
using Argus.Core.Audit;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Video;
using Argus.Video.Delivery;

namespace Argus.Application.Alerts;

public sealed record AlertDeskOptions
{
    /// <summary>One alert per person per camera within this time: a later sighting updates it.</summary>
    public TimeSpan CoolDown { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Alerts waiting to be stored; beyond it the oldest waiting alert is refused (counted in <see cref="AlertDesk.Lost"/>), never the cameras.</summary>
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

/// <summary>An alert raised or updated by the desk.</summary>
public sealed record RaisedAlert(StoredAlert Alert, bool Updated);

/// <summary>What a reviewer sees: the alert, the camera's snapshot, the enrolled photo (when a crop was kept), the entry and its legal basis.</summary>
public sealed record AlertView(StoredAlert Alert, byte[]? SnapshotPng, byte[]? EnrolledPng, StoredEntry? Entry, string? SubjectName, TemplateDismissals? TemplateDismissals);

/// <summary>An alert as a user's live view shows it: stored, with the matched person's label.</summary>
public sealed record LiveAlert(StoredAlert Alert, bool Updated, string Label);

/// <summary>
/// One user's live alerts: only those on their sites and watchlists, in a bounded queue that loses its oldest alerts
/// (counted) when the user falls behind, never slowing the desk. Dispose to stop.
/// </summary>
public sealed class LiveSubscription : IDisposable
{
    private readonly Action<LiveSubscription> _remove;
    private readonly Channel<LiveAlert> _channel;
    private long _lost;

    internal LiveSubscription(Principal actor, int capacity, Action<LiveSubscription> remove)
    {
        Actor = actor;
        _remove = remove;
        _channel = Channel.CreateBounded<LiveAlert>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true }, _ => Interlocked.Increment(ref _lost));
    }

    public Principal Actor { get; }

    public ChannelReader<LiveAlert> Reader => _channel.Reader;

    public long Lost => Interlocked.Read(ref _lost);

    public void Dispose()
    {
        _remove(this);
        _channel.Writer.TryComplete();
    }

    internal void Offer(LiveAlert alert)
    {
        var scope = Actor.Scope;
        var site = alert.Alert.Site is { } s ? scope.CoversSite(s) : scope.Sites.Contains(Scope.All);
        if (site && scope.CoversWatchlist(alert.Alert.Watchlist))
        {
            _channel.Writer.TryWrite(alert);
        }
    }
}

/// <summary>The result of a decision; <see cref="Flag"/> is set when the template has just been flagged for review.</summary>
public sealed record AlertDecisionOutcome(StoredAlert Alert, AlertDecision Decision, TemplateReviewFlag? Flag)
{
    public bool ActionAllowed => Alert.Status == AlertStatus.Confirmed;
}

/// <summary>
/// The alert desk: raises or updates alerts (one per person per camera within the cool-down), stores them with their
/// snapshot, audits them, and publishes them to the live <see cref="Stream"/> and to the stored webhooks; lists and
/// shows alerts within the user's sites and watchlists; records confirmations and dismissals under the two-person
/// rule, counting dismissals per template and flagging templates that keep producing false alerts for a person to
/// review (nothing is retrained). Cameras hand alerts over through <see cref="SinkFor"/>: a queue, so storage never
/// slows a camera.
/// </summary>
public sealed class AlertDesk : IAsyncDisposable
{
    private readonly ArgusStore _store;
    private readonly AuditTrail _audit;
    private readonly AlertDeskOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<Pending> _queue;
    private readonly Task _worker;
    private readonly StoredDeadLetters _deadLetters;
    private readonly object _liveGate = new();
    private readonly List<LiveSubscription> _live = [];
    private WebhookDispatcher? _webhooks;
    private TaskCompletionSource _idle = Completed();
    private long _pending;
    private long _lost;
    private long _failed;
    private string? _lastError;

    public AlertDesk(ArgusStore store, AuditChain chain, AlertDeskOptions? options = null, TimeProvider? time = null)
    {
        _store = store;
        _audit = new AuditTrail(store, chain);
        _options = options ?? new AlertDeskOptions();
        _time = time ?? TimeProvider.System;
        _deadLetters = new StoredDeadLetters(_audit);
        _queue = Channel.CreateBounded<Pending>(
            new BoundedChannelOptions(_options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => { Interlocked.Increment(ref _lost); Done(); });
        _worker = Task.Run(ProcessAsync);
    }

    /// <summary>The live stream of stored alerts (<see cref="AlertEvent.AlertId"/> is the stored alert's id): the server's hub and <c>argus cameras run</c> subscribe.</summary>
    public AlertStream Stream { get; } = new();

    /// <summary>Alerts dropped because the queue was full; storage failures while raising.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public long Failed => Interlocked.Read(ref _failed);

    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Webhook subscriptions that could not be started (their secret variable is not set).</summary>
    public IReadOnlyList<string> WebhookProblems { get; private set; } = [];

    public long WebhooksDelivered => _webhooks?.Delivered ?? 0;

    public long WebhooksDeadLettered => _webhooks?.DeadLettered ?? 0;

    /// <summary>
    /// Starts delivering to the stored webhook subscriptions, each with the secret read from its environment variable
    /// (a subscription whose variable is unset is skipped and listed in <see cref="WebhookProblems"/>).
    /// </summary>
    public async Task LoadWebhooksAsync(CancellationToken ct = default)
    {
        var endpoints = new List<WebhookEndpoint>();
        var problems = new List<string>();
        foreach (var w in await _store.ListWebhooksAsync(ct))
        {
            if (_options.Environment(w.SecretVariable) is not { Length: > 0 } secret)
            {
                problems.Add($"webhook {w.Id}: ${w.SecretVariable} is not set; not delivering to it");
                continue;
            }

            endpoints.Add(new WebhookEndpoint(w.Id.ToString(CultureInfo.InvariantCulture), new Uri(w.Url), secret)
            {
                Events = w.Events.Contains(Scope.All) ? null : w.Events.ToHashSet(StringComparer.Ordinal),
                Sites = w.Sites.Contains(Scope.All) ? null : w.Sites.ToHashSet(StringComparer.Ordinal),
            });
        }

        var previous = _webhooks;
        _webhooks = endpoints.Count == 0 ? null : new WebhookDispatcher(endpoints, _deadLetters, _options.Webhooks, _options.WebhookHandler, _time);
        WebhookProblems = problems;
        if (previous is not null)
        {
            await previous.DisposeAsync();
        }
    }

    /// <summary>The sink a camera publishes to while it runs in <paramref name="deployment"/> against <paramref name="matcher"/>.</summary>
    public IAlertSink SinkFor(string deployment, WatchlistMatcher matcher) => new QueuedSink(this, deployment, matcher);

    /// <summary>Waits until every alert handed over so far is stored, audited and published.</summary>
    public Task DrainAsync(CancellationToken ct = default) => Volatile.Read(ref _idle).Task.WaitAsync(ct);

    /// <summary>
    /// Raises an alert, or updates the one raised for the same person on the same camera within the cool-down; stores it
    /// with its snapshot, audits it (<c>alert.raised</c> / <c>alert.updated</c>) and publishes it.
    /// </summary>
    public async Task<RaisedAlert> RaiseAsync(AlertEvent alert, string deployment, StoredEntry entry, CancellationToken ct = default)
    {
        var policy = entry.Watchlist.Policy;
        var (stored, updated) = await _audit.Store<(StoredAlert Alert, bool Updated)>(r => AuditEvent.Ok("system", r.Updated ? "alert.updated" : "alert.raised", $"alert:{r.Alert.Id}", AuditDetails.Of(
                ("deployment", deployment), ("camera", alert.CameraId), ("site", alert.Site), ("entry", entry.Id), ("watchlist", entry.Watchlist.Name),
                ("template", alert.Match.TemplateId), ("score", Math.Round(alert.Match.Score, 4)), ("supporting_shots", alert.SupportingShots),
                ("latency_ms", (long)alert.Latency.TotalMilliseconds))))
            .RaiseOrUpdateAlertAsync(
            new NewAlert(
                deployment, alert.CameraId, alert.Site, alert.TrackId, entry.Id, alert.Match.SubjectId, alert.Match.TemplateId, entry.Watchlist.Name,
                policy.Category, policy.Severity, policy.Colour, alert.Match.Score, alert.SupportingShots, alert.FirstSeenAt, alert.RaisedAt, alert.SnapshotPng),
            _options.CoolDown,
            ct);
        var published = alert with { AlertId = stored.Id.ToString(CultureInfo.InvariantCulture), IsUpdate = updated };
        Stream.Publish(published);
        LiveSubscription[] live;
        lock (_liveGate)
        {
            live = [.. _live];
        }

        foreach (var subscription in live)
        {
            subscription.Offer(new LiveAlert(stored, updated, alert.Match.Label));
        }

        _webhooks?.Publish(published);
        return new RaisedAlert(stored, updated);
    }

    /// <summary>
    /// A user's live view (the server's hub): alerts stored from now on, only on the user's sites and watchlists.
    /// Needs the review role; the subscription is audited (<c>alert.subscribe</c>).
    /// </summary>
    public Task<LiveSubscription> SubscribeAsync(Principal actor, int capacity = 1000, CancellationToken ct = default) =>
        _audit.GuardAsync(actor.Id, "alert.subscribe", "alerts", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ReviewAlerts);
            var subscription = new LiveSubscription(actor, capacity, s =>
            {
                lock (_liveGate)
                {
                    _live.Remove(s);
                }
            });
            lock (_liveGate)
            {
                _live.Add(subscription);
            }

            await _audit.AppendAsync(AuditEvent.Ok(actor.Id, "alert.subscribe", "alerts"), ct);
            return subscription;
        }, ct);

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

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker;
        if (_webhooks is { } webhooks)
        {
            try
            {
                await webhooks.DrainAsync().WaitAsync(_options.WebhookShutdownGrace);
            }
            catch (TimeoutException)
            {
                // Deliveries still retrying are abandoned on shutdown; those already failed are dead-lettered.
            }

            await webhooks.DisposeAsync();
        }

        await _deadLetters.FlushAsync();
    }

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
                        throw new ArgusException("access.denied", $"Watchlist {a.Watchlist} is outside the scope of user {actor.Name}.");
                    }

                    var review = AlertReview.Restore(
                        a.Id.ToString(CultureInfo.InvariantCulture), a.Site ?? "", a.TemplateId, PolicyOf(a), a.Decisions);
                    var d = verdict == AlertVerdict.Confirm ? review.Confirm(actor, reason, now) : review.Dismiss(actor, reason, now);
                    return (d, review.Status);
                },
                monitor,
                ct);
            return new AlertDecisionOutcome(alert, decision, flag);
        }, ct);
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

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    private void Enqueue(Pending pending)
    {
        if (Interlocked.Increment(ref _pending) == 1)
        {
            Volatile.Write(ref _idle, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Increment(ref _lost);
            Done();
        }
    }

    private void Done()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            Volatile.Read(ref _idle).TrySetResult();
        }
    }

    private async Task ProcessAsync()
    {
        await foreach (var p in _queue.Reader.ReadAllAsync())
        {
            try
            {
                await RaiseAsync(p.Alert, p.Deployment, p.Entry, CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A failure (storage unavailable, say) loses this alert's record, not the desk: counted and shown in
                // health, and the next alert is tried; the consumer must never die with alerts still queued.
                Interlocked.Increment(ref _failed);
                Volatile.Write(ref _lastError, e.Message);
            }
            finally
            {
                Done();
            }
        }
    }

    private sealed record Pending(AlertEvent Alert, string Deployment, StoredEntry Entry);

    /// <summary>A camera's sink: resolves the entry from the deployment's working copy and queues the alert.</summary>
    private sealed class QueuedSink(AlertDesk desk, string deployment, WatchlistMatcher matcher) : IAlertSink
    {
        public void Publish(AlertEvent alert)
        {
            // A match made against another deployment's copy just before a switch has no entry here: dropped, counted.
            if (matcher.TryGetEntry(alert.Match.SubjectId, out var entry))
            {
                desk.Enqueue(new Pending(alert, deployment, entry));
            }
            else
            {
                Interlocked.Increment(ref desk._lost);
            }
        }
    }

    /// <summary>Dead letters written to the store (and audited) off the delivery thread; <see cref="FlushAsync"/> waits for them.</summary>
    private sealed class StoredDeadLetters(AuditTrail audit) : IDeadLetterStore
    {
        private readonly object _gate = new();
        private readonly List<Task> _writes = [];

        public void Add(DeadLetter letter)
        {
            var write = Task.Run(async () =>
            {
                var webhookId = long.Parse(letter.EndpointId, CultureInfo.InvariantCulture);
                await audit.Store<StoredDeadLetter>(stored => AuditEvent.Ok("system", "webhook.dead_lettered", $"webhook:{webhookId}", AuditDetails.Of(
                        ("dead_letter", stored.Id), ("delivery", letter.DeliveryId), ("attempts", letter.Attempts), ("error", letter.LastError))))
                    .AddDeadLetterAsync(webhookId, letter.DeliveryId, letter.Body, letter.Attempts, letter.LastError, letter.At);
            });
            lock (_gate)
            {
                _writes.Add(write);
            }
        }

        public async Task FlushAsync()
        {
            Task[] writes;
            lock (_gate)
            {
                writes = [.. _writes];
            }

            await Task.WhenAll(writes);
        }
    }
}
