using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Application.Alerts;
using Argus.Application.Deployments;
using Argus.Core;
using Argus.Video;
using Microsoft.Extensions.DependencyInjection;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus cameras run</c>: every registered camera under the camera supervisor, in the foreground until Ctrl+C,
/// printing alerts as they are stored and each camera's health. Cameras compare faces only while a stored deployment
/// covers them. Administrators (who see alert ids, not names) and operators may run it; start and stop are audited.
/// </summary>
internal static class CamerasRunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var cameras = new Option<string[]>("--camera") { Description = "Only this camera (repeatable; default: all registered)" };
        var loop = new Option<bool>("--loop") { Description = "Replay file sources in a loop" };
        var healthSeconds = new Option<double>("--health-seconds") { Description = "Print health this often (0: never)", DefaultValueFactory = _ => 10 };
        var reconcileSeconds = new Option<double>("--reconcile-seconds") { Description = "Re-read deployments and watchlists this often", DefaultValueFactory = _ => 30 };
        var stopWhenEnded = new Option<bool>("--stop-when-ended") { Description = "Exit when every file source has been replayed to its end" };
        var run = new Command("run", "Run the registered cameras until Ctrl+C, printing alerts and health.") { cameras, loop, healthSeconds, reconcileSeconds, stopWhenEnded, ArgusCli.JsonOption };
        run.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var only = parse.GetValue(cameras) is { Length: > 0 } ids ? ids.ToHashSet(StringComparer.Ordinal) : null;
            var runs = host.Services.GetRequiredService<LiveRunService>();
            var showNames = await runs.StartCamerasAsync(actor, only, ct);
            var json = parse.GetValue(ArgusCli.JsonOption);

            await using var desk = new AlertFeed(store, host.AuditChain(), new AlertDeskOptions { Environment = CliEnvironment.Get }, CliEnvironment.Time);
            await desk.LoadWebhooksAsync(ct);
            foreach (var problem in desk.WebhookProblems)
            {
                host.Error.WriteLine($"argus: {problem}");
            }

            using var subscription = desk.Stream.Subscribe();
            var options = new CameraSupervisorOptions
            {
                DataDirectory = host.Paths.DataDirectory,
                LoopFiles = parse.GetValue(loop),
                ReconcileInterval = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(reconcileSeconds))),
                Cameras = only,
            };
            var supervisor = new CameraSupervisor(store, host.AuditChain(), host.Engine(), desk, options, CliEnvironment.Time);
            var alerts = 0;
            IReadOnlyList<CameraStatus> final = [];
            try
            {
                await supervisor.StartAsync(ct);
                var status = supervisor.Status();
                if (status.Count == 0)
                {
                    throw new ArgusException("camera.none", "No registered cameras to run (see argus camera add).");
                }

                if (!json)
                {
                    host.Out.WriteLine($"running {status.Count} camera(s); {status.Count(s => s.DeploymentId is not null)} in an active deployment; Ctrl+C stops");
                }

                var ended = Task.WhenAll(status.Select(s => supervisor.CompletionOf(s.CameraId)));
                var healthEvery = parse.GetValue(healthSeconds) > 0 ? TimeSpan.FromSeconds(parse.GetValue(healthSeconds)) : Timeout.InfiniteTimeSpan;
                var nextHealth = CliEnvironment.Time.GetUtcNow() + healthEvery;
                while (!ct.IsCancellationRequested)
                {
                    if (parse.GetValue(stopWhenEnded) && ended.IsCompleted)
                    {
                        await desk.DrainAsync(ct);
                        while (subscription.Reader.TryRead(out var last))
                        {
                            alerts += last.IsUpdate ? 0 : 1;
                            PrintAlert(host, json, showNames, last);
                        }

                        break;
                    }

                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    wait.CancelAfter(TimeSpan.FromMilliseconds(200));
                    try
                    {
                        var alert = await subscription.Reader.ReadAsync(wait.Token);
                        alerts += alert.IsUpdate ? 0 : 1;
                        PrintAlert(host, json, showNames, alert);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                    }

                    if (healthEvery != Timeout.InfiniteTimeSpan && CliEnvironment.Time.GetUtcNow() >= nextHealth)
                    {
                        nextHealth += healthEvery;
                        PrintHealth(host, json, supervisor.Status());
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: stop the cameras and store what they already handed over.
            }
            finally
            {
                // Health as the cameras left it (a replayed file: ended), before stopping them.
                final = supervisor.Status();
                await supervisor.DisposeAsync();
            }

            PrintHealth(host, json, final);
            await runs.StopCamerasAsync(actor, new CamerasRunSummary(
                alerts, final.Sum(s => s.Counters.FacesSeen), final.Sum(s => s.Counters.TracksEndedWithoutMatch), desk.Lost, desk.Failed));
            if (!json)
            {
                host.Out.WriteLine($"stopped: {alerts} alert(s) raised");
            }

            return ArgusCli.Ok;
        }));
        return new Command("cameras", "Run cameras under the supervisor.") { run };
    }

    private static void PrintAlert(CliHost host, bool json, bool showNames, AlertEvent alert)
    {
        if (json)
        {
            host.Out.WriteLine(new JsonObject
            {
                ["event"] = alert.Kind,
                ["alert_id"] = alert.AlertId,
                ["deployment"] = alert.Deployment,
                ["camera"] = alert.CameraId,
                ["site"] = alert.Site,
                ["watchlist"] = alert.Watchlist,
                ["label"] = showNames ? alert.Match.Label : null,
                ["score"] = Math.Round(alert.Match.Score, 4),
                ["supporting_shots"] = alert.SupportingShots,
                ["latency_ms"] = (long)alert.Latency.TotalMilliseconds,
                ["first_seen_at"] = alert.FirstSeenAt.ToString("O", CultureInfo.InvariantCulture),
                ["deciding_frame_at"] = alert.DecidingFrameAt == default ? null : alert.DecidingFrameAt.ToString("O", CultureInfo.InvariantCulture),
                ["raised_at"] = alert.RaisedAt.ToString("O", CultureInfo.InvariantCulture),
            }.ToJsonString());
            return;
        }

        host.Out.WriteLine($"{alert.RaisedAt:HH:mm:ss} {(alert.IsUpdate ? "update" : "ALERT")} #{alert.AlertId} {alert.CameraId} ({alert.Site ?? "-"}): " +
            $"{(showNames ? alert.Match.Label + " " : "")}score {alert.Match.Score:0.000} over {alert.SupportingShots} shots (argus alert show {alert.AlertId})");
    }

    private static void PrintHealth(CliHost host, bool json, IReadOnlyList<CameraStatus> status)
    {
        foreach (var s in status)
        {
            var h = s.Health;
            if (json)
            {
                var line = CameraHealthOutput.Json(s.CameraId, h, s.Error);
                line["deployment"] = s.DeploymentId;
                line["deployments"] = new JsonArray([.. s.Deployments.Select(d => (JsonNode?)JsonValue.Create(d))]);
                line["faces_seen"] = s.Counters.FacesSeen;
                line["alerts_raised"] = s.Counters.AlertsRaised;
                line["detection"] = s.Detection;
                line["suggested_region"] = s.SuggestedRegion;
                host.Out.WriteLine(line.ToJsonString());
                continue;
            }

            host.Out.WriteLine($"  {s.CameraId,-12} {CameraHealthOutput.State(h),-12} {(s.DeploymentId is null ? "no deployment" : "deployment " + s.DeploymentId),-16} in {h.FpsIn,5:0.0} fps, analysed {h.FpsAnalysed,4:0.0} fps, dropped {h.FramesDropped}, reconnects {h.Reconnects}{(s.Error is null ? "" : ", last error: " + s.Error)}{(s.SuggestedRegion is null ? "" : $", faces seen only in {s.SuggestedRegion} (camera update {s.CameraId} --region {s.SuggestedRegion})")}");
        }
    }
}
