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
    }

    /// <summary>
    /// Multipart: <c>watchlist</c> (repeatable), <c>purpose</c> (investigation | missing-person | imminent-threat |
    /// victim-identification), <c>case</c>, <c>justification</c>, <c>authorisation</c> or <c>urgent=true</c>, <c>image</c>,
    /// optional <c>top</c>, <c>threshold</c>, <c>face</c>. Candidates above threshold with their entry's legal basis, or
    /// <c>match: false</c>.
    /// </summary>
    private static async Task<Ok<SearchDto>> SearchAsync(IFormCollection form, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var request = new WatchlistSearchRequest(
            form.Texts("watchlist"), form.Declaration(), await form.ImageAsync("image", ct), form.Int("face"), form.Int("top") ?? SearchLimits.DefaultTop,
            form.Float("threshold") ?? SearchLimits.Floor);
        return TypedResults.Ok(SearchDto.From(await new SearchService(runtime.Operations).SearchAsync(http.Actor(), request, ct)));
    }

    private static async Task<Ok<SearchRecordDto>> AuthoriseAsync(long id, AuthoriseRequest request, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var reference = request.Authorisation ?? throw new ArgusException("argument.invalid", "Give the authorisation reference.");
        var s = await new SearchService(runtime.Operations).AuthoriseAsync(http.Actor(), id, reference, ct);
        return TypedResults.Ok(new SearchRecordDto(s.Id, s.Status.ToString().ToLowerInvariant(), s.AuthorisationReference, s.AuthorisationDue, s.AuthorisedAt, s.AuthorisedAt > s.AuthorisationDue));
    }
}
