using System.Diagnostics.Metrics;
using System.Text.Json;
using Argus.Application.Contracts;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Argus.Video;
using Argus.Video.Delivery;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Argus.Server.Endpoints;

/// <summary>What the stream sends per alert. The snapshot is the face the camera saw, for the reviewer beside the enrolled photo.</summary>
public sealed record AlertDto(
    string AlertId, string CameraId, string? Site, long TrackId, long SubjectId, long TemplateId, string Label, double Score, int SupportingShots,
    DateTimeOffset FirstSeenAt, DateTimeOffset RaisedAt, bool IsUpdate, string SnapshotPngBase64)
{
    /// <summary><c>alert.raised</c>, <c>alert.updated</c> or <c>alert.decided</c> (a reviewer's decision: <see cref="Status"/> is the new status, no snapshot).</summary>
    public string Kind { get; init; } = "alert.raised";

    public string? Status { get; init; }

    public string? Deployment { get; init; }

    public string? Watchlist { get; init; }

    /// <summary>Frame time of the shot that decided the alert; <see cref="FirstSeenAt"/> is the frame time of the track's first frame.</summary>
    public DateTimeOffset? DecidingFrameAt { get; init; }

    public long LatencyMs { get; init; }

    public static AlertDto From(AlertEvent a) => new(
        a.AlertId, a.CameraId, a.Site, a.TrackId, a.Match.SubjectId, a.Match.TemplateId, a.Match.Label, Math.Round(a.Match.Score, 4), a.SupportingShots,
        a.FirstSeenAt, a.RaisedAt, a.IsUpdate, Convert.ToBase64String(a.SnapshotPng))
    {
        Kind = a.Kind,
        Status = a.Status?.ToString(),
        Deployment = a.Deployment,
        Watchlist = a.Watchlist,
        DecidingFrameAt = a.DecidingFrameAt == default ? null : a.DecidingFrameAt,
        LatencyMs = (long)a.Latency.TotalMilliseconds,
    };
}

/// <summary>A review decision as every open wall receives it: enough to refresh the alert's card, nothing more.</summary>
public sealed record AlertDecisionEvent(long AlertId, string Status, string Verdict, string By, string CameraId, string? Site, string Watchlist, DateTimeOffset At)
{
    /// <summary>The decision a published alert carries, or null when it carries none.</summary>
    public static AlertDecisionEvent? From(AlertEvent alert) =>
        alert is { IsDecision: true, Status: { } status, Verdict: { } verdict, DecidedBy: { } by, Watchlist: { } watchlist, DecidedAt: { } at }
        && long.TryParse(alert.AlertId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? new AlertDecisionEvent(id, StoredAlertDto.StatusName(status), verdict, by, alert.CameraId, alert.Site, watchlist, at)
            : null;
}

/// <summary>
/// <c>GET /api/v1/alerts/stream</c>: server-sent events relaying the in-process <see cref="AlertStream"/>, only alerts
/// of cameras at sites in the caller's scope (a camera without a site only to users scoped to all sites) and on
/// watchlists in it (read from the published alert, never from the store per subscriber). Events:
/// <c>alert</c> (id = alert id, data = <see cref="AlertDto"/> JSON; its <c>kind</c> says raised, updated or decided), <c>lost</c> (data <c>{"lost":N}</c>: alerts
/// dropped because this client was too slow), <c>heartbeat</c> every 15 s. Ends at shutdown, and at once when the
/// account behind it is disabled, loses a role or scope, or changes its password.
/// </summary>
internal static class AlertApi
{
    private static readonly Meter Meter = new("Argus.Server");
    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>("argus.alerts.delivered", "{alert}", "Alerts sent to live console streams.");
    private static readonly Counter<long> Lost = Meter.CreateCounter<long>("argus.alerts.lost", "{alert}", "Alerts dropped because a stream subscriber fell behind.");
    private static readonly UpDownCounter<long> Subscribers = Meter.CreateUpDownCounter<long>("argus.alerts.subscribers", "{subscriber}", "Open live alert streams.");
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<AlertStream.Subscription, byte> Open = new();

    // Queue depth: alerts waiting in the open streams' bounded queues (a slow console shows here before it loses any).
    private static readonly ObservableGauge<long> QueueDepth = Meter.CreateObservableGauge(
        "argus.alerts.queue_depth", () => Open.Keys.Sum(s => (long)s.Reader.Count), "{alert}", "Alerts queued for live streams, not yet sent.");

    public static TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);

    public static void MapAlertApi(this IEndpointRouteBuilder routes)
    {
        routes.ApiGroup("/api/v1/alerts", "Alerts")
            .MapGet("/stream", StreamAsync).RequireCapability(Capability.ReviewAlerts).Produces(StatusCodes.Status200OK, contentType: "text/event-stream").DisableRateLimiting();
    }

