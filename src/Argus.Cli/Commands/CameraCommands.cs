using System.CommandLine;
using Argus.Application.Cameras;
using Argus.Application.Contracts;
using Argus.Storage;
using Argus.Video;

namespace Argus.Cli.Commands;

/// <summary><c>argus camera add|list|remove</c>: configured cameras (administrators). Sources are shown without credentials.</summary>
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
        var add = new Command("add", "Add a camera.") { id, name, site, source, fps, tiling, watchlists };
        add.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var cameraId = parse.GetValue(id)!;
            var added = await Cameras(host, store).AddAsync(
                actor,
                new CameraSpec(cameraId, parse.GetValue(name), parse.GetValue(site), parse.GetValue(source)!, parse.GetValue(fps), parse.GetValue(tiling), parse.GetValue(watchlists) ?? []),
                ct);
            host.Out.WriteLine($"added camera '{added.Id}' ({CameraSource.Parse(added.Source).Redacted}, {added.AnalysisFps:0.#} fps analysed)");
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
                    host.Out.WriteLine($"{c.Id,-16} {c.Site ?? "-",-16} {c.AnalysisFps,4:0.#} fps {(c.Tiling ? "tiled " : "")} {CameraSource.Parse(c.Source).Redacted}  watchlists: {string.Join(",", c.Watchlists)}");
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
        camera.Subcommands.Add(list);
        camera.Subcommands.Add(remove);
        return camera;
    }

    private static CameraService Cameras(CliHost host, ArgusStore store) => new(host.Operations(store));
}
