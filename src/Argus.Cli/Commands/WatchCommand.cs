using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Application.Alerts;
using Argus.Application.Deployments;
using Argus.Storage;
using Argus.Video;
using Argus.Video.Delivery;
using Argus.Vision.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus watch SOURCE --watchlist W --authorisation REF</c>: one camera, matched against the active entries of the
/// named watchlists for the length of an ad-hoc deployment, with alerts printed live. The deployment's working copy of
/// the watchlists lives only in this process and is discarded at the end; start, each alert and the end are audited.
/// </summary>
internal static class WatchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var source = new Argument<string>("source") { Description = "Video file, rtsp://…, http(s):// MJPEG or device:N" };
        var watchlists = new Option<string[]>("--watchlist") { Description = "Watchlist to match against (repeatable)", Required = true };
        var authorisation = new Option<string>("--authorisation") { Description = "Number of the authorisation (recorded by an authorising official) this deployment relies on", Required = true };
        var minutes = new Option<double>("--minutes") { Description = "Length of the deployment", DefaultValueFactory = _ => 60 };
        var camera = new Option<string>("--camera") { Description = "Camera id for alerts and audit", DefaultValueFactory = _ => "watch" };
        var site = new Option<string?>("--site") { Description = "Site of the camera" };
        var fps = new Option<double>("--analysis-fps") { Description = "Frames analysed per second", DefaultValueFactory = _ => 5 };
        var tiling = new Option<bool>("--tiling")
        {
            Description = "Tile frames so that small faces are found (default); --tiling false detects on the whole frame only",
            DefaultValueFactory = _ => true,
        };
        var smallestFace = new Option<int>("--smallest-face") { Description = "Smallest face to find, in pixels: sizes the tiles (default 40)", DefaultValueFactory = _ => 40 };
        var region = new Option<string?>("--region") { Description = "Where faces appear, as x,y,width,height fractions of the frame (e.g. 0,0.3,1,0.5): tiles only there" };
        var loop = new Option<bool>("--loop") { Description = "Replay a file source in a loop" };
        var command = new Command("watch", "Watch one camera against watchlists for an authorised deployment, printing alerts live.")
        {
            source, watchlists, authorisation, minutes, camera, site, fps, tiling, smallestFace, region, loop, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var cameraId = parse.GetValue(camera)!;
            var runs = host.Services.GetRequiredService<LiveRunService>();
            var watch = await runs.StartWatchAsync(
                actor, new WatchRequest(cameraId, parse.GetValue(site), parse.GetValue(watchlists)!, parse.GetValue(authorisation)!, TimeSpan.FromMinutes(parse.GetValue(minutes))), ct);
            var (deployment, matcher) = (watch.Deployment, watch.Matcher);
            var names = deployment.Watchlists;
            var now = deployment.Start;

            var json = parse.GetValue(ArgusCli.JsonOption);
            var redacted = CameraSource.Parse(parse.GetValue(source)!).Redacted;
            if (json)
            {
                host.Out.WriteLine(new JsonObject
                {
                    ["event"] = "watch.started",
                    ["at"] = Now(),
                    ["deployment"] = deployment.Id,
                    ["camera"] = cameraId,
                    ["site"] = deployment.Site,
                    ["source"] = redacted,
                    ["watchlists"] = new JsonArray([.. names.Select(n => (JsonNode?)JsonValue.Create(n))]),
                    ["entries"] = matcher.Entries,
                    ["until"] = deployment.End.ToString("O", CultureInfo.InvariantCulture),
                }.ToJsonString());
            }
            else
            {
                host.Out.WriteLine($"watching {redacted} against {string.Join(", ", names)} ({matcher.Entries} active entries) until {deployment.End:yyyy-MM-dd HH:mm} UTC");
            }

            // Alerts are stored, audited and sent to the stored webhooks by the alert feed, as for registered cameras.
            await using var desk = new AlertFeed(store, host.AuditChain(), new AlertDeskOptions { Environment = CliEnvironment.Get }, CliEnvironment.Time);
            await desk.LoadWebhooksAsync(ct);
            var stream = new AlertStream();
            using var subscription = stream.Subscribe();
            var settings = new CameraSettings(cameraId, cameraId, deployment.Site, CameraSource.Parse(parse.GetValue(source)!, parse.GetValue(loop)))
            {
                AnalysisFps = parse.GetValue(fps),
                Tiling = !parse.GetValue(tiling)
                    ? TilingOptions.WholeFrame
                    : TilingOptions.ForSmallestFace(parse.GetValue(smallestFace)) with
                    {
                        Region = parse.GetValue(region) is { } r ? DetectionRegion.Parse(r) : DetectionRegion.Whole,
                    },
            };
            var alerts = 0;
            PipelineCounters counters;
            await using (var pipeline = new CameraPipeline(settings, host.Engine(), stream, matcher))
            {
                pipeline.Start();
                using var until = CancellationTokenSource.CreateLinkedTokenSource(ct);
                until.CancelAfter(deployment.End - now);
                var done = pipeline.Completion;
                var health = new HealthPrinter(host, json, cameraId);
                while (!until.IsCancellationRequested && !(done.IsCompleted && subscription.Reader.Count == 0))
                {
                    health.Print(pipeline.Health, force: false);
                    while (subscription.Reader.TryRead(out var alert))
                    {
                        var entry = matcher.EntryOf(alert.Match.SubjectId);
                        var raised = await desk.RaiseAsync(alert, deployment.Id, entry, CancellationToken.None);
                        alerts += raised.Updated ? 0 : 1;
                        Print(host, json, alert with { AlertId = raised.Alert.Id.ToString(CultureInfo.InvariantCulture), IsUpdate = raised.Updated, Deployment = deployment.Id }, entry);
                    }

                    try
                    {
                        await Task.WhenAny(done, Task.Delay(100, until.Token));
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                counters = pipeline.Counters;
                health.Print(pipeline.Health, force: true);
            }

            await runs.EndWatchAsync(actor, watch, alerts, counters);
            if (json)
            {
                host.Out.WriteLine(new JsonObject
                {
                    ["event"] = "watch.ended",
                    ["at"] = Now(),
                    ["deployment"] = deployment.Id,
                    ["camera"] = cameraId,
                    ["alerts"] = alerts,
                    ["faces_seen"] = counters.FacesSeen,
                    ["tracks_without_match"] = counters.TracksEndedWithoutMatch,
                }.ToJsonString());
            }
            else
            {
                host.Out.WriteLine($"deployment ended: {alerts} alert(s); {counters.FacesSeen} faces seen, {counters.TracksEndedWithoutMatch} tracks matched nothing and left no trace");
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static void Print(CliHost host, bool json, AlertEvent alert, StoredEntry entry)
    {
        var policy = CategoryPolicyOf(entry);
        var basis = entry.Entry.LegalBasis;
        if (json)
        {
            host.Out.WriteLine(new JsonObject
            {
                ["event"] = alert.Kind,
                ["alert_id"] = alert.AlertId,
                ["camera"] = alert.CameraId,
                ["site"] = alert.Site,
                ["watchlist"] = entry.Watchlist.Name,
                ["entry_id"] = entry.Id,
                ["subject_id"] = alert.Match.SubjectId,
                ["label"] = alert.Match.Label,
                ["colour"] = policy.Colour,
                ["severity"] = policy.Severity.ToString().ToLowerInvariant(),
                ["score"] = Math.Round(alert.Match.Score, 4),
                ["supporting_shots"] = alert.SupportingShots,
                ["latency_ms"] = (long)alert.Latency.TotalMilliseconds,
                ["case"] = basis.CaseNumber,
                ["deployment"] = alert.Deployment,
                ["first_seen_at"] = alert.FirstSeenAt.ToString("O", CultureInfo.InvariantCulture),
                ["deciding_frame_at"] = alert.DecidingFrameAt == default ? null : alert.DecidingFrameAt.ToString("O", CultureInfo.InvariantCulture),
                ["raised_at"] = alert.RaisedAt.ToString("O", CultureInfo.InvariantCulture),
            }.ToJsonString());
            return;
        }

        var warning = policy.ShowWarning ? "WARNING " : "";
        host.Out.WriteLine(
            $"{alert.RaisedAt:HH:mm:ss} [{policy.Colour}] {warning}{(alert.IsUpdate ? "update" : "ALERT")} {alert.CameraId}: {alert.Match.Label} " +
            $"score {alert.Match.Score:0.000} over {alert.SupportingShots} shots; {entry.Watchlist.Name} entry #{entry.Id}, case {basis.CaseNumber}, {basis.Grounds}, " +
            $"{basis.LegalInstrument}, until {basis.Expiry:yyyy-MM-dd}");
    }

    private static string Now() => CliEnvironment.Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>
    /// The camera's health while watching: with <c>--json</c> a <c>camera.health</c> line whenever the state changes
    /// and otherwise every 5 s; in text only changes of state (an outage, a reconnection) with the last error.
    /// </summary>
    private sealed class HealthPrinter(CliHost host, bool json, string camera)
    {
        private CameraState? _state;
        private DateTimeOffset _printedAt;

        public void Print(CameraHealth h, bool force)
        {
            var now = CliEnvironment.Time.GetUtcNow();
            var changed = h.State != _state;
            if (!force && !changed && (!json || now - _printedAt < TimeSpan.FromSeconds(5)))
            {
                return;
            }

            _state = h.State;
            _printedAt = now;
            if (json)
            {
                var line = CameraHealthOutput.Json(camera, h, h.LastError);
                line["at"] = now.ToString("O", CultureInfo.InvariantCulture);
                host.Out.WriteLine(line.ToJsonString());
            }
            else if (changed)
            {
                host.Out.WriteLine($"{now:HH:mm:ss} camera {camera}: {CameraHealthOutput.State(h)}{(h.LastError is { } e && h.State != CameraState.Running ? $" ({e})" : "")}");
            }
        }
    }

    private static Core.Watchlists.CategoryPolicy CategoryPolicyOf(StoredEntry entry) =>
        Core.Watchlists.CategoryPolicy.For(entry.Watchlist.Category, entry.Watchlist.Category == Core.Watchlists.WatchlistCategory.Custom ? entry.Watchlist.Severity : null);
}
