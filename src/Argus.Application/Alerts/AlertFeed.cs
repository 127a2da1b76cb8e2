using System.Globalization;
using System.Threading.Channels;
using Argus.Application.Auditing;
using Argus.Application.Deployments;
using Argus.Core.Access;
using Argus.Core.Alerts;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Video;
using Argus.Video.Delivery;

namespace Argus.Application.Alerts;

/// <summary>An alert raised or updated by the feed.</summary>
public sealed record RaisedAlert(StoredAlert Alert, bool Updated);

/// <summary>An alert as a user's live view shows it: stored, with the matched person's label; <see cref="Decided"/> when a reviewer's decision changed it.</summary>
public sealed record LiveAlert(StoredAlert Alert, bool Updated, string Label)
{
    public bool Decided { get; init; }
}

/// <summary>
/// One user's live alerts: only those on their sites and watchlists, in a bounded queue that loses its oldest alerts
/// (counted) when the user falls behind, never slowing the feed. Dispose to stop.
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

/// <summary>
/// The alert desk's ingestion and fan-out half: takes the cameras' track decisions (through <c>SinkFor</c>, a
/// queue, so storage never slows a camera), raises an alert or updates the open one of the same episode (one
/// deployment, one camera, one person, undecided, last seen within <see cref="AlertDeskOptions.CoolDown"/>: the one
/// cool-down), stores it with its snapshot, audits it, and publishes the alert exactly as stored to the live
/// <see cref="Stream"/>, the users' live subscriptions and the stored webhooks. Subscribers get the published
/// alert itself (with its watchlist and deployment), never a per-subscriber read of the store. Reviewers' decisions
/// are published here too (<see cref="PublishDecision"/>, called by <see cref="AlertDesk"/>), so every open view
/// sees a decision live.
/// </summary>
public sealed class AlertFeed : IAsyncDisposable
{
    private readonly ArgusStore _store;
    private readonly AuditTrail _audit;
    private int _disposed;
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

    public AlertFeed(ArgusStore store, AuditChain chain, AlertDeskOptions? options = null, TimeProvider? time = null)
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

    /// <summary>
    /// The live stream of alerts as stored (<see cref="AlertEvent.AlertId"/> is the stored alert's id) and of review
    /// decisions (<see cref="AlertEvent.IsDecision"/>): the server's hub and <c>argus cameras run</c> subscribe.
    /// </summary>
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
    public IAlertSink SinkFor(string deployment, WatchlistMatcher matcher) =>
        new QueuedSink(this, new Dictionary<string, WatchlistMatcher>(StringComparer.Ordinal) { [deployment] = matcher });

    /// <summary>
    /// The sink of a camera covered by several deployments: each alert goes to the deployment it names
    /// (<see cref="AlertEvent.Deployment"/>) and its entry is resolved from that deployment's working copy.
    /// </summary>
    public IAlertSink SinkFor(IReadOnlyDictionary<string, WatchlistMatcher> matchers) => new QueuedSink(this, matchers);

    /// <summary>Waits until every alert handed over so far is stored, audited and published.</summary>
    public Task DrainAsync(CancellationToken ct = default) => Volatile.Read(ref _idle).Task.WaitAsync(ct);

