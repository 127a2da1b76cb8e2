using Argus.Application.Contracts;
using Argus.Application.Galleries;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Purposes;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>Service galleries, enrolment (multipart upload), purpose-bound identification, and erasure of a subject.</summary>
internal static class GalleryApi
{
    public static void MapGalleryApi(this IEndpointRouteBuilder routes, long uploadLimit)
    {
        var galleries = routes.ApiGroup("/api/v1/galleries", "Galleries");
        galleries.MapGet("/", ListAsync).RequireCapability(Capability.ManageServiceGalleries, Capability.Search);
        galleries.MapPost("/", CreateAsync).RequireCapability(Capability.ManageServiceGalleries);
        galleries.MapGet("/{name}", GetAsync).RequireCapability(Capability.ManageServiceGalleries, Capability.Search);
        galleries.MapDelete("/{name}", DeleteAsync).RequireCapability(Capability.ManageServiceGalleries);
        galleries.MapPost("/{name}/subjects", EnrolAsync).RequireCapability(Capability.ManageServiceGalleries).AcceptsUpload(uploadLimit);
        galleries.MapPost("/{name}/identify", IdentifyAsync).RequireCapability(Capability.Search).AcceptsUpload(uploadLimit);

        routes.ApiGroup("/api/v1/subjects", "Galleries")
            .MapDelete("/{id:long}", EraseAsync).RequireCapability(Capability.ManageServiceGalleries, Capability.ManageWatchlists);
    }

    private static async Task<Ok<IReadOnlyList<GalleryDto>>> ListAsync(HttpContext http, GalleryService galleries, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<GalleryDto>>([.. (await galleries.ListAsync(http.Actor(), ct)).Select(GalleryDto.From)]);

    private static async Task<Created<GalleryDto>> CreateAsync(CreateGalleryRequest request, HttpContext http, GalleryService galleries, CancellationToken ct)
    {
        var g = await galleries.CreateAsync(http.Actor(), request.Name ?? throw new ArgusException("gallery.invalid_name", "Give the gallery a name."), request.Description, ct);
        return TypedResults.Created($"/api/v1/galleries/{Uri.EscapeDataString(g.Name)}", GalleryDto.From(g));
    }

    private static async Task<Ok<GalleryDto>> GetAsync(string name, HttpContext http, GalleryService galleries, CancellationToken ct) =>
        TypedResults.Ok(GalleryDto.From(await galleries.GetAsync(http.Actor(), name, ct)));

    private static async Task<Ok<GalleryDto>> DeleteAsync(string name, bool? force, HttpContext http, GalleryService galleries, CancellationToken ct)
    {
        var (g, removed) = await galleries.DeleteAsync(http.Actor(), name, force ?? false, ct);
        return TypedResults.Ok(GalleryDto.From(g with { TemplateCount = g.TemplateCount - removed }));
    }

    /// <summary>
    /// Multipart: <c>subject_reference</c>, optional <c>subject_name</c>, <c>face</c>, <c>keep_crop</c>, and one or more
    /// <c>photo</c> files. All or nothing: any refused image refuses the whole enrolment (422 with <c>refusals</c>).
    /// </summary>
    private static async Task<Results<Created<EnrolmentDto>, ProblemHttpResult>> EnrolAsync(string name, IFormCollection form, HttpContext http, GalleryService galleries, CancellationToken ct)
    {
        var reference = form.Text("subject_reference") ?? throw new ArgusException("subject.invalid_name", "Give the subject's external reference (subject_reference).");
        var request = new EnrolmentRequest(name, reference, form.Text("subject_name"), await form.ImagesAsync(Forms.PhotoField, ct, required: true), form.Int("face"), null, form.Bool("keep_crop"));
        var result = await galleries.EnrolAsync(http.Actor(), request, ct);
        if (!result.Enrolled)
        {
            return ProblemResponses.Problem(
                "enrolment.refused",
                $"Nothing enrolled: {result.Refusals.Count} of {request.Images.Count} image(s) refused.",
                new Dictionary<string, object?> { ["refusals"] = result.Refusals.Select(r => new ImageRefusalDto(r.Image, r.Code, r.Message)).ToArray() });
        }

        return TypedResults.Created(
            $"/api/v1/galleries/{Uri.EscapeDataString(result.Gallery.Name)}",
            new EnrolmentDto(result.Gallery.Name, result.Subject!.Id, reference, result.TemplateIds));
    }

    /// <summary>Multipart: the declaration (<c>purpose</c>, <c>case</c>, <c>justification</c>, <c>authorisation</c> or <c>urgent</c>), <c>photo</c>, optional <c>top</c>, <c>threshold</c>, <c>face</c>.</summary>
    private static async Task<Ok<IdentifyDto>> IdentifyAsync(string name, IFormCollection form, HttpContext http, GalleryService galleries, CancellationToken ct)
    {
        var request = new IdentifyRequest(
            name, form.Declaration(), await form.ImageAsync(Forms.PhotoField, ct), form.Int("face"), form.Int("top") ?? SearchLimits.DefaultTop, form.Float("threshold"));
        var r = await galleries.IdentifyAsync(http.Actor(), request, ct);
        return TypedResults.Ok(IdentifyDto.From(r));
    }

    private static async Task<Ok<ReceiptDto>> EraseAsync(long id, HttpContext http, GalleryService galleries, CancellationToken ct) =>
        TypedResults.Ok(ReceiptDto.From(await galleries.EraseSubjectAsync(http.Actor(), id, ct)));
}
