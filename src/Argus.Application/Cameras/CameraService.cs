using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Video;

namespace Argus.Application.Cameras;

public sealed record CameraSpec(string Id, string? Name, string? Site, string Source, double AnalysisFps = 5, bool Tiling = true, IReadOnlyList<string>? Watchlists = null);

/// <summary>Configured cameras (administrators manage them; operators see those of their sites). Sources are shown only redacted.</summary>
public sealed class CameraService(OperationContext context)
{
    public async Task<CameraRecord> AddAsync(Principal actor, CameraSpec spec, CancellationToken ct)
    {
        var added = await context.AuditedAsync(actor.Id, "camera.add", $"camera:{spec.Id}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageCameras);
            var parsed = CameraSource.Parse(spec.Source);
            var lists = spec.Watchlists ?? [];
            foreach (var w in lists)
            {
                await context.Store.GetWatchlistAsync(w, ct);
            }

            return await context.AuditedStore<CameraRecord>(added => AuditEvent.Ok(actor.Id, "camera.added", $"camera:{added.Id}", AuditDetails.Of(
                    ("site", added.Site), ("source", Redacted(added)), ("analysis_fps", added.AnalysisFps), ("watchlists", added.Watchlists))))
                .AddCameraAsync(new CameraRecord(spec.Id, spec.Name ?? spec.Id, spec.Site, parsed.Uri, spec.AnalysisFps, spec.Tiling, lists, actor.Id, default), ct);
        });
        return added;
    }

    /// <summary>Cameras the actor may see: all for administrators, those of their sites (or without a site) for alert reviewers.</summary>
    public async Task<IReadOnlyList<CameraRecord>> ListAsync(Principal actor, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, "camera.list", "cameras", () => DemandRead(actor));
        var cameras = (await context.Store.ListCamerasAsync(ct)).Where(c => Visible(actor, c)).ToList();
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "camera.list", "cameras", AuditDetails.Of(("cameras", cameras.Count))), ct);
        return cameras;
    }

    public async Task<CameraRecord> GetAsync(Principal actor, string id, CancellationToken ct)
    {
        var camera = await context.AuditedAsync(actor.Id, "camera.get", $"camera:{id}", async () =>
        {
            DemandRead(actor);
            var c = (await context.Store.ListCamerasAsync(ct)).FirstOrDefault(c => c.Id == id) ?? throw new ArgusException("camera.not_found", $"No camera with id '{id}'.");
            if (!Visible(actor, c))
            {
                AccessPolicy.DemandSite(actor, Capability.ReviewAlerts, c.Site!);
            }

            return c;
        });
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "camera.get", $"camera:{id}"), ct);
        return camera;
    }

    public async Task RemoveAsync(Principal actor, string id, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, "camera.remove", $"camera:{id}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageCameras);
            await context.AuditedStore(AuditEvent.Ok(actor.Id, "camera.removed", $"camera:{id}")).RemoveCameraAsync(id, ct);
            return 0;
        });
    }

    public static string Redacted(CameraRecord c) => CameraSource.Parse(c.Source).Redacted;

    private static void DemandRead(Principal actor)
    {
        if (!actor.Can(Capability.ManageCameras) && !actor.Can(Capability.ReviewAlerts))
        {
            AccessPolicy.Demand(actor, Capability.ManageCameras);
        }
    }

    private static bool Visible(Principal actor, CameraRecord c) => actor.Can(Capability.ManageCameras) || c.Site is null || actor.Scope.CoversSite(c.Site);
}
