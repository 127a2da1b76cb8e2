using System.CommandLine;
using System.Text.Json.Nodes;
using Argus.Bench;
using Argus.Core;

namespace Argus.Cli.Commands;

/// <summary><c>argus bench cameras</c>: cameras per machine.</summary>
internal static class CameraBenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var cameras = new Option<int>("--cameras") { Description = "Cameras replayed at once", DefaultValueFactory = _ => 8 };
        var resolution = new Option<string>("--resolution") { Description = "720p or 1080p", DefaultValueFactory = _ => "1080p" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds", DefaultValueFactory = _ => 30 };
        var fps = new Option<double>("--analysis-fps") { Description = "Analysed frames per second per camera", DefaultValueFactory = _ => 5 };
        var watchlist = new Option<int>("--watchlist") { Description = "Watchlist size (enrolled people plus random templates)", DefaultValueFactory = _ => 10_000 };
        var facesDev = new Option<string>("--faces-dev") { Description = "The faces-dev folder the clips are made from", DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "faces-dev") };
        var tiling = new Option<bool>("--tiling") { Description = "Tile frames for small faces (default, as cameras do); --tiling false for whole-frame detection", DefaultValueFactory = _ => true };
        var motionGate = new Option<bool>("--motion-gate") { Description = "Detect tiles only where something moved and around tracked faces (default, as cameras do); --motion-gate false detects every tile of every frame", DefaultValueFactory = _ => true };
        var cost = new Option<bool>("--cpu-cost") { Description = "Instead of the real-time run: one camera's CPU time per decoded and per analysed frame, single-threaded, with and without the motion gate, and the cameras this machine's cores carry at that cost (steadier than the real-time run on a shared machine)" };
        var smallFaces = new Option<bool>("--small-faces") { Description = "Station scenes: faces of 40-120 px moving over a street photo, several at once (default: close-ups of about 205 px at 1080p)" };
        var command = new Command("cameras", "Cameras per machine: replayed clips analysed and matched against a watchlist; fps, CPU, alert recall, false alerts and latency.")
        {
            cameras, resolution, seconds, fps, watchlist, facesDev, tiling, motionGate, smallFaces, cost, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (width, height) = parse.GetValue(resolution) switch
            {
                "720p" => (1280, 720),
                "1080p" => (1920, 1080),
                var other => throw new ArgusException("argument.invalid", $"--resolution {other}: use 720p or 1080p."),
            };
            var n = parse.GetValue(cameras);
            if (n is < 1 or > 64 || parse.GetValue(seconds) is not (> 0 and <= 3600) || parse.GetValue(watchlist) is < 10 or > 10_000_000)
            {
                throw new ArgusException("argument.invalid", "--cameras must be 1-64, --seconds in (0, 3600], --watchlist 10-10,000,000.");
            }

            var faces = parse.GetValue(facesDev)!;
            if (!Directory.Exists(faces))
            {
                throw new ArgusException("argument.invalid", $"--faces-dev {faces}: no such directory.");
            }

            var json = parse.GetValue(ArgusCli.JsonOption);
            var options = new CameraBenchmarkOptions(n, width, height, faces)
            {
                Seconds = parse.GetValue(seconds),
                AnalysisFps = parse.GetValue(fps),
                WatchlistSize = parse.GetValue(watchlist),
                Tiling = parse.GetValue(tiling),
                MotionGate = parse.GetValue(motionGate),
                SmallFaces = parse.GetValue(smallFaces),
            };
            if (parse.GetValue(cost))
            {
                var clips = Path.Combine(host.Paths.DataDirectory, "bench-clips");
                var costs = new List<CameraCost>(2);
                foreach (var gate in (bool[])[false, true])
                {
                    costs.Add(CameraBenchmark.MeasureCost(host.Engine(), options with { SmallFaces = true }, clips, gate, json ? null : host.Error.WriteLine));
                }

                if (json)
                {
                    host.WriteJson(new JsonObject
                    {
                        ["resolution"] = $"{width}x{height}",
                        ["costs"] = new JsonArray([.. costs.Select(c => (JsonNode)new JsonObject
                        {
                            ["motion_gate"] = c.MotionGate,
                            ["frames_decoded"] = c.FramesDecoded,
                            ["frames_analysed"] = c.FramesAnalysed,
                            ["decode_cpu_ms_per_frame"] = Math.Round(c.DecodeMsPerFrame, 2),
                            ["analyse_cpu_ms_per_frame"] = Math.Round(c.AnalyseMsPerFrame, 2),
                            ["detector_runs_per_frame"] = Math.Round(c.DetectorRunsPerFrame, 2),
                            ["faces_per_frame"] = Math.Round(c.FacesPerFrame, 2),
                            ["cores_per_camera"] = Math.Round(c.CoresPerCamera, 3),
                            ["cameras_per_machine"] = Math.Round(c.CamerasPerMachine, 1),
                            ["frame_recall_by_size"] = new JsonObject([.. c.RecallBySize.OrderBy(p => p.Key).Select(p => KeyValuePair.Create(p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)Math.Round(p.Value, 3)))]),
                        })]),
                    });
                }
                else
                {
                    foreach (var c in costs)
                    {
                        host.Out.WriteLine($"motion gate {(c.MotionGate ? "on " : "off")}: decode {c.DecodeMsPerFrame:0.00} ms/frame, analysis {c.AnalyseMsPerFrame:0.0} ms/frame ({c.DetectorRunsPerFrame:0.0} detector runs, {c.FacesPerFrame:0.0} faces), {c.CoresPerCamera:0.000} cores per camera -> {c.CamerasPerMachine:0.0} cameras on {Environment.ProcessorCount} cores; faces found per frame {string.Join(", ", c.RecallBySize.OrderBy(p => p.Key).Select(p => $"{p.Key} px {p.Value:P0}"))}");
                    }
                }

                return ArgusCli.Ok;
            }

            var r = await CameraBenchmark.RunAsync(host.Engine(), options, Path.Combine(host.Paths.DataDirectory, "bench-clips"), json ? null : host.Error.WriteLine);
            if (json)
            {
                host.WriteJson(new JsonObject
                {
                    ["cameras"] = r.Cameras,
                    ["resolution"] = r.Resolution,
                    ["seconds"] = Math.Round(r.Seconds, 1),
                    ["watchlist_size"] = r.WatchlistSize,
                    ["mean_fps_in"] = Math.Round(r.MeanFpsIn, 2),
                    ["mean_fps_analysed"] = Math.Round(r.MeanFpsAnalysed, 2),
                    ["min_fps_analysed"] = Math.Round(r.MinFpsAnalysed, 2),
                    ["frames_dropped"] = r.FramesDropped,
                    ["cpu_cores"] = Math.Round(r.CpuCores, 2),
                    ["expected_alerts"] = r.ExpectedAlerts,
                    ["true_alerts"] = r.TrueAlerts,
                    ["false_alerts"] = r.FalseAlerts,
                    ["alert_recall"] = Math.Round(r.Recall, 4),
                    ["false_alerts_per_hour"] = Math.Round(r.FalseAlertsPerHour, 2),
                    ["alert_latency_p50_s"] = Math.Round(r.LatencyP50Seconds, 3),
                    ["alert_latency_p99_s"] = Math.Round(r.LatencyP99Seconds, 3),
                    ["detector_runs_per_frame"] = Math.Round(r.DetectorRunsPerFrame, 2),
                });
            }
            else
            {
                host.Out.WriteLine($"{r.Cameras} x {r.Resolution} cameras for {r.Seconds:0} s, watchlist of {r.WatchlistSize:N0}");
                host.Out.WriteLine($"  frames in      {r.MeanFpsIn:0.0} fps per camera (decoded), {r.FramesDropped:N0} not analysed (only the latest frame is)");
                host.Out.WriteLine($"  analysed       {r.MeanFpsAnalysed:0.00} fps per camera on average, {r.MinFpsAnalysed:0.00} at worst");
                host.Out.WriteLine($"  detection      {r.DetectorRunsPerFrame:0.0} detector runs per analysed frame");
                host.Out.WriteLine($"  cpu            {r.CpuCores:0.00} cores of {Environment.ProcessorCount}");
                host.Out.WriteLine($"  alerts         {r.TrueAlerts}/{r.ExpectedAlerts} expected raised (recall {r.Recall:P1}), {r.FalseAlerts} false ({r.FalseAlertsPerHour:0.0} per hour of video)");
                host.Out.WriteLine($"  latency        p50 {r.LatencyP50Seconds:0.00} s, p99 {r.LatencyP99Seconds:0.00} s from the first frame a face is visible");
            }

            return ArgusCli.Ok;
        }));
        return command;
    }
}
