using System.Threading.Channels;

namespace Argus.Video.Delivery;

/// <summary>
/// The in-process alert stream that the server's live hub, webhooks and <c>argus watch</c> subscribe to. Each
/// subscriber has its own bounded queue; a subscriber that falls behind loses its oldest alerts (counted), never
/// slows the cameras.
/// </summary>
public sealed class AlertStream : IAlertSink
{
    private readonly object _gate = new();
    private readonly List<Subscription> _subscribers = [];

    public Subscription Subscribe(int capacity = 1000)
    {
        var subscription = new Subscription(this, capacity);
        lock (_gate)
        {
            _subscribers.Add(subscription);
        }

        return subscription;
    }

    public void Publish(AlertEvent alert)
    {
        Subscription[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var s in subscribers)
        {
            s.Offer(alert);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscribers.Remove(subscription);
        }
    }

    public sealed class Subscription : IDisposable
    {
        private readonly AlertStream _stream;
        private readonly Channel<AlertEvent> _channel;
        private long _lost;

        internal Subscription(AlertStream stream, int capacity)
        {
            _stream = stream;
            _channel = Channel.CreateBounded<AlertEvent>(
                new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                _ => Interlocked.Increment(ref _lost));
        }

        public ChannelReader<AlertEvent> Reader => _channel.Reader;

        /// <summary>Alerts dropped because this subscriber was too slow.</summary>
        public long Lost => Interlocked.Read(ref _lost);

        public void Dispose()
        {
            _stream.Remove(this);
            _channel.Writer.TryComplete();
        }

        internal void Offer(AlertEvent alert) => _channel.Writer.TryWrite(alert);
    }
}

/// <summary>Publishes each alert to several sinks; one failing sink does not stop the others.</summary>
public sealed class AlertFanOut(params IAlertSink[] sinks) : IAlertSink
{
    public void Publish(AlertEvent alert)
    {
        foreach (var sink in sinks)
        {
            try
            {
                sink.Publish(alert);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A sink's own failures are its to report (webhooks dead-letter); the camera carries on.
            }
        }
    }
}
