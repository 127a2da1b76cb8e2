using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Video;
using Argus.Vision.Pipeline;

namespace Argus.Application.Cameras;

public sealed record CameraSpec(string Id, string? Name, string? Site, string Source, double AnalysisFps = 5, bool Tiling = true, IReadOnlyList<string>? Watchlists = null)
{
    /// <summary>Smallest face to find, in pixels (default 40): sizes the tiles; at least the quality gate's size.</summary>
    public int SmallestFace { get; init; } = CameraRecord.DefaultSmallestFace;

    /// <summary>Where faces appear (fractions of the frame); null or empty for the whole frame.</summary>
    public IReadOnlyList<DetectionRegion>? Regions { get; init; }
}

/// <summary>A change of a camera's detection settings; null leaves a setting as it is, an empty region list means the whole frame.</summary>
public sealed record CameraDetectionSpec(bool? Tiling = null, int? SmallestFace = null, IReadOnlyList<DetectionRegion>? Regions = null);

/// <summary>Configured cameras (administrators manage them; operators see those of their sites). Sources are shown only redacted.</summary>
public sealed class CameraService(OperationContext context)
{
    public async Task<CameraRecord> AddAsync(Principal actor, CameraSpec spec, CancellationToken ct)
    {
        var added = await context.AuditedAsync(actor.Id, "camera.add", $"camera:{spec.Id}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageCameras);
            var parsed = CameraSource.Parse(spec.Source);
            var smallest = CameraDetection.ValidSmallestFace(spec.SmallestFace);
            var regions = CameraDetection.ValidRegions(spec.Regions);
            var lists = spec.Watchlists ?? [];
            foreach (var w in lists)
            {
                await context.Store.GetWatchlistAsync(w, ct);
            }

            return await context.AuditedStore<CameraRecord>(added => AuditEvent.Ok(actor.Id, "camera.added", $"camera:{added.Id}", AuditDetails.Of(
                    ("site", added.Site), ("source", Redacted(added)), ("analysis_fps", added.AnalysisFps), ("watchlists", added.Watchlists),
                    ("tiling", added.Tiling), ("smallest_face", added.SmallestFace), ("regions", added.Regions))))
                .AddCameraAsync(new CameraRecord(spec.Id, spec.Name ?? spec.Id, spec.Site, parsed.Uri, spec.AnalysisFps, spec.Tiling, lists, actor.Id, default) { SmallestFace = smallest, Regions = regions }, ct);
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

    /// <summary>
    /// Changes how a camera finds faces (tiling, smallest face, regions; administrators). The server's camera host
    /// restarts its cameras with the change when it next reads them; <c>argus cameras run</c> reads them at start.
    /// </summary>
    public async Task<CameraRecord> UpdateDetectionAsync(Principal actor, string id, CameraDetectionSpec change, CancellationToken ct) =>
        await context.AuditedAsync(actor.Id, "camera.update", $"camera:{id}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageCameras);
            var smallest = change.SmallestFace is { } px ? CameraDetection.ValidSmallestFace(px) : (int?)null;
            var regions = change.Regions is { Count: > 0 } list ? CameraDetection.ValidRegions(list) : null;
            return await context.AuditedStore<CameraRecord>(updated => AuditEvent.Ok(actor.Id, "camera.updated", $"camera:{id}", AuditDetails.Of(
                    ("tiling", updated.Tiling), ("smallest_face", updated.SmallestFace), ("regions", updated.Regions))))
                .UpdateCameraDetectionAsync(id, new CameraDetectionChange(change.Tiling, smallest, regions, WholeFrame: change.Regions is { Count: 0 }), ct);
        });

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
