using Argus.Application;
using Argus.Application.Contracts;
using Argus.Application.Watchlists;
using Argus.Core;
using Argus.Core.Access;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>
/// Watchlists and entries with their legal basis: proposed with photos (multipart), active only after another user
/// with the approver role approves, amended back to proposed, every version kept.
/// </summary>
internal static class WatchlistApi
{
    public static void MapWatchlistApi(this IEndpointRouteBuilder routes, long uploadLimit)
    {
        var watchlists = routes.ApiGroup("/api/v1/watchlists", "Watchlists");

        // Listing shows only the watchlists in the caller's scope: any authenticated user.
        watchlists.MapGet("/", ListAsync).RequireAuthorization();
        watchlists.MapPost("/", CreateAsync).RequireCapability(Capability.ManageWatchlists);
        watchlists.MapGet("/{name}/entries", ListEntriesAsync).RequireCapability(Capability.ProposeEntry, Capability.ApproveEntry, Capability.ReadAudit);
        watchlists.MapPost("/{name}/entries", ProposeAsync).RequireCapability(Capability.ProposeEntry).AcceptsUpload(uploadLimit);
        watchlists.MapPost("/{name}/imports", ImportAsync).RequireCapability(Capability.ProposeEntry).AcceptsUpload(uploadLimit);

        var entries = routes.ApiGroup("/api/v1/entries", "Watchlists");
        entries.MapGet("/{id:long}", HistoryAsync).RequireCapability(Capability.ProposeEntry, Capability.ApproveEntry, Capability.ReadAudit);
        entries.MapGet("/{id:long}/photos/{template:long}", PhotoAsync).RequireCapability(Capability.ProposeEntry, Capability.ApproveEntry, Capability.ReadAudit)
            .Produces(StatusCodes.Status200OK, contentType: "image/png");
        entries.MapPost("/{id:long}/approve", (long id, ReasonRequest r, HttpContext http, ArgusRuntime rt, WatchlistService service, CancellationToken ct) => DecideAsync(id, EntryDecision.Approve, r, http, rt, service, ct))
            .RequireCapability(Capability.ApproveEntry);
        entries.MapPost("/{id:long}/reject", (long id, ReasonRequest r, HttpContext http, ArgusRuntime rt, WatchlistService service, CancellationToken ct) => DecideAsync(id, EntryDecision.Reject, r, http, rt, service, ct))
            .RequireCapability(Capability.ApproveEntry);
        entries.MapPost("/{id:long}/remove", (long id, ReasonRequest r, HttpContext http, ArgusRuntime rt, WatchlistService service, CancellationToken ct) => DecideAsync(id, EntryDecision.Remove, r, http, rt, service, ct))
            .RequireCapability(Capability.ProposeEntry, Capability.ApproveEntry);
        entries.MapPost("/{id:long}/amend", AmendAsync).RequireCapability(Capability.ProposeEntry);
    }

