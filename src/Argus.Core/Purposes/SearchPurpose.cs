using Argus.Core.Access;

namespace Argus.Core.Purposes;

/// <summary>Why a person searches a face. The list is fixed: a search for any other reason is not allowed.</summary>
public enum SearchPurpose
{
    /// <summary>An open criminal investigation: needs a court or supervisory authorisation.</summary>
    ActiveInvestigation,

    /// <summary>Looking for a missing or vulnerable person.</summary>
    MissingPerson,

    /// <summary>An imminent threat to life or safety: may search first, the authorisation must follow in time.</summary>
    ImminentThreat,

    /// <summary>Identifying a victim or a deceased person.</summary>
    VictimIdentification,
}

/// <summary>What the law ties to each purpose.</summary>
public sealed record PurposeRule(SearchPurpose Purpose, bool NeedsAuthorisation, bool UrgentSearchFirst);

/// <summary>Whether a search is covered by an authorisation.</summary>
public enum AuthorisationStatus
{
    NotRequired,
    Authorised,

    /// <summary>Urgent search done first; the authorisation reference must be filed before <see cref="SearchApproval.AuthorisationDue"/>.</summary>
    Pending,
}

/// <summary>A declared search: purpose, case, justification, and exactly what is searched.</summary>
public sealed record SearchDeclaration(
    SearchPurpose Purpose,
    string CaseReference,
    string Justification,
    string? AuthorisationReference,
    bool Urgent,
    IReadOnlyList<string> Watchlists,
    IReadOnlyList<string> Galleries);

public sealed record SearchApproval(AuthorisationStatus Status, DateTimeOffset? AuthorisationDue);

/// <summary>
/// Purpose-bound search: every 1:N search by a person declares a purpose from the fixed list, a case reference and a
/// justification, and names what it searches, all within the user's scope. Purposes that need an authorisation carry
/// its reference; where urgency allows searching first, the reference must follow within the window.
/// </summary>
public static class SearchPolicy
{
    /// <summary>Default time to file the authorisation of an urgent search.</summary>
    public static readonly TimeSpan DefaultAuthorisationWindow = TimeSpan.FromHours(48);

    public const int MinimumJustificationLength = 20;

    public static PurposeRule RuleFor(SearchPurpose purpose) => purpose switch
    {
        SearchPurpose.ActiveInvestigation => new(purpose, NeedsAuthorisation: true, UrgentSearchFirst: false),
        SearchPurpose.MissingPerson => new(purpose, NeedsAuthorisation: false, UrgentSearchFirst: false),
        SearchPurpose.ImminentThreat => new(purpose, NeedsAuthorisation: true, UrgentSearchFirst: true),
        SearchPurpose.VictimIdentification => new(purpose, NeedsAuthorisation: false, UrgentSearchFirst: false),
        _ => throw new ArgusException("search.purpose_invalid", $"Unknown search purpose {purpose}."),
    };

    /// <summary>Refuses (<c>search.refused</c>, <c>access.denied</c>) or says what authorisation the search carries.</summary>
    public static SearchApproval Approve(Principal user, SearchDeclaration declaration, DateTimeOffset now, TimeSpan? window = null)
    {
        AccessPolicy.Demand(user, Capability.Search);
        if (!Enum.IsDefined(declaration.Purpose))
        {
            throw new ArgusException("search.purpose_invalid", "The search purpose must be one of: " + string.Join(", ", Enum.GetNames<SearchPurpose>()) + ".");
        }

        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(declaration.CaseReference))
        {
            problems.Add("a case reference is required");
        }

        if (string.IsNullOrWhiteSpace(declaration.Justification) || declaration.Justification.Trim().Length < MinimumJustificationLength)
        {
            problems.Add($"a justification of at least {MinimumJustificationLength} characters is required");
        }

        if (declaration.Watchlists.Count + declaration.Galleries.Count == 0)
        {
            problems.Add("name the watchlists or galleries to search");
        }

        if (problems.Count > 0)
        {
            throw new ArgusException("search.refused", "Search refused: " + string.Join("; ", problems) + ".");
        }

        foreach (var watchlist in declaration.Watchlists)
        {
            AccessPolicy.DemandWatchlist(user, Capability.Search, watchlist);
        }

        foreach (var gallery in declaration.Galleries)
        {
            AccessPolicy.DemandWatchlist(user, Capability.Search, gallery);
        }

        var rule = RuleFor(declaration.Purpose);
        if (!rule.NeedsAuthorisation)
        {
            return new SearchApproval(AuthorisationStatus.NotRequired, null);
        }

        if (!string.IsNullOrWhiteSpace(declaration.AuthorisationReference))
        {
            return new SearchApproval(AuthorisationStatus.Authorised, null);
        }

        if (rule.UrgentSearchFirst && declaration.Urgent)
        {
            return new SearchApproval(AuthorisationStatus.Pending, now + (window ?? DefaultAuthorisationWindow));
        }

        throw new ArgusException(
            "search.refused",
            $"Search refused: purpose {declaration.Purpose} needs the reference of a court or supervisory authorisation"
            + (rule.UrgentSearchFirst ? " (or mark it urgent and file the reference within the window)." : "."));
    }
}
