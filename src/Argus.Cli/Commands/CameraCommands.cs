using System.CommandLine;
using Argus.Application.Cameras;
using Argus.Application.Contracts;
using Argus.Core;
using Argus.Storage;
using Argus.Video;
using Argus.Vision.Pipeline;

namespace Argus.Cli.Commands;

/// <summary><c>argus camera add|update|list|remove</c>: configured cameras (administrators). Sources are shown without credentials.</summary>
internal static class CameraCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var camera = new Command("camera", "Configured cameras: source, site, analysis rate and the watchlists a deployment may use for them.");

        var id = new Argument<string>("id") { Description = "Camera id (letters, digits, '.', '_', '-')" };
        var name = new Option<string?>("--name") { Description = "Display name (default: the id)" };
        var site = new Option<string?>("--site") { Description = "Site (station, stadium gate, …)" };
        var source = new Option<string>("--source") { Description = "Video file, rtsp://…, http(s):// MJPEG or device:N", Required = true };
        var fps = new Option<double>("--analysis-fps") { Description = "Frames analysed per second", DefaultValueFactory = _ => 5 };
        var tiling = new Option<bool>("--tiling")
        {
            Description = "Tile frames so that faces down to 40 px are found (default); --tiling false detects on the whole frame only (faces under about 85 px at 1080p are missed)",
            DefaultValueFactory = _ => true,
        };
        var watchlists = new Option<string[]>("--watchlist") { Description = "Watchlist a deployment may match this camera against (repeatable)" };
        var smallestFace = new Option<int>("--smallest-face")
        {
            Description = $"Smallest face to find, in pixels of the camera's frame: sizes the tiles ({CameraDetection.MinSmallestFace}-{CameraDetection.MaxSmallestFace}, default {CameraRecord.DefaultSmallestFace})",
            DefaultValueFactory = _ => CameraRecord.DefaultSmallestFace,
        };
        var regions = new Option<string[]>("--region") { Description = "Where faces appear, as x,y,width,height fractions of the frame (e.g. 0,0.3,1,0.5): tiles only there (repeatable, at most 4; default the whole frame)" };
        var add = new Command("add", "Add a camera.") { id, name, site, source, fps, tiling, smallestFace, regions, watchlists };
        add.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var cameraId = parse.GetValue(id)!;
            var added = await Cameras(host, store).AddAsync(
                actor,
                new CameraSpec(cameraId, parse.GetValue(name), parse.GetValue(site), parse.GetValue(source)!, parse.GetValue(fps), parse.GetValue(tiling), parse.GetValue(watchlists) ?? [])
                {
                    SmallestFace = parse.GetValue(smallestFace),
                    Regions = ParseRegions(parse.GetValue(regions)),
                },
                ct);
            host.Out.WriteLine($"added camera '{added.Id}' ({CameraSource.Parse(added.Source).Redacted}, {added.AnalysisFps:0.#} fps analysed, {CameraDetection.Describe(added)})");
            return ArgusCli.Ok;
        }));

        var updateId = new Argument<string>("id") { Description = "Camera id" };
        var updateTiling = new Option<bool?>("--tiling") { Description = "Tile frames for small faces (true) or detect on the whole frame only (false); unchanged when left out" };
        var updateSmallest = new Option<int?>("--smallest-face") { Description = $"Smallest face to find, in pixels ({CameraDetection.MinSmallestFace}-{CameraDetection.MaxSmallestFace}); unchanged when left out" };
        var updateRegions = new Option<string[]>("--region") { Description = "Where faces appear, x,y,width,height fractions (repeatable, replaces the stored regions); unchanged when left out" };
        var wholeFrame = new Option<bool>("--whole-frame") { Description = "Forget the regions: tiles over the whole frame" };
        var update = new Command("update", "Change how a camera finds faces: tiling, smallest face, regions (the server restarts the camera with them).")
        {
            updateId, updateTiling, updateSmallest, updateRegions, wholeFrame,
        };
        update.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var given = parse.GetValue(updateRegions) ?? [];
            if (given.Length > 0 && parse.GetValue(wholeFrame))
            {
                throw new ArgusException("argument.invalid", "--region and --whole-frame contradict each other: give one.");
            }

            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var change = new CameraDetectionSpec(
                parse.GetValue(updateTiling), parse.GetValue(updateSmallest), parse.GetValue(wholeFrame) ? [] : given.Length > 0 ? ParseRegions(given) : null);
            var updated = await Cameras(host, store).UpdateDetectionAsync(actor, parse.GetValue(updateId)!, change, ct);
            host.Out.WriteLine($"camera '{updated.Id}': {CameraDetection.Describe(updated)}");
            return ArgusCli.Ok;
        }));

        var list = new Command("list", "List cameras (sources without credentials).") { ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var cameras = await Cameras(host, store).ListAsync(actor, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new CameraListDto([.. cameras.Select(CameraDto.From)]));
            }
            else
            {
                foreach (var c in cameras)
                {
                    host.Out.WriteLine($"{c.Id,-16} {c.Site ?? "-",-16} {c.AnalysisFps,4:0.#} fps {CameraDetection.Describe(c)}  {CameraSource.Parse(c.Source).Redacted}  watchlists: {string.Join(",", c.Watchlists)}");
                }

                if (cameras.Count == 0)
                {
                    host.Out.WriteLine("no cameras");
                }
            }

            return ArgusCli.Ok;
        }));

        var removeId = new Argument<string>("id") { Description = "Camera id" };
        var remove = new Command("remove", "Remove a camera.") { removeId };
        remove.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var cameraId = parse.GetValue(removeId)!;
            await Cameras(host, store).RemoveAsync(actor, cameraId, ct);
            host.Out.WriteLine($"removed camera '{cameraId}'");
            return ArgusCli.Ok;
        }));

        camera.Subcommands.Add(add);
        camera.Subcommands.Add(update);
        camera.Subcommands.Add(list);
        camera.Subcommands.Add(remove);
        return camera;
    }

    private static IReadOnlyList<DetectionRegion>? ParseRegions(string[]? regions) =>
        regions is null || regions.Length == 0 ? null : [.. regions.Select(DetectionRegion.Parse)];

    private static CameraService Cameras(CliHost host, ArgusStore store) => new(host.Operations(store));
}
