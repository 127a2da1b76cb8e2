using Argus.Application.Authorisations;
using Argus.Application.Contracts;
using Argus.Core.Access;
using Argus.Core.Purposes;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>
/// Authorisations recorded by authorising officials and referenced by number from searches (<c>authorisation</c>
/// field) and deployments. Officials record and revoke; officials and auditors list all; searchers and those who
/// create deployments read those valid now within their scope. Everything audited.
/// </summary>
internal static class AuthorisationApi
{
    public static void MapAuthorisationApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.ApiGroup("/api/v1/authorisations", "Authorisations");
        Capability[] readers = [Capability.RecordAuthorisation, Capability.ReadAudit, Capability.Search, Capability.ApproveEntry, Capability.ManageCameras];
        group.MapGet("/", ListAsync).RequireCapability(readers);
        group.MapGet("/{id:long}", GetAsync).RequireCapability(readers);
        group.MapPost("/", RecordAsync).RequireCapability(Capability.RecordAuthorisation);
        group.MapPost("/{id:long}/revoke", RevokeAsync).RequireCapability(Capability.RecordAuthorisation);
    }

    private static async Task<Ok<IReadOnlyList<AuthorisationDto>>> ListAsync(bool? valid, HttpContext http, ArgusRuntime runtime, AuthorisationService authorisations, CancellationToken ct)
    {
        var list = await authorisations.ListAsync(http.Actor(), valid ?? false, ct);
        var now = runtime.Operations.Now;
        return TypedResults.Ok<IReadOnlyList<AuthorisationDto>>([.. list.Select(a => AuthorisationDto.From(a, now))]);
    }

    private static async Task<Ok<AuthorisationDto>> GetAsync(long id, HttpContext http, ArgusRuntime runtime, AuthorisationService authorisations, CancellationToken ct) =>
        TypedResults.Ok(AuthorisationDto.From(await authorisations.GetAsync(http.Actor(), id, ct), runtime.Operations.Now));

    /// <summary>
    /// <c>reference</c> (the document's, 3-64 characters), <c>case</c>, <c>watchlists</c> (names of watchlists or
    /// galleries), <c>valid_from</c> (default now), <c>valid_until</c> or <c>days</c> (default 30, at most 92).
    /// Refusals: <c>authorisation.invalid</c>, <c>watchlist.not_found</c>, <c>access.denied</c>.
    /// </summary>
    private static async Task<Created<AuthorisationDto>> RecordAsync(RecordAuthorisationRequest r, HttpContext http, ArgusRuntime runtime, AuthorisationService authorisations, CancellationToken ct)
    {
        var now = runtime.Operations.Now;
        var from = r.ValidFrom ?? now;
        var days = r.Days is { } d && double.IsFinite(d) && d > 0 && d <= Authorisation.MaxValidity.TotalDays ? d : (r.Days is null ? 30 : Authorisation.MaxValidity.TotalDays + 1);
        var request = new AuthorisationRequest(r.Reference, r.Case, r.Watchlists ?? [], from, r.ValidUntil ?? from.AddDays(days));
        var a = await authorisations.RecordAsync(http.Actor(), request, ct);
        return TypedResults.Created($"/api/v1/authorisations/{a.Id}", AuthorisationDto.From(a, now));
    }

    private static async Task<Ok<RevokedAuthorisationDto>> RevokeAsync(long id, ReasonRequest r, HttpContext http, ArgusRuntime runtime, AuthorisationService authorisations, CameraHost cameras, CancellationToken ct)
    {
        var (a, ended) = await authorisations.RevokeAsync(http.Actor(), id, r.Reason, ct);
        if (ended.Count > 0)
        {
            cameras.Wake();
        }

        return TypedResults.Ok(new RevokedAuthorisationDto(AuthorisationDto.From(a, runtime.Operations.Now), ended));
    }
}
