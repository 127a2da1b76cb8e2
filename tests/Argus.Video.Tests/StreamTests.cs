using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Argus.Bench;
using Argus.Tests;
using OpenCvSharp;

namespace Argus.Video.Tests;

/// <summary>Live sources on loopback: ffmpeg as an RTSP server, and misbehaving HTTP servers written here.</summary>
[Trait("Category", "Integration")]
public sealed class StreamTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private static readonly ReaderOptions FastRetry = new() { InitialBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(1), StallTimeout = TimeSpan.FromSeconds(2) };

    [SkippableFact]
    public async Task An_rtsp_camera_reconnects_after_its_server_is_killed_and_carries_on()
    {
        using var dir = TestPaths.TempDirectory();
        var clip = Clips.Build(dir.File("loop.mp4"), 640, 360, 10, 4, new Appearance("images/faceapi_sheldon/sheldon3.png", 0, 4, 100, 50, 200));
        var port = FreePort();
        var url = $"rtsp://127.0.0.1:{port}/live";
        var server = StartRtspServer(clip, port);
        try
        {
            var settings = new CameraSettings("rtsp", "rtsp cam", null, CameraSource.Parse(url)) { Reader = FastRetry };
            await using var pipeline = new CameraPipeline(settings, fixture.Engine, new AlertCollector());
            pipeline.Start();
            await Until(() => pipeline.Health.FramesIn > 20, TimeSpan.FromSeconds(30), "first frames over RTSP", pipeline);
            Assert.Equal(CameraState.Running, pipeline.Health.State);

            server.Kill();
            await Until(() => pipeline.Health.State == CameraState.Reconnecting && pipeline.Health.LastError is not null, TimeSpan.FromSeconds(20), "noticing the lost stream", pipeline);
            var before = pipeline.Health.FramesIn;

            server.Dispose();
            server = StartRtspServer(clip, port);
            await Until(() => pipeline.Health.FramesIn > before + 20 && pipeline.Health.State == CameraState.Running, TimeSpan.FromSeconds(40), "frames after reconnecting", pipeline);
            Assert.True(pipeline.Health.Reconnects >= 1);
        }
        finally
        {
            server.Dispose();
        }
    }

    [SkippableFact]
    public async Task An_rtsp_publisher_stopped_for_5_s_shows_as_an_outage_within_3_s_and_its_restarted_stream_is_analysed_within_5_s_and_alerts()
    {
        // Default reader options: the timings are the product's, not a test's shortcut.
        using var dir = TestPaths.TempDirectory();
        var before = Clips.Build(dir.File("before.mp4"), 640, 360, 10, 4, new Appearance("images/faceapi_penny/penny2.png", 0, 4, 100, 50, 180));
        var after = Clips.Build(dir.File("after.mp4"), 640, 360, 10, 4, new Appearance("images/faceapi_sheldon/sheldon3.png", 0, 4, 100, 50, 180));
        var matcher = new PhotoMatcher(fixture.Engine, 0.45f, (1, "Sheldon", "images/faceapi_sheldon/sheldon1.png"));
        var port = FreePort();
        using var server = StartRtspServer(before, port);
        var alerts = new AlertCollector();
        var settings = new CameraSettings("rtsp", "rtsp cam", null, CameraSource.Parse($"rtsp://127.0.0.1:{port}/live"));
        await using var pipeline = new CameraPipeline(settings, fixture.Engine, alerts, matcher);
        pipeline.Start();
        await Until(() => pipeline.Health.FramesAnalysed > 10, TimeSpan.FromSeconds(30), "first frames over RTSP", pipeline);
        Assert.Empty(alerts.Alerts);

        server.StopPublisher();
        var stopped = Stopwatch.StartNew();
        await Until(() => pipeline.Health.State != CameraState.Running, TimeSpan.FromSeconds(10), "the outage in health", pipeline);
        var noticed = stopped.Elapsed;
        Assert.True(noticed <= TimeSpan.FromSeconds(3), $"the outage showed after {noticed.TotalSeconds:0.0} s; health: {pipeline.Health}");
        await Task.Delay(TimeSpan.FromSeconds(5) - stopped.Elapsed);
        Assert.NotEqual(CameraState.Running, pipeline.Health.State);
        Assert.Empty(alerts.Alerts);

        var analysedBefore = pipeline.Health.FramesAnalysed;
        var restartedAt = DateTimeOffset.UtcNow;
        server.StartPublisher(after);
        var restarted = Stopwatch.StartNew();
        await Until(
            () => pipeline.Health is { State: CameraState.Running } h && h.FramesAnalysed > analysedBefore + 2 && h.LastFrameAt > restartedAt,
            TimeSpan.FromSeconds(20), "analysing the restarted stream", pipeline);
        var back = restarted.Elapsed;
        Assert.True(back <= TimeSpan.FromSeconds(5), $"analysing again {back.TotalSeconds:0.0} s after the publisher came back; health: {pipeline.Health}");

        await Until(() => alerts.Alerts.Any(a => a.Match.Label == "Sheldon"), TimeSpan.FromSeconds(20), "an alert for the person shown after the outage", pipeline);
        var alert = alerts.Alerts.First(a => a.Match.Label == "Sheldon");
        Assert.True(alert.FirstSeenAt >= restartedAt, $"first seen {alert.FirstSeenAt:O}, restarted {restartedAt:O}");
        Assert.True(alert.DecidingFrameAt >= alert.FirstSeenAt);
        Assert.InRange(alert.Latency, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.True(pipeline.Health.Reconnects >= 1);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("stall")]
    public async Task A_stream_that_sends_garbage_or_stalls_is_an_error_state_not_a_crash(string behaviour)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var cts = new CancellationTokenSource();
        var serve = Task.Run(async () =>
        {
            var random = new Random(7);
            while (!cts.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(cts.Token);
                var stream = client.GetStream();
                if (behaviour == "garbage")
                {
                    var junk = new byte[64 * 1024];
                    random.NextBytes(junk);
                    await stream.WriteAsync(junk, cts.Token);
                }
                else
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), cts.Token);
                }
            }
        });

        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/stream.mjpg";
        var settings = new CameraSettings("bad", "bad cam", null, CameraSource.Parse(url)) { Reader = FastRetry };
        await using (var pipeline = new CameraPipeline(settings, fixture.Engine, new AlertCollector()))
        {
            pipeline.Start();
            await Until(() => pipeline.Health.LastError is not null && pipeline.Health.Reconnects >= 1, TimeSpan.FromSeconds(30), "an error state");
            Assert.NotEqual(CameraState.Running, pipeline.Health.State);
            Assert.Equal(0, pipeline.Health.FramesIn);
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serve);
    }

    [Fact]
    public async Task A_resolution_change_mid_stream_is_reported_and_the_camera_reconnects()
    {
        var port = FreePort();
        using var http = new HttpListener();
        http.Prefixes.Add($"http://127.0.0.1:{port}/");
        http.Start();
        using var cts = new CancellationTokenSource();
        var serve = Task.Run(() => ServeMjpeg(http, cts.Token));

        var settings = new CameraSettings("mjpeg", "mjpeg cam", null, CameraSource.Parse($"http://127.0.0.1:{port}/stream.mjpg")) { Reader = FastRetry };
        await using (var pipeline = new CameraPipeline(settings, fixture.Engine, new AlertCollector()))
        {
            pipeline.Start();
            await Until(() => pipeline.Health.LastError?.Contains("resolution changed", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(30), "the resolution change", pipeline);
            Assert.Contains("640x480 to 320x240", pipeline.Health.LastError, StringComparison.Ordinal);
            await Until(() => pipeline.Health.Reconnects >= 1, TimeSpan.FromSeconds(10), "a reconnect");
        }

        await cts.CancelAsync();
        http.Stop();
        try
        {
            await serve;
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
        {
        }
    }

    /// <summary>multipart/x-mixed-replace MJPEG: 20 frames at 640x480, then 320x240 frames.</summary>
    private static async Task ServeMjpeg(HttpListener http, CancellationToken ct)
    {
        using var big = new Mat(480, 640, MatType.CV_8UC3, new Scalar(90, 120, 150));
        using var small = new Mat(240, 320, MatType.CV_8UC3, new Scalar(150, 120, 90));
        var bigJpeg = big.ImEncode(".jpg");
        var smallJpeg = small.ImEncode(".jpg");
        while (!ct.IsCancellationRequested)
        {
            var context = await http.GetContextAsync().WaitAsync(ct);
            _ = Task.Run(async () =>
            {
                try
                {
                    context.Response.ContentType = "multipart/x-mixed-replace;boundary=frame";
                    context.Response.SendChunked = true;
                    var output = context.Response.OutputStream;
                    for (var i = 0; i < 200 && !ct.IsCancellationRequested; i++)
                    {
                        var jpeg = i < 20 ? bigJpeg : smallJpeg;
                        var header = System.Text.Encoding.ASCII.GetBytes($"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\n\r\n");
                        await output.WriteAsync(header, ct);
                        await output.WriteAsync(jpeg, ct);
                        await output.WriteAsync("\r\n"u8.ToArray(), ct);
                        await output.FlushAsync(ct);
                        await Task.Delay(50, ct);
                    }

                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // The camera hung up on us (it reconnects); nothing to do.
                }
            }, ct);
        }
    }

    /// <summary>
    /// An RTSP server on loopback: Debian's rtsp-server-perl serving clients on <paramref name="clientPort"/>, fed by
    /// ffmpeg publishing the clip (ffmpeg alone can only push to a server, not serve pulling clients).
    /// </summary>
    private static RtspServer StartRtspServer(string clip, int clientPort)
    {
        var sourcePort = FreePort();
        var server = Start("rtsp-server-perl", "--clientport", $"{clientPort}", "--serverport", $"{sourcePort}", "--client_listen_address", "127.0.0.1", "--source_listen_address", "127.0.0.1", "--loglevel", "1");
        WaitForPort(sourcePort);
        WaitForPort(clientPort);
        return new RtspServer(server, Publish(clip, sourcePort), sourcePort);
    }

    /// <summary>ffmpeg publishing <paramref name="clip"/> in a loop to the server's source port.</summary>
    private static Process Publish(string clip, int sourcePort)
    {
        // Under load the publisher can lose the race with the server's start-up; start it again until it stays up.
        for (var attempt = 1; ; attempt++)
        {
            var publisher = Start(
                "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-an", "-c:v", "libx264", "-preset", "ultrafast",
                "-tune", "zerolatency", "-g", "10", "-f", "rtsp", $"rtsp://127.0.0.1:{sourcePort}/live");
            if (!publisher.WaitForExit(2000) || attempt == 5)
            {
                return publisher;
            }

            publisher.Dispose();
        }
    }

    private static Process Start(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    private sealed class RtspServer(Process server, Process publisher, int sourcePort) : IDisposable
    {
        private Process _publisher = publisher;

        public void Kill()
        {
            foreach (var p in new[] { _publisher, server })
            {
                Stop(p);
            }
        }

        /// <summary>
        /// The camera's encoder goes away; the server stays up. Stopped with SIGTERM, so it tears its session down:
        /// rtsp-server-perl keeps the mount of a publisher killed outright and refuses (403) the next one's ANNOUNCE.
        /// </summary>
        public void StopPublisher()
        {
            using (var term = Process.Start("kill", ["-TERM", _publisher.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                term.WaitForExit(5000);
            }

            if (!_publisher.WaitForExit(5000))
            {
                Stop(_publisher);
            }
        }

        public void StartPublisher(string clip)
        {
            _publisher.Dispose();
            _publisher = Publish(clip, sourcePort);
        }

        public void Dispose()
        {
            Kill();
            server.Dispose();
            _publisher.Dispose();
        }

        private static void Stop(Process p)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
        }
    }

    private static void WaitForPort(int port)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(15))
            {
                Thread.Sleep(100);
            }
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task Until(Func<bool> condition, TimeSpan timeout, string what, CameraPipeline? pipeline = null)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for {what}; health: {pipeline?.Health}");
            }

            await Task.Delay(100);
        }
    }
}