    private static async Task StreamAsync(
        HttpContext http, ArgusRuntime runtime, AlertStream stream, SessionStore sessions, IHostApplicationLifetime lifetime, IOptions<JsonOptions> json, ILogger<AlertStream> logger)
    {
        var actor = http.Actor();

        // The stream lives as long as the account stays as it was: a change made in this process (disabled, a role or
        // scope taken away, a new password) cancels it at once; one made by another process (the CLI) moves the
        // user's security stamp, which is checked before every alert and every heartbeat.
        var stamp = http.ArgusSession()?.Stamp ?? (await runtime.Store.GetUserAsync(actor.Id, http.RequestAborted))?.SecurityStamp ?? -1;
        var accountChanged = sessions.Watch(actor.Id);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping, accountChanged);
        var ct = cts.Token;
        var endedBy = "client";
        var id = Guid.NewGuid().ToString("N")[..12];

        // The account change is asked first: ending the response makes the client go away too, so RequestAborted may
        // be set by the time this is asked.
        string WhyCancelled() => accountChanged.IsCancellationRequested ? "account_changed"
            : lifetime.ApplicationStopping.IsCancellationRequested ? "shutdown" : "client";

        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "alerts.stream_opened", $"stream:{id}"), ct);
        Log.StreamOpened(logger, id);

        // Subscribed before the first byte goes out: a client that has seen the opening comment misses nothing.
        using var subscription = stream.Subscribe();
        Subscribers.Add(1);
        Open[subscription] = 0;
        long delivered = 0, lostSeen = 0;
        try
        {
            http.Response.Headers.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            await http.Response.WriteAsync(": argus alerts\n\n", ct);
            await http.Response.Body.FlushAsync(ct);

            Task<bool>? wait = null;
            while (!ct.IsCancellationRequested)
            {
                // One pending wait survives heartbeats, so no waiter is abandoned on the channel.
                wait ??= subscription.Reader.WaitToReadAsync(ct).AsTask();
                var ready = await Task.WhenAny(wait, Task.Delay(Heartbeat, ct));
                if (ready != wait)
                {
                    if (ct.IsCancellationRequested)
                    {
                        break;
                    }

                    if (!await StillEntitledAsync(runtime, actor, stamp, ct))
                    {
                        endedBy = "account_changed";
                        break;
                    }

                    await WriteAsync(http, "heartbeat", null, "{}", ct);
                    continue;
                }

                var more = await wait;
                wait = null;
                if (!more)
                {
                    break;
                }

                while (subscription.Reader.TryRead(out var alert))
                {
                    if (!await StillEntitledAsync(runtime, actor, stamp, ct))
                    {
                        endedBy = "account_changed";
                        break;
                    }

                    if (!actor.Scope.CoversSite(alert.Site ?? "") || !CoversWatchlist(actor, alert))
                    {
                        continue;
                    }

                    await WriteAsync(http, "alert", alert.AlertId, JsonSerializer.Serialize(AlertDto.From(alert), json.Value.SerializerOptions), ct);
                    delivered++;
                    Delivered.Add(1);
                    if (alert.IsDecision && AlertDecisionEvent.From(alert) is { } decision)
                    {
                        // The wall's own event for a decision (who, what): the same published alert, named for the card.
                        await WriteAsync(http, "decision", null, JsonSerializer.Serialize(decision, json.Value.SerializerOptions), ct);
                    }
                }

                if (endedBy == "account_changed")
                {
                    break;
                }

                if (subscription.Lost is var lost && lost > lostSeen)
                {
                    Lost.Add(lost - lostSeen);
                    lostSeen = lost;
                    await WriteAsync(http, "lost", null, $"{{\"lost\":{lost}}}", ct);
                }
            }

            // The loop also ends without an exception when a cancelled wait (the decisions' or the alerts') is what
            // woke it: say why, as the catch below does.
            if (ct.IsCancellationRequested && endedBy == "client")
            {
                endedBy = WhyCancelled();
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away, the server is stopping, or the account changed (SessionStore.EndAll).
            endedBy = WhyCancelled();
        }
        finally
        {
            Subscribers.Add(-1);
            Open.TryRemove(subscription, out _);
            Log.StreamClosed(logger, id, delivered, lostSeen);
            await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "alerts.stream_closed", $"stream:{id}", AuditDetails.Of(("delivered", delivered), ("lost", lostSeen), ("ended_by", endedBy))), CancellationToken.None);
        }
    }

    /// <summary>The account behind the stream is still enabled and unchanged since it opened (same security stamp).</summary>
    private static async Task<bool> StillEntitledAsync(ArgusRuntime runtime, Principal actor, long stamp, CancellationToken ct) =>
        await runtime.Store.GetUserAsync(actor.Id, ct) is { Disabled: false } user && user.SecurityStamp == stamp;

    /// <summary>
    /// A user scoped to some watchlists sees only their alerts (the event names the person): the published alert says
    /// which watchlist it came from. An alert without one (not published by the feed) goes only to users scoped to all.
    /// </summary>
    private static bool CoversWatchlist(Principal actor, AlertEvent alert) =>
        actor.Scope.Watchlists.Contains(Scope.All) || (alert.Watchlist is { } watchlist && actor.Scope.CoversWatchlist(watchlist));

    private static async Task WriteAsync(HttpContext http, string type, string? id, string data, CancellationToken ct)
    {
        var text = id is null ? $"event: {type}\ndata: {data}\n\n" : $"event: {type}\nid: {id}\ndata: {data}\n\n";
        await http.Response.WriteAsync(text, ct);
        await http.Response.Body.FlushAsync(ct);
    }
}
