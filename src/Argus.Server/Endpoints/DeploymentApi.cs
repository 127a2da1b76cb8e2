using Argus.Application.Auditing;
using Argus.Application.Contracts;
using Argus.Application.Deployments;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>
/// Deployments (administrators and approvers create and end them; operators see those of their sites) and the live
/// health of the cameras the server runs. Creating or ending one wakes the camera host, so cameras start or stop
/// comparing faces at once rather than at the next reconciliation.
/// </summary>
internal static class DeploymentApi
{
    public static void MapDeploymentApi(this IEndpointRouteBuilder routes)
    {
        var deployments = routes.ApiGroup("/api/v1/deployments", "Deployments");
        deployments.MapGet("/", ListAsync).RequireCapability(Capability.ManageCameras, Capability.ApproveEntry, Capability.ReviewAlerts);
        deployments.MapPost("/", CreateAsync).RequireCapability(Capability.ManageCameras, Capability.ApproveEntry);
        deployments.MapPost("/{id:long}/end", EndAsync).RequireCapability(Capability.ManageCameras, Capability.ApproveEntry);

        // A literal segment: routing prefers it to /api/v1/cameras/{id}.
        var cameras = routes.ApiGroup("/api/v1/cameras", "Cameras");
        cameras.MapGet("/health", HealthAsync).RequireCapability(Capability.ManageCameras, Capability.ReviewAlerts);
        cameras.MapGet("/{id}/frame.jpg", FrameAsync).RequireCapability(Capability.ManageCameras, Capability.ReviewAlerts);
    }

    private static async Task<Ok<IReadOnlyList<DeploymentDto>>> ListAsync(bool? active, HttpContext http, ArgusRuntime runtime, DeploymentService deployments, CancellationToken ct)
    {
        var list = await deployments.ListAsync(http.Actor(), active ?? false, ct);
        var now = runtime.Operations.Now;
        return TypedResults.Ok<IReadOnlyList<DeploymentDto>>([.. list.Select(d => DeploymentDto.From(d, now))]);
    }

    /// <summary>
    /// <c>start</c> defaults to now and <c>end</c> to <c>hours</c> (default 8) after the start; at most 31 days.
    /// Refusals: <c>deployment.invalid</c>, <c>watchlist.not_found</c>, <c>camera.not_found</c>, <c>access.denied</c>.
    /// </summary>
    private static async Task<Created<DeploymentDto>> CreateAsync(CreateDeploymentRequest r, HttpContext http, ArgusRuntime runtime, DeploymentService deployments, CameraHost cameras, CancellationToken ct)
    {
        var now = runtime.Operations.Now;
        var start = r.Start ?? now;
        if (r.Hours is { } h && !(h > 0 && h <= Core.Deployments.Deployment.MaxDuration.TotalHours))
        {
            throw new ArgusException("deployment.invalid", $"The deployment is incomplete: hours must be between 0 and {Core.Deployments.Deployment.MaxDuration.TotalHours:0}.");
        }

        var request = new DeploymentRequest(
            r.Name ?? "", r.Cameras ?? [], r.Site, r.Watchlists ?? [], r.Authorisation ?? "", start, r.End ?? start.AddHours(r.Hours ?? 8));
        var stored = await deployments.CreateAsync(http.Actor(), request, ct);
        cameras.Wake();
        return TypedResults.Created($"/api/v1/deployments/{stored.Id}", DeploymentDto.From(stored, now));
    }

    private static async Task<Ok<DeploymentDto>> EndAsync(long id, ReasonRequest r, HttpContext http, ArgusRuntime runtime, DeploymentService deployments, CameraHost cameras, CancellationToken ct)
    {
        var ended = await deployments.EndAsync(http.Actor(), id, r.Reason ?? "", ct);
        cameras.Wake();
        return TypedResults.Ok(DeploymentDto.From(ended, runtime.Operations.Now));
    }

    /// <summary>
    /// Each camera on the caller's sites (administrators: all): state, deployment, frame rates, drops, reconnects,
    /// faces seen, alerts, last error. Counts only; audited (<c>cameras.health</c>).
    /// </summary>
    /// <summary>
    /// The latest analysed frame of a running camera (JPEG, at most 480 px wide, refreshed about once a second), for
    /// administrators and reviewers of its site; 404 <c>camera.not_found</c> otherwise, 204 before its first frame.
    /// Viewing is audited as sessions: it is live video of a public place, but the console polls every few seconds, so
    /// one record per viewer and camera per viewing session carries the number of frames and the first and last view
    /// (<see cref="AuditGrouping.Viewing"/>), not one record per poll.
    /// </summary>
    private static async Task<IResult> FrameAsync(string id, HttpContext http, ArgusRuntime runtime, CameraHost cameras, CancellationToken ct)
    {
        var actor = http.Actor();
        var jpeg = cameras.LatestFrame(actor, id);
        await runtime.Operations.AuditGroupedAsync(
            AuditGrouping.Key("view", actor.Id, "camera", id),
            AuditEvent.Ok(actor.Id, "camera.frame_viewed", $"camera:{id}"),
            AuditGrouping.Viewing(runtime.Operations),
            ct);
        http.Response.Headers.CacheControl = "no-store";
        return jpeg is null ? TypedResults.NoContent() : TypedResults.File(jpeg, "image/jpeg");
    }

    private static async Task<Ok<CameraHealthListDto>> HealthAsync(HttpContext http, ArgusRuntime runtime, CameraHost cameras, CancellationToken ct)
    {
        var actor = http.Actor();
        var visible = cameras.Status(actor).Select(CameraHealthDto.From).ToList();
        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "cameras.health", "cameras", AuditDetails.Of(("count", visible.Count))), ct);
        return TypedResults.Ok(new CameraHealthListDto(cameras.Enabled && cameras.Problem is null, cameras.Problem, visible));
    }
}
