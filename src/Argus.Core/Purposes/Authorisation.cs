using Argus.Core.Access;

namespace Argus.Core.Purposes;

/// <summary>What an authorising official records: the document's reference, the case, the watchlists (or galleries) and the validity.</summary>
public sealed record AuthorisationRequest(string? Reference, string? CaseReference, IReadOnlyList<string> Watchlists, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil);

/// <summary>
/// An authorisation as recorded by an authorising official (a supervising officer, never the person who uses it):
/// searches of the case <see cref="CaseReference"/> and deployments may use the watchlists it names between
/// <see cref="ValidFrom"/> and <see cref="ValidUntil"/>, until it is revoked. Searches and deployments reference it by
/// <see cref="Id"/>; a free-text reference counts for nothing.
/// </summary>
public sealed record Authorisation(
    long Id,
    string Reference,
    string CaseReference,
    IReadOnlyList<string> Watchlists,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    string RecordedBy,
    DateTimeOffset RecordedAt,
    DateTimeOffset? RevokedAt = null,
    string? RevokedBy = null,
    string? RevokeReason = null)
{
    /// <summary>Longest validity of one authorisation: a quarter, then it is renewed (recorded again).</summary>
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(92);

    /// <summary>How far back its validity may start: an urgent search's authorisation is recorded after the search (48 h window by default).</summary>
    public static readonly TimeSpan MaxBackdating = TimeSpan.FromDays(7);

    public const int MaxWatchlists = 20;

    public bool Revoked => RevokedAt is not null;

    public bool Covers(string watchlist) => Watchlists.Contains(watchlist, StringComparer.Ordinal);

    /// <summary>
    /// Refuses (typed codes, each a different rule) unless <paramref name="user"/> may rely on this authorisation for
    /// the case <paramref name="caseReference"/> (null: a deployment, which names no case), the watchlists
    /// <paramref name="watchlists"/> and the period [<paramref name="from"/>, <paramref name="to"/>].
    /// </summary>
    public void DemandUsable(Principal user, string? caseReference, IEnumerable<string> watchlists, DateTimeOffset from, DateTimeOffset to)
    {
        if (Revoked)
        {
            throw new ArgusException("authorisation.revoked", $"Authorisation {Id} was revoked on {RevokedAt:yyyy-MM-dd HH:mm} UTC.");
        }

        if (string.Equals(RecordedBy, user.Id, StringComparison.Ordinal))
        {
            throw new ArgusException("authorisation.self_recorded", $"Authorisation {Id} was recorded by {user.Name}: an authorisation must come from someone other than the person who uses it.");
        }

        if (from < ValidFrom || to > ValidUntil || from >= ValidUntil)
        {
            throw new ArgusException(
                "authorisation.not_valid",
                $"Authorisation {Id} is valid from {ValidFrom:yyyy-MM-dd HH:mm} to {ValidUntil:yyyy-MM-dd HH:mm} UTC; it does not cover {from:yyyy-MM-dd HH:mm} to {to:yyyy-MM-dd HH:mm}.");
        }

        if (caseReference is not null && !string.Equals(Normalise(caseReference), Normalise(CaseReference), StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgusException("authorisation.case_mismatch", $"Authorisation {Id} is for another case, not {caseReference.Trim()}.");
        }

        var outside = watchlists.Where(w => !Covers(w)).ToArray();
        if (outside.Length > 0)
        {
            throw new ArgusException("authorisation.scope_mismatch", $"Authorisation {Id} does not cover {string.Join(", ", outside)}.");
        }
    }

    /// <summary>Every problem with a request to record an authorisation at <paramref name="now"/>; empty when valid.</summary>
    public static IReadOnlyList<string> Problems(AuthorisationRequest r, DateTimeOffset now)
    {
        var problems = new List<string>();
        if (TextRules.Reference(r.Reference, "the authorisation's reference") is { } p1)
        {
            problems.Add(p1);
        }

        if (TextRules.Reference(r.CaseReference, "the case reference") is { } p2)
        {
            problems.Add(p2);
        }

        if (r.Watchlists.Count == 0 || r.Watchlists.Count > MaxWatchlists)
        {
            problems.Add($"name 1-{MaxWatchlists} watchlists or galleries it covers");
        }
        else if (r.Watchlists.Any(w => string.IsNullOrWhiteSpace(w) || w.Trim() == Scope.All || w.Length > 100))
        {
            problems.Add("name each watchlist or gallery it covers (no '*': an authorisation covers named lists)");
        }

        if (r.ValidUntil <= r.ValidFrom)
        {
            problems.Add("its end must be after its start");
        }
        else if (r.ValidUntil - r.ValidFrom > MaxValidity)
        {
            problems.Add($"it may be valid for at most {MaxValidity.TotalDays:0} days");
        }

        if (r.ValidUntil <= now)
        {
            problems.Add("its end has already passed");
        }

        if (r.ValidFrom < now - MaxBackdating)
        {
            problems.Add($"its start may be at most {MaxBackdating.TotalDays:0} days in the past");
        }

        return problems;
    }

    /// <summary>Refuses (<c>access.denied</c>) unless <paramref name="actor"/> may record or revoke authorisations.</summary>
    public static void DemandOfficial(Principal actor)
    {
        AccessPolicy.Demand(actor, Capability.RecordAuthorisation);
        if (actor.Roles.Contains(Role.Administrator))
        {
            throw ArgusException.RoleDenied($"User {actor.Name} is an administrator: administrators may not record authorisations.");
        }
    }

    /// <summary>
    /// Refuses a role change that would let one person authorise themselves: nobody grants the authorising-official
    /// role to their own account, and an administrator account may not hold it (<c>user.role_conflict</c>).
    /// </summary>
    public static void DemandRoleGrant(Principal actor, string username, IReadOnlySet<Role> before, IReadOnlySet<Role> after)
    {
        if (!after.Contains(Role.AuthorisingOfficial))
        {
            return;
        }

        if (after.Contains(Role.Administrator))
        {
            throw new ArgusException("user.role_conflict", "An administrator may not also be an authorising official: the person who manages accounts does not authorise searches.");
        }

        if (!before.Contains(Role.AuthorisingOfficial) && string.Equals(actor.Id, username, StringComparison.Ordinal))
        {
            throw new ArgusException("user.role_conflict", "Nobody may grant themselves the authorising-official role.");
        }
    }

    private static string Normalise(string s) => s.Trim();
}
