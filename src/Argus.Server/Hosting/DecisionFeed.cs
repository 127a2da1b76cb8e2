using System.Threading.Channels;

namespace Argus.Server.Hosting;

/// <summary>A review decision as every open wall receives it: enough to refresh the alert's card, nothing more.</summary>
public sealed record AlertDecisionEvent(long AlertId, string Status, string Verdict, string By, string CameraId, string? Site, string Watchlist, DateTimeOffset At);

/// <summary>
/// Decisions fanned out to the live streams, so a confirmation or dismissal by anyone reaches every open wall at once
/// (the stream filters by the subscriber's sites and watchlists, as for alerts). In-process: decisions taken through
/// another server process reach its own streams only. Each subscriber has a bounded queue that drops its oldest
/// decision when full, so a stalled browser never holds memory; the wall re-reads the alert it names anyway.
/// </summary>
public sealed class DecisionFeed
{
    private readonly Lock _gate = new();
    private readonly List<Channel<AlertDecisionEvent>> _subscribers = [];

    public Subscription Subscribe(int capacity = 256)
    {
        var channel = Channel.CreateBounded<AlertDecisionEvent>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return new Subscription(this, channel);
    }

    public void Publish(AlertDecisionEvent decision)
    {
        Channel<AlertDecisionEvent>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var s in subscribers)
        {
            s.Writer.TryWrite(decision);
        }
    }

    public sealed class Subscription(DecisionFeed feed, Channel<AlertDecisionEvent> channel) : IDisposable
    {
        public ChannelReader<AlertDecisionEvent> Reader => channel.Reader;

        public void Dispose()
        {
            lock (feed._gate)
            {
                feed._subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        }
    }
}
