using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Argus.Tests;

/// <summary>One webhook request as received: body and Argus's signature, timestamp and delivery headers.</summary>
internal sealed record ReceivedWebhook(string Body, string Signature, string Timestamp, string DeliveryId);

/// <summary>
/// A webhook receiver on loopback (HttpListener on a free port) that records every request and answers with the status
/// the test chooses for the n-th request (1-based).
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedWebhook> _requests = new();
    private readonly Task _loop;

    public WebhookReceiver(Func<int, int> status)
    {
        Url = new Uri($"http://127.0.0.1:{FreePort()}/hook/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                var headers = context.Request.Headers;
                _requests.Enqueue(new ReceivedWebhook(body, headers["X-Argus-Signature"]!, headers["X-Argus-Timestamp"]!, headers["X-Argus-Delivery"]!));
                context.Response.StatusCode = status(_requests.Count);
                context.Response.Close();
            }
        });
    }

    /// <summary>Answers every request with <paramref name="status"/>.</summary>
    public WebhookReceiver(int status)
        : this(_ => status)
    {
    }

    public Uri Url { get; }

    public IReadOnlyList<ReceivedWebhook> Requests => [.. _requests];

    /// <summary>A loopback port that was free a moment ago (nothing listens on it once this returns).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
