using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Core.Access;
using Argus.Core.Audit;
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
        var tiling = new Option<bool>("--tiling") { Description = "Tile frames so that small faces are found" };
        var watchlists = new Option<string[]>("--watchlist") { Description = "Watchlist a deployment may match this camera against (repeatable)" };
        var add = new Command("add", "Add a camera.") { id, name, site, source, fps, tiling, watchlists };
        add.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var cameraId = parse.GetValue(id)!;
            var added = await Identity.Audited(host, store, actor.Id, "camera.add", $"camera:{cameraId}", async () =>
            {
                AccessPolicy.Demand(actor, Capability.ManageCameras);
                var parsed = CameraSource.Parse(parse.GetValue(source)!);
                var lists = parse.GetValue(watchlists) ?? [];
                foreach (var w in lists)
                {
                    await store.GetWatchlistAsync(w, ct);
                }

                return await store.AddCameraAsync(
                    new CameraRecord(cameraId, parse.GetValue(name) ?? cameraId, parse.GetValue(site), parsed.Uri, parse.GetValue(fps), parse.GetValue(tiling), lists, actor.Id, default), ct);
            }, ct);
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, "camera.added", $"camera:{added.Id}", AuditDetails.Of(
                ("site", added.Site), ("source", CameraSource.Parse(added.Source).Redacted), ("analysis_fps", added.AnalysisFps), ("watchlists", added.Watchlists))), ct);
            host.Out.WriteLine($"added camera '{added.Id}' ({CameraSource.Parse(added.Source).Redacted}, {added.AnalysisFps:0.#} fps analysed)");
            return ArgusCli.Ok;
        }));

        var list = new Command("list", "List cameras (sources without credentials).") { ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            if (!actor.Can(Capability.ManageCameras) && !actor.Can(Capability.ReviewAlerts))
            {
                AccessPolicy.Demand(actor, Capability.ManageCameras);
            }

            var cameras = (await store.ListCamerasAsync(ct)).Where(c => actor.Can(Capability.ManageCameras) || c.Site is null || actor.Scope.CoversSite(c.Site)).ToList();
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["cameras"] = new JsonArray([.. cameras.Select(c => (JsonNode)new JsonObject
                    {
                        ["id"] = c.Id,
                        ["name"] = c.Name,
                        ["site"] = c.Site,
                        ["source"] = CameraSource.Parse(c.Source).Redacted,
                        ["analysis_fps"] = c.AnalysisFps,
                        ["tiling"] = c.Tiling,
                        ["watchlists"] = new JsonArray([.. c.Watchlists.Select(w => (JsonNode)w)]),
                        ["created_at"] = c.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
                    })]),
                });
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
            await Identity.Audited(host, store, actor.Id, "camera.remove", $"camera:{cameraId}", async () =>
            {
                AccessPolicy.Demand(actor, Capability.ManageCameras);
                await store.RemoveCameraAsync(cameraId, ct);
                return 0;
            }, ct);
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, "camera.removed", $"camera:{cameraId}"), ct);
            host.Out.WriteLine($"removed camera '{cameraId}'");
            return ArgusCli.Ok;
        }));

        camera.Subcommands.Add(add);
        camera.Subcommands.Add(list);
        camera.Subcommands.Add(remove);
        return camera;
    }
}
