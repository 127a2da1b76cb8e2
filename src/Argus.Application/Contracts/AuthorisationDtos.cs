using Argus.Core.Purposes;

namespace Argus.Application.Contracts;

// Wire types of the authorisation endpoints and `argus authorisation` (snake_case JSON).

public sealed record RecordAuthorisationRequest(string? Reference, string? Case, IReadOnlyList<string>? Watchlists, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil, double? Days);

public sealed record AuthorisationDto(
    long Id, string Reference, string Case, IReadOnlyList<string> Watchlists, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil, bool Valid,
    string RecordedBy, DateTimeOffset RecordedAt, DateTimeOffset? RevokedAt, string? RevokedBy, string? RevokeReason)
{
    public static AuthorisationDto From(Authorisation a, DateTimeOffset now) => new(
        a.Id, a.Reference, a.CaseReference, a.Watchlists, a.ValidFrom, a.ValidUntil, !a.Revoked && a.ValidFrom <= now && now < a.ValidUntil,
        a.RecordedBy, a.RecordedAt, a.RevokedAt, a.RevokedBy, a.RevokeReason);
}

public sealed record RevokedAuthorisationDto(AuthorisationDto Authorisation, IReadOnlyList<long> DeploymentsEnded);