    /// <summary>
    /// Raises an alert, or updates the open one of the same episode (same deployment, camera and person, nobody has
    /// decided on it, last seen within the cool-down); stores it with its snapshot, audits it (<c>alert.raised</c> /
    /// <c>alert.updated</c>) and publishes it as stored.
    /// </summary>
    public async Task<RaisedAlert> RaiseAsync(AlertEvent alert, string deployment, StoredEntry entry, CancellationToken ct = default)
    {
        var policy = entry.Watchlist.Policy;
        var (stored, updated) = await _audit.Store<(StoredAlert Alert, bool Updated)>(r => AuditEvent.Ok("system", r.Updated ? "alert.updated" : "alert.raised", $"alert:{r.Alert.Id}", AuditDetails.Of(
                ("deployment", deployment), ("camera", alert.CameraId), ("site", alert.Site), ("entry", entry.Id), ("watchlist", entry.Watchlist.Name),
                ("template", alert.Match.TemplateId), ("score", Math.Round(alert.Match.Score, 4)), ("supporting_shots", alert.SupportingShots),
                ("first_seen_at", alert.FirstSeenAt.ToString("O", CultureInfo.InvariantCulture)),
                ("deciding_frame_at", alert.DecidingFrameAt == default ? null : alert.DecidingFrameAt.ToString("O", CultureInfo.InvariantCulture)),
                ("latency_ms", (long)alert.Latency.TotalMilliseconds))))
            .RaiseOrUpdateAlertAsync(
            new NewAlert(
                deployment, alert.CameraId, alert.Site, alert.TrackId, entry.Id, alert.Match.SubjectId, alert.Match.TemplateId, entry.Watchlist.Name,
                policy.Category, policy.Severity, policy.Colour, alert.Match.Score, alert.SupportingShots, alert.FirstSeenAt, alert.RaisedAt, alert.SnapshotPng)
            {
                DecidingFrameAt = alert.DecidingFrameAt == default ? alert.RaisedAt : alert.DecidingFrameAt,
            },
            _options.CoolDown,
            ct);
        var published = alert with
        {
            AlertId = stored.Id.ToString(CultureInfo.InvariantCulture),
            IsUpdate = updated,
            Deployment = deployment,
            Watchlist = entry.Watchlist.Name,
            Status = stored.Status,
        };
        Fan(published, new LiveAlert(stored, updated, alert.Match.Label));
        return new RaisedAlert(stored, updated);
    }

    /// <summary>
    /// Publishes a reviewer's decision on <paramref name="alert"/> (as stored after it) to the live stream, the live
    /// subscriptions and the webhooks, as an <c>alert.decided</c> event carrying the new status (no snapshot).
    /// </summary>
    public void PublishDecision(StoredAlert alert, AlertDecision decision, string label)
    {
        var published = new AlertEvent(
            alert.Id.ToString(CultureInfo.InvariantCulture), alert.CameraId, alert.Site, alert.TrackId, new FaceMatch(alert.SubjectId, alert.TemplateId, label, alert.Score),
            alert.SupportingShots, alert.FirstSeenAt, alert.RaisedAt, [], IsUpdate: true)
        {
            Deployment = alert.Deployment,
            Watchlist = alert.Watchlist,
            DecidingFrameAt = alert.DecidingFrameAt ?? default,
            Status = alert.Status,
            IsDecision = true,
            DecidedBy = decision.By,
            Verdict = decision.Verdict == AlertVerdict.Confirm ? "confirm" : "dismiss",
            DecidedAt = decision.At,
        };
        Fan(published, new LiveAlert(alert, true, label) { Decided = true });
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

    public async ValueTask DisposeAsync()
    {
        // Once: the host disposes it before the checkpoint, and the container that registered it again later.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

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

    private void Fan(AlertEvent published, LiveAlert live)
    {
        Stream.Publish(published);
        LiveSubscription[] subscriptions;
        lock (_liveGate)
        {
            subscriptions = [.. _live];
        }

        foreach (var subscription in subscriptions)
        {
            subscription.Offer(live);
        }

        _webhooks?.Publish(published);
    }

    private sealed record Pending(AlertEvent Alert, string Deployment, StoredEntry Entry);

    /// <summary>
    /// A camera's sink: resolves the entry from the working copy of the deployment the alert names and queues it.
    /// With one deployment, an alert naming none (a pipeline fed through <c>SetMatcher</c>) belongs to that one.
    /// </summary>
    private sealed class QueuedSink(AlertFeed desk, IReadOnlyDictionary<string, WatchlistMatcher> matchers) : IAlertSink
    {
        public void Publish(AlertEvent alert)
        {
            var deployment = alert.Deployment;
            if (deployment.Length == 0 && matchers.Count == 1)
            {
                deployment = matchers.Keys.First();
            }

            // A match made against another deployment's copy just before a switch has no entry here: dropped, counted.
            if (matchers.TryGetValue(deployment, out var matcher) && matcher.TryGetEntry(alert.Match.SubjectId, out var entry))
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
