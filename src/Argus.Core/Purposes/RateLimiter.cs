using System.Collections.Concurrent;

namespace Argus.Core.Purposes;

/// <summary>
/// Per-user sliding-window limit (e.g. 30 searches per hour). Time comes from a <see cref="TimeProvider"/> so that
/// tests control it. Refusals are <c>rate.limited</c> and say when the next call is allowed.
/// </summary>
public sealed class RateLimiter(int limit, TimeSpan window, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _calls = new(StringComparer.Ordinal);

    public void Acquire(string user)
    {
        var now = time.GetUtcNow();
        var calls = _calls.GetOrAdd(user, _ => new Queue<DateTimeOffset>());
        lock (calls)
        {
            while (calls.Count > 0 && calls.Peek() <= now - window)
            {
                calls.Dequeue();
            }

            if (calls.Count >= limit)
            {
                var next = calls.Peek() + window;
                throw new ArgusException("rate.limited", $"Limit of {limit} per {window.TotalMinutes:0} minutes reached; the next one is allowed at {next:HH:mm:ss} UTC.");
            }

            calls.Enqueue(now);
        }
    }
}
