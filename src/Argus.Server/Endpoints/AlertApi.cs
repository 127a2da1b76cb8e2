using System.Diagnostics.Metrics;
using System.Text.Json;
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
    public static AlertDto From(AlertEvent a) => new(
        a.AlertId, a.CameraId, a.Site, a.TrackId, a.Match.SubjectId, a.Match.TemplateId, a.Match.Label, Math.Round(a.Match.Score, 4), a.SupportingShots,
        a.FirstSeenAt, a.RaisedAt, a.IsUpdate, Convert.ToBase64String(a.SnapshotPng));
}

/// <summary>
/// <c>GET /api/v1/alerts/stream</c>: server-sent events relaying the in-process <see cref="AlertStream"/>, only alerts
/// of cameras at sites in the caller's scope (a camera without a site only to users scoped to all sites). Events:
/// <c>alert</c> (id = alert id, data = <see cref="AlertDto"/> JSON), <c>lost</c> (data <c>{"lost":N}</c>: alerts
/// dropped because this client was too slow), <c>heartbeat</c> every 15 s. Ends at shutdown.
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
        HttpContext http, ArgusRuntime runtime, AlertStream stream, IHostApplicationLifetime lifetime, IOptions<JsonOptions> json, ILogger<AlertStream> logger)
    {
        var actor = http.Actor();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = cts.Token;
        var id = Guid.NewGuid().ToString("N")[..12];
        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "alerts.stream_opened", $"stream:{id}"), ct);
        Log.StreamOpened(logger, id);

        // Subscribed before the first byte goes out: a client that has seen the opening comment misses nothing.
        using var subscription = stream.Subscribe();
        using var decisions = http.RequestServices.GetRequiredService<DecisionFeed>().Subscribe();
        Task<bool>? decided = null;
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
                decided ??= decisions.Reader.WaitToReadAsync(ct).AsTask();
                var ready = await Task.WhenAny(wait, decided, Task.Delay(Heartbeat, ct));
                if (ready == decided)
                {
                    decided = null;
                    while (decisions.Reader.TryRead(out var d))
                    {
                        // The same scope as the alert itself: its site and its watchlist.
                        if (actor.Scope.CoversSite(d.Site ?? "") && actor.Scope.CoversWatchlist(d.Watchlist))
                        {
                            await WriteAsync(http, "decision", null, JsonSerializer.Serialize(d, json.Value.SerializerOptions), ct);
                        }
                    }

                    continue;
                }

                if (ready != wait)
                {
                    if (ct.IsCancellationRequested)
                    {
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
                    if (!actor.Scope.CoversSite(alert.Site ?? "") || !await CoversWatchlistAsync(runtime, actor, alert, ct))
                    {
                        continue;
                    }

                    await WriteAsync(http, "alert", alert.AlertId, JsonSerializer.Serialize(AlertDto.From(alert), json.Value.SerializerOptions), ct);
                    delivered++;
                    Delivered.Add(1);
                }

                if (subscription.Lost is var lost && lost > lostSeen)
                {
                    Lost.Add(lost - lostSeen);
                    lostSeen = lost;
                    await WriteAsync(http, "lost", null, $"{{\"lost\":{lost}}}", ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            Subscribers.Add(-1);
            Open.TryRemove(subscription, out _);
            Log.StreamClosed(logger, id, delivered, lostSeen);
            await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "alerts.stream_closed", $"stream:{id}", AuditDetails.Of(("delivered", delivered), ("lost", lostSeen))), CancellationToken.None);
        }
    }

    /// <summary>
    /// A user scoped to some watchlists sees only their alerts (the event names the person): the stored alert says
    /// which watchlist it came from. Users scoped to all watchlists need no lookup.
    /// </summary>
    private static async Task<bool> CoversWatchlistAsync(ArgusRuntime runtime, Principal actor, AlertEvent alert, CancellationToken ct) =>
        actor.Scope.Watchlists.Contains(Scope.All)
        || (long.TryParse(alert.AlertId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            && await runtime.Store.GetAlertAsync(id, ct) is { } stored && actor.Scope.CoversWatchlist(stored.Watchlist));

    private static async Task WriteAsync(HttpContext http, string type, string? id, string data, CancellationToken ct)
    {
        var text = id is null ? $"event: {type}\ndata: {data}\n\n" : $"event: {type}\nid: {id}\ndata: {data}\n\n";
        await http.Response.WriteAsync(text, ct);
        await http.Response.Body.FlushAsync(ct);
    }
}