    private static async Task<Ok<IReadOnlyList<WatchlistDto>>> ListAsync(HttpContext http, WatchlistService watchlists, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<WatchlistDto>>([.. (await watchlists.ListAsync(http.Actor(), ct)).Select(r => WatchlistDto.From(r.Watchlist, r.Active))]);

    private static async Task<Created<WatchlistDto>> CreateAsync(CreateWatchlistRequest request, HttpContext http, WatchlistService watchlists, CancellationToken ct)
    {
        var spec = new WatchlistSpec(
            request.Name ?? throw new ArgusException("watchlist.invalid_name", "Give the watchlist a name."),
            request.Category ?? throw new ArgusException("watchlist.category_invalid", "Give the category: wanted, missing, venue-ban, administrative or custom."),
            request.Severity,
            request.MaxDays);
        var w = await watchlists.CreateAsync(http.Actor(), spec, ct);
        return TypedResults.Created($"/api/v1/watchlists/{Uri.EscapeDataString(w.Name)}", WatchlistDto.From(w, 0));
    }

    private static async Task<Ok<IReadOnlyList<EntryDto>>> ListEntriesAsync(string name, string? state, HttpContext http, ArgusRuntime runtime, WatchlistService watchlists, CancellationToken ct)
    {
        var service = watchlists;
        var entries = await service.ListEntriesAsync(http.Actor(), name, state, ct);
        var subjects = await service.SubjectsAsync(entries, ct);
        var now = runtime.Operations.Now;
        return TypedResults.Ok<IReadOnlyList<EntryDto>>([.. entries.Select(e => EntryDto.From(e, now, history: false).WithSubject(subjects[e.Id]))]);
    }

    /// <summary>One photo of an entry (PNG, never cached): what the approver compares before deciding.</summary>
    private static async Task<FileContentHttpResult> PhotoAsync(long id, long template, HttpContext http, WatchlistService watchlists, CancellationToken ct)
    {
        var png = await watchlists.PhotoAsync(http.Actor(), id, template, ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(png, "image/png");
    }

    /// <summary>
    /// Multipart: <c>subject_reference</c>, <c>subject_name</c>, the legal basis (<c>case</c>, <c>grounds</c>, <c>officer</c>,
    /// <c>authority</c>, <c>instrument</c>, <c>expires</c> YYYY-MM-DD), <c>image_source</c> (SOURCE:REFERENCE, one for all
    /// photos or one per photo), <c>reason</c>, optional <c>face</c>, and one or more <c>photo</c> files.
    /// </summary>
    private static async Task<Created<EntryDto>> ProposeAsync(string name, IFormCollection form, HttpContext http, ArgusRuntime runtime, WatchlistService watchlists, CancellationToken ct)
    {
        var proposal = new EntryProposal(
            name,
            form.Text("subject_reference") ?? throw new ArgusException("subject.invalid_name", "Give the subject's external reference (subject_reference)."),
            form.Text("subject_name"), form.Text("case"), form.Text("grounds"), form.Text("officer"), form.Text("authority"), form.Text("instrument"),
            form.Text("expires"), form.Texts("image_source"), await form.ImagesAsync(Forms.PhotoField, ct, required: true), form.Text("reason") ?? "proposed", form.Int("face"));
        var stored = await watchlists.ProposeAsync(http.Actor(), proposal, ct);
        return TypedResults.Created($"/api/v1/entries/{stored.Id}", EntryDto.From(stored, runtime.Operations.Now, history: false));
    }

    /// <summary>
    /// Bulk import. Multipart: <c>csv</c> (one file: header <c>photo,subject_reference,subject_name,case,grounds,officer,
    /// authority,instrument,expires,image_source</c>, one row per entry), the photos it names as <c>photo</c> files
    /// (matched by file name), and <c>reason</c>. Every valid row is proposed for approval; the others come back refused
    /// with their code and reason. The file as a whole is refused (<c>import.invalid_csv</c>) when it is not a CSV with
    /// that header.
    /// </summary>
    private static async Task<Ok<ImportDto>> ImportAsync(string name, IFormCollection form, HttpContext http, WatchlistService watchlists, CancellationToken ct)
    {
        var csvFile = form.Files.GetFile("csv") ?? throw new ArgusException("import.invalid_csv", "Upload the CSV as file field 'csv'.");
        string csv;
        using (var reader = new StreamReader(csvFile.OpenReadStream(), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            csv = await reader.ReadToEndAsync(ct);
        }

        var photos = new Dictionary<string, ImageInput>(StringComparer.Ordinal);
        foreach (var image in await form.ImagesAsync(Forms.PhotoField, ct))
        {
            photos[Path.GetFileName(image.Name)] = image;
        }

        var result = await new EntryImport(watchlists).ImportAsync(
            http.Actor(), name, csv, file => photos.GetValueOrDefault(Path.GetFileName(file)), form.Text("reason") ?? "imported", ct);
        return TypedResults.Ok(new ImportDto(
            [.. result.Proposed.Select(r => new ImportedRowDto(r.Row, r.Photo, r.EntryId, r.SubjectId))],
            [.. result.Refused.Select(r => new RefusedRowDto(r.Row, r.Photo, r.Code, r.Reason))]));
    }

    private static async Task<Ok<EntryDto>> HistoryAsync(long id, HttpContext http, ArgusRuntime runtime, WatchlistService watchlists, CancellationToken ct)
    {
        var service = watchlists;
        var entry = await service.HistoryAsync(http.Actor(), id, ct);
        var subjects = await service.SubjectsAsync([entry], ct);
        return TypedResults.Ok(EntryDto.From(entry, runtime.Operations.Now, history: true).WithSubject(subjects[entry.Id]));
    }

    private static async Task<Ok<EntryDto>> DecideAsync(long id, EntryDecision decision, ReasonRequest request, HttpContext http, ArgusRuntime runtime, WatchlistService watchlists, CancellationToken ct) =>
        TypedResults.Ok(EntryDto.From(await watchlists.DecideAsync(http.Actor(), id, decision, request.Reason ?? "", ct), runtime.Operations.Now, history: false));

    private static async Task<Ok<EntryDto>> AmendAsync(long id, AmendRequest r, HttpContext http, ArgusRuntime runtime, WatchlistService watchlists, CancellationToken ct)
    {
        var amendment = new EntryAmendment(r.Reason ?? "", r.Case, r.Grounds, r.Officer, r.Authority, r.Instrument, r.Expires);
        return TypedResults.Ok(EntryDto.From(await watchlists.AmendAsync(http.Actor(), id, amendment, ct), runtime.Operations.Now, history: false));
    }
}
