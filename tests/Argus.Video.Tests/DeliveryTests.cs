using System.Collections.Concurrent;
using Argus.Tests;
using Argus.Video.Delivery;

namespace Argus.Video.Tests;

[Trait("Category", "Integration")]
public sealed class DeliveryTests
{
    private static readonly WebhookOptions Fast = new() { MaxAttempts = 3, FirstRetry = TimeSpan.FromMilliseconds(20), RequestTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task A_webhook_receives_a_signed_alert_it_can_verify()
    {
        await using var receiver = new WebhookReceiver(_ => 200);
        var dead = new DeadLetters();
        await using (var dispatcher = new WebhookDispatcher([new WebhookEndpoint("post-1", receiver.Url, "s3cret")], dead, Fast))
        {
            dispatcher.Publish(Alert());
            await dispatcher.DrainAsync();
            Assert.Equal(1, dispatcher.Delivered);
        }

        var request = Assert.Single(receiver.Requests);
        Assert.Equal(WebhookDispatcher.Sign("s3cret", request.Timestamp, request.Body), request.Signature);
        Assert.NotEqual(WebhookDispatcher.Sign("wrong", request.Timestamp, request.Body), request.Signature);
        Assert.Contains("\"event\":\"alert.raised\"", request.Body, StringComparison.Ordinal);
        Assert.Contains("\"label\":\"Sheldon\"", request.Body, StringComparison.Ordinal);
        Assert.Empty(dead.Letters);
    }

    [Fact]
    public async Task A_webhook_receives_only_its_sites_and_event_kinds()
    {
        await using var north = new WebhookReceiver(_ => 200);
        await using var south = new WebhookReceiver(_ => 200);
        await using var updatesOnly = new WebhookReceiver(_ => 200);
        var dead = new DeadLetters();
        await using (var dispatcher = new WebhookDispatcher(
            [
                new WebhookEndpoint("n", north.Url, "k") { Sites = new HashSet<string> { "north" } },
                new WebhookEndpoint("s", south.Url, "k") { Sites = new HashSet<string> { "south" } },
                new WebhookEndpoint("u", updatesOnly.Url, "k") { Events = new HashSet<string> { "alert.updated" } },
            ],
            dead,
            Fast))
        {
            dispatcher.Publish(Alert());
            await dispatcher.DrainAsync();
        }

        Assert.Single(north.Requests);
        Assert.Empty(south.Requests);
        Assert.Empty(updatesOnly.Requests);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_until_delivered()
    {
        var calls = 0;
        await using var receiver = new WebhookReceiver(_ => Interlocked.Increment(ref calls) <= 2 ? 503 : 200);
        var dead = new DeadLetters();
        await using var dispatcher = new WebhookDispatcher([new WebhookEndpoint("post-1", receiver.Url, "k")], dead, Fast);
        dispatcher.Publish(Alert());
        await dispatcher.DrainAsync();
        Assert.Equal(3, receiver.Requests.Count);
        Assert.Equal(1, dispatcher.Delivered);
        Assert.Empty(dead.Letters);

        // Each retry carries the same delivery id, so receivers can de-duplicate.
        Assert.Single(receiver.Requests.Select(r => r.DeliveryId).Distinct());
    }

    [Fact]
    public async Task A_receiver_that_keeps_failing_gets_a_dead_letter_and_a_refusal_is_not_retried()
    {
        await using var failing = new WebhookReceiver(_ => 500);
        await using var refusing = new WebhookReceiver(_ => 400);
        var dead = new DeadLetters();
        await using var dispatcher = new WebhookDispatcher(
            [new WebhookEndpoint("failing", failing.Url, "k"), new WebhookEndpoint("refusing", refusing.Url, "k")], dead, Fast);
        dispatcher.Publish(Alert());
        await dispatcher.DrainAsync();
        Assert.Equal(3, failing.Requests.Count);
        Assert.Single(refusing.Requests);
        Assert.Equal(2, dispatcher.DeadLettered);
        var letter = Assert.Single(dead.Letters, l => l.EndpointId == "failing");
        Assert.Equal(3, letter.Attempts);
        Assert.Contains("HTTP 500", letter.LastError, StringComparison.Ordinal);
        Assert.Contains("HTTP 400", Assert.Single(dead.Letters, l => l.EndpointId == "refusing").LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_receiver_is_dead_lettered_after_the_attempts()
    {
        var dead = new DeadLetters();
        await using var dispatcher = new WebhookDispatcher([new WebhookEndpoint("gone", new Uri($"http://127.0.0.1:{WebhookReceiver.FreePort()}/hook"), "k")], dead, Fast);
        dispatcher.Publish(Alert());
        await dispatcher.DrainAsync();
        Assert.Equal(3, Assert.Single(dead.Letters).Attempts);
    }

    [Fact]
    public async Task The_alert_stream_fans_out_and_a_slow_subscriber_only_loses_its_own_oldest_alerts()
    {
        var stream = new AlertStream();
        using var fast = stream.Subscribe(capacity: 10);
        using var slow = stream.Subscribe(capacity: 2);
        for (var i = 0; i < 5; i++)
        {
            stream.Publish(Alert(trackId: i));
        }

        Assert.Equal(5, Drain(fast).Count);
        Assert.Equal([3L, 4L], Drain(slow).Select(a => a.TrackId));
        Assert.Equal(3, slow.Lost);

        slow.Dispose();
        stream.Publish(Alert());
        Assert.Single(Drain(fast));
    }

    private static List<AlertEvent> Drain(AlertStream.Subscription s)
    {
        var list = new List<AlertEvent>();
        while (s.Reader.TryRead(out var a))
        {
            list.Add(a);
        }

        return list;
    }

    private static AlertEvent Alert(long trackId = 1) => new(
        "a1", "cam1", "north", trackId, new FaceMatch(7, 70, "Sheldon", 0.62f), 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1), [0xFF, 0xD8], false);

    private sealed class DeadLetters : IDeadLetterStore
    {
        private readonly ConcurrentQueue<DeadLetter> _letters = new();

        public IReadOnlyList<DeadLetter> Letters => [.. _letters];

        public void Add(DeadLetter letter) => _letters.Enqueue(letter);
    }

}
