using Argus.Core.Access;
using Argus.Core.Watchlists;

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

/// <summary>A watchlist or gallery a search names, with the watchlist's category (null for a gallery).</summary>
public sealed record SearchTarget(string Name, WatchlistCategory? Category);

/// <summary>
/// Purpose-bound search: every 1:N search by a person declares a purpose from the fixed list, a case reference (a
/// reference, not a letter) and a justification (a sentence, not twenty <c>a</c>), and names what it searches, all
/// within the user's scope. A purpose may search the watchlist categories it exists for without an authorisation
/// (<see cref="OpenCategories"/>: missing-person and victim-identification searches the missing-persons lists);
/// anything else needs an authorisation recorded by an authorising official that covers the case and every list
/// searched (<see cref="Authorisation.DemandUsable"/>). Where urgency allows searching first, it must follow within
/// the window.
/// </summary>
public static class SearchPolicy
{
    /// <summary>Default time to file the authorisation of an urgent search.</summary>
    public static readonly TimeSpan DefaultAuthorisationWindow = TimeSpan.FromHours(48);

    public const int MinimumJustificationLength = TextRules.JustificationMinLength;

    private static readonly IReadOnlySet<WatchlistCategory> MissingOnly = new HashSet<WatchlistCategory> { WatchlistCategory.MissingPerson };
    private static readonly IReadOnlySet<WatchlistCategory> None = new HashSet<WatchlistCategory>();

    public static PurposeRule RuleFor(SearchPurpose purpose) => purpose switch
    {
        SearchPurpose.ActiveInvestigation => new(purpose, NeedsAuthorisation: true, UrgentSearchFirst: false),
        SearchPurpose.MissingPerson => new(purpose, NeedsAuthorisation: false, UrgentSearchFirst: false),
        SearchPurpose.ImminentThreat => new(purpose, NeedsAuthorisation: true, UrgentSearchFirst: true),
        SearchPurpose.VictimIdentification => new(purpose, NeedsAuthorisation: false, UrgentSearchFirst: false),
        _ => throw new ArgusException("search.purpose_invalid", $"Unknown search purpose {purpose}."),
    };

    /// <summary>
    /// The watchlist categories a purpose may search without an authorisation. A missing-person search of a wanted,
    /// venue-ban, administrative or custom list needs one that covers that list; purposes that always need one
    /// (investigation, imminent threat) have none.
    /// </summary>
    public static IReadOnlySet<WatchlistCategory> OpenCategories(SearchPurpose purpose) => purpose switch
    {
        SearchPurpose.MissingPerson or SearchPurpose.VictimIdentification => MissingOnly,
        _ => None,
    };

    /// <summary>Whether searching <paramref name="targets"/> for <paramref name="purpose"/> needs a recorded authorisation.</summary>
    public static bool NeedsAuthorisation(SearchPurpose purpose, IReadOnlyList<SearchTarget> targets) =>
        RuleFor(purpose).NeedsAuthorisation || targets.Any(t => t.Category is { } c && !OpenCategories(purpose).Contains(c));

    /// <summary>Refuses (<c>search.refused</c>, <c>search.purpose_invalid</c>, <c>access.denied</c>) a declaration that is incomplete or outside the user's scope.</summary>
    public static void Validate(Principal user, SearchDeclaration declaration)
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
        else if (TextRules.Reference(declaration.CaseReference, "the case reference") is { } caseProblem)
        {
            problems.Add(caseProblem);
        }

        if (TextRules.Justification(declaration.Justification) is { } justificationProblem)
        {
            problems.Add(justificationProblem);
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
    }

    /// <summary>
    /// Refuses or says what authorisation the search carries. <paramref name="targets"/> gives each watchlist's
    /// category (galleries: null; when null, every watchlist counts as outside the purpose's open categories).
    /// <paramref name="authorisation"/> is the recorded authorisation the declaration references (null when none
    /// is referenced, or when the reference names nothing recorded). Refusals: <c>authorisation.required</c>,
    /// <c>authorisation.not_found</c>, and those of <see cref="Authorisation.DemandUsable"/>.
    /// </summary>
    public static SearchApproval Approve(
        Principal user, SearchDeclaration declaration, DateTimeOffset now, TimeSpan? window = null, IReadOnlyList<SearchTarget>? targets = null, Authorisation? authorisation = null)
    {
        Validate(user, declaration);
        targets ??= [.. declaration.Watchlists.Select(w => new SearchTarget(w, WatchlistCategory.Custom)), .. declaration.Galleries.Select(g => new SearchTarget(g, null))];
        if (!string.IsNullOrWhiteSpace(declaration.AuthorisationReference))
        {
            if (authorisation is null)
            {
                throw new ArgusException(
                    "authorisation.not_found",
                    "The authorisation must be the number of one recorded by an authorising official (argus authorisation list); a free-text reference is not an authorisation.");
            }

            authorisation.DemandUsable(user, declaration.CaseReference, targets.Select(t => t.Name), now, now);
            return new SearchApproval(AuthorisationStatus.Authorised, null);
        }

        var rule = RuleFor(declaration.Purpose);
        if (!NeedsAuthorisation(declaration.Purpose, targets))
        {
            return new SearchApproval(AuthorisationStatus.NotRequired, null);
        }

        if (rule.UrgentSearchFirst && declaration.Urgent)
        {
            return new SearchApproval(AuthorisationStatus.Pending, now + (window ?? DefaultAuthorisationWindow));
        }

        var why = rule.NeedsAuthorisation
            ? $"purpose {declaration.Purpose} needs an authorisation"
            : $"a {declaration.Purpose} search of {string.Join(", ", targets.Where(t => t.Category is { } c && !OpenCategories(declaration.Purpose).Contains(c)).Select(t => t.Name))} needs an authorisation";
        throw new ArgusException(
            "authorisation.required",
            $"Search refused: {why} recorded by an authorising official for this case and these watchlists"
            + (rule.UrgentSearchFirst ? " (or mark it urgent and file the authorisation within the window)." : "."));
    }
}
