using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Bench;
using Argus.Core;

namespace Argus.Cli.Commands;

/// <summary><c>argus bench detection</c>: small-face recall and cost per frame of each detection set-up.</summary>
internal static class DetectionBenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var facesDev = new Option<string>("--faces-dev") { Description = "The faces-dev folder the faces and background come from", DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "faces-dev") };
        var resolution = new Option<string>("--resolution") { Description = "720p or 1080p", DefaultValueFactory = _ => "1080p" };
        var frames = new Option<int>("--frames") { Description = "Frames per face size", DefaultValueFactory = _ => 12 };
        var perFrame = new Option<int>("--faces-per-frame") { Description = "Faces per frame (at most 24)", DefaultValueFactory = _ => 8 };
        var sizes = new Option<string>("--sizes") { Description = "Face sizes in pixels, comma-separated", DefaultValueFactory = _ => "40,48,64,96" };
        var command = new Command("detection", "Small-face detection: recall per face size, false detections and ms per frame for each detection set-up, on faces composited onto a real background.")
        {
            facesDev, resolution, frames, perFrame, sizes, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var (width, height) = parse.GetValue(resolution) switch
            {
                "720p" => (1280, 720),
                "1080p" => (1920, 1080),
                var other => throw new ArgusException("argument.invalid", $"--resolution {other}: use 720p or 1080p."),
            };
            var faces = parse.GetValue(facesDev)!;
            if (!Directory.Exists(faces))
            {
                throw new ArgusException("argument.invalid", $"--faces-dev {faces}: no such directory.");
            }

            if (parse.GetValue(frames) is < 1 or > 1000 || parse.GetValue(perFrame) is < 1 or > 24)
            {
                throw new ArgusException("argument.invalid", "--frames must be 1-1000 and --faces-per-frame 1-24.");
            }

            var sizeList = parse.GetValue(sizes)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 16 and <= 400
                    ? v
                    : throw new ArgusException("argument.invalid", $"--sizes: '{t}' is not a face size of 16-400 px."))
                .ToArray();
            var json = parse.GetValue(ArgusCli.JsonOption);
            var results = DetectionBenchmark.Run(
                host.Engine(), faces, width, height, sizeList, parse.GetValue(frames), parse.GetValue(perFrame),
                DetectionBenchmark.StandardConfigs(40), json ? null : host.Error.WriteLine, host.Paths.ModelsDirectory);
            if (json)
            {
                host.WriteJson(new JsonArray([.. results.Select(r => (JsonNode)new JsonObject
                {
                    ["setup"] = r.Name,
                    ["recall"] = new JsonObject(r.RecallBySize.OrderBy(p => p.Key).Select(p => KeyValuePair.Create(p.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)Math.Round(p.Value, 4)))),
                    ["false_per_frame"] = Math.Round(r.FalsePerFrame, 3),
                    ["ms_per_frame"] = Math.Round(r.MsPerFrame, 1),
                    ["frames"] = r.Frames,
                })]));
            }
            else
            {
                host.Out.WriteLine($"| set-up | {string.Join(" | ", sizeList.Select(s => $"recall {s} px"))} | false / frame | ms / frame (1 thread) |");
                host.Out.WriteLine($"|---|{string.Concat(sizeList.Select(_ => "---|"))}---|---|");
                foreach (var r in results)
                {
                    host.Out.WriteLine($"| {r.Name} | {string.Join(" | ", sizeList.Select(s => r.RecallBySize.TryGetValue(s, out var v) ? $"{v * 100:0}%" : "-"))} | {r.FalsePerFrame:0.00} | {r.MsPerFrame:0.0} |");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }
}
