using Argus.Application.Contracts;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Faces;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Argus.Vision.Imaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>
/// <c>POST /api/v1/faces/quality</c>: the quality feedback the console shows while a photo is chosen for a proposal
/// or a search, before anything is submitted. The photo is analysed in memory and forgotten; the answer holds the
/// face count and the primary face's quality signals (no embedding), and the audit record only the counts.
/// </summary>
internal static class FaceCheckApi
{
    public static void MapFaceCheckApi(this IEndpointRouteBuilder routes, long uploadLimit)
    {
        routes.ApiGroup("/api/v1/faces", "Faces")
            .MapPost("/quality", CheckAsync).RequireCapability(Capability.ProposeEntry, Capability.Search, Capability.ManageServiceGalleries).AcceptsUpload(uploadLimit);
    }

    /// <summary>Multipart: one file <c>photo</c>. Refusals: <c>image.*</c> (empty, corrupt, too large), 503 while models load.</summary>
    private static async Task<Ok<FaceQualityDto>> CheckAsync(IFormCollection form, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var actor = http.Actor();
        var input = await form.ImageAsync(Forms.PhotoField, ct);
        var dto = await runtime.Operations.AuditedAsync(actor.Id, "face.quality_check", "photo", () =>
        {
            var engine = runtime.Engine();
            using var image = ImageDecoder.Decode(input.Read());
            var result = engine.AnalyzePrimary(image);
            return Task.FromResult(Describe(result.Face, result.FaceCount, engine.Options.MinFaceSize, engine.Options.MinEmbeddingNorm));
        });
        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "face.quality_check", "photo", AuditDetails.Of(("faces", dto.Faces), ("usable", dto.Usable))), ct);
        return TypedResults.Ok(dto);
    }

    private static FaceQualityDto Describe(Face? face, int count, float minSize, float minNorm)
    {
        if (face is null)
        {
            return new FaceQualityDto(0, false, null, null, null, "No face found: choose a photo where the face is visible and frontal.");
        }

        var q = face.Quality;
        var message = face.Status switch
        {
            FaceStatus.TooSmall => $"The face is {q.FaceSize:0} px, below the {minSize:0} px minimum: use a larger or closer photo.",
            FaceStatus.PoorQuality => $"The face is below the quality gate (embedding norm {q.EmbeddingNorm:0.00}, minimum {minNorm:0.00}): blurred, occluded or not a face.",
            _ when count > 1 => $"{count} faces: the largest, most central one is used; a photo of one person is better.",
            _ => $"Good: one face, {q.FaceSize:0} px, sharpness {q.Sharpness:0}.",
        };
        return new FaceQualityDto(count, face.IsUsable, Math.Round(q.FaceSize, 1), q.EmbeddingNorm is { } n ? Math.Round(n, 3) : null, q.Sharpness is { } s ? Math.Round(s, 1) : null, message);
    }
}
