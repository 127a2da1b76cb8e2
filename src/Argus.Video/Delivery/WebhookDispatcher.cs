using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Argus.Video.Delivery;

/// <summary>
/// A receiver of alerts: its URL and the shared secret that signs every delivery to it; optionally only some event
/// kinds (<c>alert.raised</c>, <c>alert.updated</c>) and sites (null: all).
/// </summary>
public sealed record WebhookEndpoint(string Id, Uri Url, string Secret)
{
    public IReadOnlySet<string>? Events { get; init; }

    public IReadOnlySet<string>? Sites { get; init; }

    /// <summary>Whether this receiver takes <paramref name="alert"/>: its event kind, and its site (an alert without a site goes only to all-site receivers).</summary>
    public bool Accepts(AlertEvent alert) =>
        (Events is null || Events.Contains(WebhookDispatcher.EventKind(alert))) && (Sites is null || (alert.Site is { } site && Sites.Contains(site)));
}

/// <summary>A delivery that kept failing, kept for an administrator to inspect and replay.</summary>
public sealed record DeadLetter(string EndpointId, string DeliveryId, string Body, int Attempts, string LastError, DateTimeOffset At);

public interface IDeadLetterStore
{
    void Add(DeadLetter letter);
}

public sealed record WebhookOptions
{
    public int MaxAttempts { get; init; } = 6;

    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetry { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int QueueCapacity { get; init; } = 10_000;
}

/// <summary>
/// Delivers alerts to webhooks: JSON bodies signed with HMAC-SHA256 over <c>timestamp.body</c>
/// (<c>X-Argus-Signature: sha256=…</c>, <c>X-Argus-Timestamp</c>), retried with exponential backoff on network
/// errors, 5xx, 408 and 429, and dead-lettered when attempts run out or the receiver refuses (other 4xx).
/// Deliveries to one endpoint are sequential; endpoints do not wait for each other.
/// </summary>
public sealed class WebhookDispatcher : IAlertSink, IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly IDeadLetterStore _deadLetters;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly List<(WebhookEndpoint Endpoint, Channel<(string Id, string Body)> Queue, Task Worker)> _endpoints = [];
    private readonly CancellationTokenSource _stop = new();
    private long _delivered;
    private long _deadLettered;

    public WebhookDispatcher(IEnumerable<WebhookEndpoint> endpoints, IDeadLetterStore deadLetters, WebhookOptions? options = null, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        _options = options ?? new WebhookOptions();
        _deadLetters = deadLetters;
        _time = time ?? TimeProvider.System;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = _options.RequestTimeout;
        foreach (var endpoint in endpoints)
        {
            var queue = Channel.CreateBounded<(string, string)>(new BoundedChannelOptions(_options.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
            _endpoints.Add((endpoint, queue, Task.Run(() => Deliver(endpoint, queue.Reader, _stop.Token))));
        }
    }

    public long Delivered => Interlocked.Read(ref _delivered);

    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public void Publish(AlertEvent alert)
    {
        var body = Body(alert);
        foreach (var (endpoint, queue, _) in _endpoints)
        {
            if (!endpoint.Accepts(alert))
            {
                continue;
            }

            var id = Guid.NewGuid().ToString("N");
            if (!queue.Writer.TryWrite((id, body)))
            {
                Dead(endpoint, id, body, 0, "the delivery queue is full");
            }
        }
    }

    /// <summary>Waits until every queued delivery has succeeded or been dead-lettered.</summary>
    public async Task DrainAsync(CancellationToken ct = default)
    {
        foreach (var (_, queue, _) in _endpoints)
        {
            queue.Writer.TryComplete();
        }

        await Task.WhenAll(_endpoints.Select(e => e.Worker)).WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var (_, queue, worker) in _endpoints)
        {
            queue.Writer.TryComplete();
            try
            {
                await worker;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _http.Dispose();
        _stop.Dispose();
    }

    /// <summary>Signature a receiver recomputes: hex HMAC-SHA256 of <c>"{timestamp}.{body}"</c> with the shared secret.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    public static string EventKind(AlertEvent a) => a.Kind;

    internal static string Body(AlertEvent a) => new JsonObject
    {
        ["event"] = EventKind(a),
        ["alert_id"] = a.AlertId,
        ["camera_id"] = a.CameraId,
        ["site"] = a.Site,
        ["track_id"] = a.TrackId,
        ["subject_id"] = a.Match.SubjectId,
        ["template_id"] = a.Match.TemplateId,
        ["label"] = a.Match.Label,
        ["score"] = Math.Round(a.Match.Score, 4),
        ["supporting_shots"] = a.SupportingShots,
        ["first_seen_at"] = a.FirstSeenAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["raised_at"] = a.RaisedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["deciding_frame_at"] = a.DecidingFrameAt == default ? null : a.DecidingFrameAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["latency_ms"] = (long)a.Latency.TotalMilliseconds,
        ["deployment"] = a.Deployment,
        ["watchlist"] = a.Watchlist,
        ["status"] = a.Status?.ToString(),
        ["snapshot_png_base64"] = Convert.ToBase64String(a.SnapshotPng),
    }.ToJsonString();

    private async Task Deliver(WebhookEndpoint endpoint, ChannelReader<(string Id, string Body)> queue, CancellationToken ct)
    {
        await foreach (var (id, body) in queue.ReadAllAsync(ct))
        {
            var delay = _options.FirstRetry;
            string error = "";
            var attempt = 0;
            while (attempt < _options.MaxAttempts)
            {
                attempt++;
                var (ok, retryable, message) = await Post(endpoint, id, body, ct);
                if (ok)
                {
                    Interlocked.Increment(ref _delivered);
                    error = "";
                    break;
                }

                error = message;
                if (!retryable || attempt == _options.MaxAttempts)
                {
                    break;
                }

                await Task.Delay(delay, _time, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetry.Ticks));
            }

            if (error.Length > 0)
            {
                Dead(endpoint, id, body, attempt, error);
            }
        }
    }

    private async Task<(bool Ok, bool Retryable, string Error)> Post(WebhookEndpoint endpoint, string id, string body, CancellationToken ct)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Argus-Delivery", id);
        request.Headers.Add("X-Argus-Timestamp", timestamp);
        request.Headers.Add("X-Argus-Signature", Sign(endpoint.Secret, timestamp, body));
        try
        {
            using var response = await _http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                return (true, false, "");
            }

            var code = (int)response.StatusCode;
            var retryable = code >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            return (false, retryable, $"HTTP {code} {response.ReasonPhrase}");
        }
        catch (HttpRequestException e)
        {
            return (false, true, e.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, true, $"no answer within {_options.RequestTimeout.TotalSeconds:0} s");
        }
    }

    private void Dead(WebhookEndpoint endpoint, string id, string body, int attempts, string error)
    {
        Interlocked.Increment(ref _deadLettered);
        _deadLetters.Add(new DeadLetter(endpoint.Id, id, body, attempts, error, _time.GetUtcNow()));
    }
}
