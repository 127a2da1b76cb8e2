using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Argus.Application.Auditing;
using Argus.Core.Audit;
using Argus.Server.Hosting;

namespace Argus.Server.Security;

/// <summary>
/// Unauthenticated failures per source, counted before anything is written. A source (an IPv4 address, or an IPv6
/// /64, since one host holds a whole /64) may fail <c>ARGUS_AUTH_FAILURES_PER_MINUTE</c> times (default 30) in a
/// one-minute window: a made-up bearer key, a wrong password, an expired or forged session cookie, a request without
/// credentials. Past that, every request of the source that carries credentials or needs them is answered 429
/// <c>rate.limited</c> without checking anything or touching the store, so a flood costs no database write and no
/// password hash; the number of requests so refused is chained once per window as an <c>auth.throttled</c> group.
/// A legitimate user behind the same address waits at most the rest of the minute.
/// </summary>
internal sealed class AuthFailureGate(TimeProvider time, IConfiguration configuration)
{
    public const string FailuresVariable = "ARGUS_AUTH_FAILURES_PER_MINUTE";
    public const string ThrottledAction = "auth.throttled";

    /// <summary>Sources tracked at most; beyond it the quietest windows are dropped first (bounded memory under a spread-out flood).</summary>
    private const int MaxSources = 100_000;

    private static readonly TimeSpan WindowLength = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly int _limit = Math.Max(1, configuration.GetValue(FailuresVariable, configuration.GetValue("Argus:AuthFailuresPerMinute", 30)));

    /// <summary>The source of a request: IPv4 address, or IPv6 /64 prefix; <c>unknown</c> without a remote address.</summary>
    public static string SourceOf(HttpContext http) => SourceOf(http.Connection.RemoteIpAddress);

    internal static string SourceOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>True when <paramref name="source"/> has used up its failures for this window; the refusal is counted (not written).</summary>
    public bool TryThrottle(string source, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        retryAfter = TimeSpan.Zero;
        if (!_windows.TryGetValue(source, out var w))
        {
            return false;
        }

        lock (w)
        {
            if (now - w.Start >= WindowLength || w.Failures < _limit)
            {
                return false;
            }

            w.Throttled++;
            retryAfter = w.Start + WindowLength - now;
            return true;
        }
    }

    /// <summary>Counts one failure of <paramref name="source"/> (a refused credential or a request without one).</summary>
    public void RecordFailure(string source)
    {
        var now = time.GetUtcNow();
        if (_windows.Count >= MaxSources && !_windows.ContainsKey(source))
        {
            Prune(now, force: true);
        }

        var w = _windows.GetOrAdd(source, _ => new Window(now));
        lock (w)
        {
            if (now - w.Start >= WindowLength)
            {
                // A new window; a throttled count left in the old one is written by the next sweep (FlushAsync).
                if (w.Throttled > 0)
                {
                    _pending.Enqueue((source, w.Throttled, w.Start));
                }

                w.Start = now;
                w.Failures = 0;
                w.Throttled = 0;
            }

            w.Failures++;
        }
    }

    private readonly ConcurrentQueue<(string Source, long Count, DateTimeOffset Since)> _pending = new();

    /// <summary>
    /// Chains the throttled counts of closed windows (<paramref name="all"/>: of every window, at shutdown) as
    /// <c>auth.throttled</c> groups, and forgets quiet sources. Called by the audit sweep, never per request.
    /// </summary>
    public async Task FlushAsync(ArgusRuntime runtime, bool all, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        foreach (var (source, w) in _windows)
        {
            lock (w)
            {
                if ((all || now - w.Start >= WindowLength) && w.Throttled > 0)
                {
                    _pending.Enqueue((source, w.Throttled, w.Start));
                    w.Throttled = 0;
                }
            }
        }

        Prune(now, force: false);
        var operations = runtime.Operations;
        while (_pending.TryDequeue(out var p))
        {
            await operations.AuditGroupedAsync(
                AuditGrouping.Key("throttled", p.Source),
                new AuditEvent("anonymous", ThrottledAction, "source:" + p.Source, "refused", AuditDetails.Of(("code", "rate.limited"), ("source", p.Source), ("window_start", p.Since))),
                AuditGrouping.Refusals(operations) with { RecordFirst = false },
                ct,
                p.Count);
        }
    }

    /// <summary>Requests refused without being checked, not yet chained (tests and metrics).</summary>
    public long PendingThrottled => _windows.Values.Sum(w => { lock (w) { return w.Throttled; } }) + _pending.Sum(p => p.Count);

    private void Prune(DateTimeOffset now, bool force)
    {
        foreach (var (source, w) in _windows)
        {
            bool stale;
            lock (w)
            {
                stale = w.Throttled == 0 && (now - w.Start >= WindowLength || (force && w.Failures < _limit));
            }

            if (stale)
            {
                _windows.TryRemove(source, out _);
            }
        }
    }

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; set; } = start;

        public int Failures { get; set; }

        public long Throttled { get; set; }
    }
}
