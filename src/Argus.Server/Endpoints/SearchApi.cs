using Argus.Application.Contracts;
using Argus.Application.Searches;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Purposes;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>Purpose-bound search of watchlists (multipart: probe + declaration) and the late filing of an urgent search's authorisation.</summary>
internal static class SearchApi
{
    public static void MapSearchApi(this IEndpointRouteBuilder routes, long uploadLimit)
    {
        var searches = routes.ApiGroup("/api/v1/searches", "Search");
        searches.MapPost("/", SearchAsync).RequireCapability(Capability.Search).AcceptsUpload(uploadLimit);
        searches.MapPost("/{id:long}/authorisation", AuthoriseAsync).RequireCapability(Capability.Search, Capability.ApproveEntry);
        searches.MapGet("/mine", HistoryAsync).RequireCapability(Capability.Search);
    }

    /// <summary>
    /// The caller's own searches of the last <c>days</c> (1-366, default 30), newest first: purpose, case, lists searched,
    /// how many candidates, the authorisation's state. Never the probe photo (it was not kept) nor anyone else's searches.
    /// </summary>
    private static async Task<Ok<IReadOnlyList<SearchHistoryDto>>> HistoryAsync(int? days, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var actor = http.Actor();
        var span = days ?? 30;
        if (span is < 1 or > 366)
        {
            throw new ArgusException("argument.invalid", "days must be between 1 and 366.");
        }

        var now = runtime.Operations.Now;
        var mine = (await runtime.Store.ListSearchesAsync(now.AddDays(-span), now.AddSeconds(1), ct)).Where(s => s.User == actor.Id).Reverse().ToList();
        await runtime.Operations.AuditAsync(Core.Audit.AuditEvent.Ok(actor.Id, "search.history", "searches", Core.Audit.AuditDetails.Of(("days", span), ("searches", mine.Count))), ct);
        return TypedResults.Ok<IReadOnlyList<SearchHistoryDto>>([.. mine.Select(s => new SearchHistoryDto(
            s.Id, s.PerformedAt, Application.Searches.PurposeBinding.PurposeName(s.Purpose), s.CaseReference, s.Targets, s.Candidates,
            s.Status.ToString().ToLowerInvariant(), s.AuthorisationReference, s.AuthorisationDue, s.IsOverdueAt(now)))]);
    }

    /// <summary>
    /// Multipart: <c>watchlist</c> (repeatable), <c>purpose</c> (investigation | missing-person | imminent-threat |
    /// victim-identification), <c>case</c>, <c>justification</c>, <c>authorisation</c> or <c>urgent=true</c>, <c>photo</c>,
    /// optional <c>top</c>, <c>threshold</c>, <c>face</c>. Candidates above threshold with their entry's legal basis, or
    /// <c>match: false</c>.
    /// </summary>
    private static async Task<Ok<SearchDto>> SearchAsync(IFormCollection form, HttpContext http, SearchService searches, CancellationToken ct)
    {
        var request = new WatchlistSearchRequest(
            form.Texts("watchlist"), form.Declaration(), await form.ImageAsync(Forms.PhotoField, ct), form.Int("face"), form.Int("top") ?? SearchLimits.DefaultTop,
            form.Float("threshold"));
        return TypedResults.Ok(SearchDto.From(await searches.SearchAsync(http.Actor(), request, ct)));
    }

    private static async Task<Ok<SearchRecordDto>> AuthoriseAsync(long id, AuthoriseRequest request, HttpContext http, SearchService searches, CancellationToken ct)
    {
        var reference = request.Authorisation ?? throw new ArgusException("argument.invalid", "Give the authorisation reference.");
        var s = await searches.AuthoriseAsync(http.Actor(), id, reference, ct);
        return TypedResults.Ok(new SearchRecordDto(s.Id, s.Status.ToString().ToLowerInvariant(), s.AuthorisationReference, s.AuthorisationDue, s.AuthorisedAt, s.AuthorisedAt > s.AuthorisationDue));
    }
}
