using Argus.Application.Cameras;
using Argus.Application.Contracts;
using Argus.Core;
using Argus.Core.Access;
using Argus.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>Configured cameras: administrators add and remove; alert reviewers see those of their sites. Sources come back redacted.</summary>
internal static class CameraApi
{
    public static void MapCameraApi(this IEndpointRouteBuilder routes)
    {
        var cameras = routes.ApiGroup("/api/v1/cameras", "Cameras");
        cameras.MapGet("/", ListAsync).RequireCapability(Capability.ManageCameras, Capability.ReviewAlerts);
        cameras.MapPost("/", AddAsync).RequireCapability(Capability.ManageCameras);
        cameras.MapGet("/{id}", GetAsync).RequireCapability(Capability.ManageCameras, Capability.ReviewAlerts);
        cameras.MapPatch("/{id}", UpdateAsync).RequireCapability(Capability.ManageCameras);
        cameras.MapDelete("/{id}", RemoveAsync).RequireCapability(Capability.ManageCameras);
    }

    private static async Task<Ok<IReadOnlyList<CameraDto>>> ListAsync(HttpContext http, CameraService cameraService, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<CameraDto>>([.. (await cameraService.ListAsync(http.Actor(), ct)).Select(CameraDto.From)]);

    private static async Task<Created<CameraDto>> AddAsync(CreateCameraRequest r, HttpContext http, CameraService cameraService, CancellationToken ct)
    {
        var spec = new CameraSpec(
            r.Id ?? throw new ArgusException("camera.invalid_id", "Give the camera an id."),
            r.Name, r.Site, r.Source ?? throw new ArgusException("camera.source_invalid", "Give the camera's source (file, rtsp://, http(s):// or device:N)."),
            r.AnalysisFps ?? 5, r.Tiling ?? true, r.Watchlists)
        {
            SmallestFace = r.SmallestFace ?? Storage.CameraRecord.DefaultSmallestFace,
            Regions = r.Regions is null ? null : [.. r.Regions.Select(x => x.ToRegion())],
        };
        var c = await cameraService.AddAsync(http.Actor(), spec, ct);
        return TypedResults.Created($"/api/v1/cameras/{Uri.EscapeDataString(c.Id)}", CameraDto.From(c));
    }

    private static async Task<Ok<CameraDto>> GetAsync(string id, HttpContext http, CameraService cameraService, CancellationToken ct) =>
        TypedResults.Ok(CameraDto.From(await cameraService.GetAsync(http.Actor(), id, ct)));

    private static async Task<Ok<CameraDto>> UpdateAsync(string id, UpdateCameraRequest r, HttpContext http, CameraService cameraService, CancellationToken ct)
    {
        var change = new CameraDetectionSpec(r.Tiling, r.SmallestFace, r.Regions is null ? null : [.. r.Regions.Select(x => x.ToRegion())]);
        return TypedResults.Ok(CameraDto.From(await cameraService.UpdateDetectionAsync(http.Actor(), id, change, ct)));
    }

    private static async Task<NoContent> RemoveAsync(string id, HttpContext http, CameraService cameraService, CancellationToken ct)
    {
        await cameraService.RemoveAsync(http.Actor(), id, ct);
        return TypedResults.NoContent();
    }
}
