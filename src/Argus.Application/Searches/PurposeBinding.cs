using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Purposes;
using Argus.Storage;

namespace Argus.Application.Searches;

/// <summary>What a searcher declares: purpose, case, justification and, where the purpose needs one, the authorisation.</summary>
public sealed record SearchDeclarationInput(string? Purpose, string? Case, string? Justification, string? Authorisation, bool Urgent);

/// <summary>
/// The declaration every 1:N search carries (purpose, case, justification, authorisation or urgency), approved by
/// <see cref="SearchPolicy"/>, rate-limited per user, recorded in <c>searches</c> and audited. Shared by watchlist
/// search and gallery identification.
/// </summary>
public static class PurposeBinding
{
    public const string RateLimitVariable = "ARGUS_SEARCH_LIMIT_PER_HOUR";
    public const string WindowVariable = "ARGUS_AUTHORISATION_HOURS";
    public const int DefaultRateLimit = 30;

    /// <summary>
    /// Approves the declared search for <paramref name="actor"/> or throws (<c>search.*</c>, <c>authorisation.*</c>,
    /// <c>access.denied</c>, <c>rate.limited</c>, <c>watchlist.not_found</c>). The scope is checked before any
    /// watchlist is looked up; the referenced authorisation must be one recorded by someone else that covers the
    /// case, every watchlist and gallery searched, and now.
    /// </summary>
    public static async Task<(SearchDeclaration Declaration, SearchApproval Approval, Authorisation? Authorisation)> ApproveAsync(
        OperationContext context, SearchDeclarationInput input, Principal actor, IReadOnlyList<string> watchlists, IReadOnlyList<string> galleries, DateTimeOffset now, CancellationToken ct)
    {
        AccessPolicy.Demand(actor, Capability.Search);
        if (string.IsNullOrWhiteSpace(input.Purpose))
        {
            throw new ArgusException("search.purpose_invalid", "Every search declares its purpose: investigation, missing-person, imminent-threat or victim-identification.");
        }

        var declaration = new SearchDeclaration(
            ParsePurpose(input.Purpose), input.Case ?? "", input.Justification ?? "", input.Authorisation, input.Urgent, watchlists, galleries);
        SearchPolicy.Validate(actor, declaration);
        var targets = new List<SearchTarget>();
        foreach (var name in watchlists)
        {
            targets.Add(new SearchTarget(name, (await context.Store.GetWatchlistAsync(name, ct)).Category));
        }

        targets.AddRange(galleries.Select(g => new SearchTarget(g, null)));
        var authorisation = await FindAsync(context, input.Authorisation, ct);
        var hours = context.PositiveDouble(WindowVariable, SearchPolicy.DefaultAuthorisationWindow.TotalHours);
        var approval = SearchPolicy.Approve(actor, declaration, now, TimeSpan.FromHours(hours), targets, authorisation);

        var limit = context.PositiveInt(RateLimitVariable, DefaultRateLimit);
        if (await context.Store.CountSearchesAsync(actor.Id, now.AddHours(-1), ct) >= limit)
        {
            throw new ArgusException("rate.limited", $"Limit of {limit} searches per hour reached for {actor.Id}; try again later.");
        }

        return (declaration, approval, approval.Status == AuthorisationStatus.Authorised ? authorisation : null);
    }

    /// <summary>The recorded authorisation a declaration names by its number ("12" or "#12"); null when it names none or nothing recorded.</summary>
    public static async Task<Authorisation?> FindAsync(OperationContext context, string? reference, CancellationToken ct) =>
        reference?.Trim().TrimStart('#') is { Length: > 0 and <= 18 } s && long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? await context.Store.GetAuthorisationAsync(id, ct)
            : null;

    public static Task<SearchRecord> RecordAsync(
        ArgusStore store, Principal actor, SearchDeclaration d, SearchApproval approval, Authorisation? authorisation, string probeSha256, int candidates, DateTimeOffset now, CancellationToken ct) =>
        store.RecordSearchAsync(
            new SearchRecord(
                0, actor.Id, d.Purpose, d.CaseReference.Trim(), d.Justification.Trim(),
                [.. d.Watchlists.Select(w => "watchlist:" + w), .. d.Galleries.Select(g => "gallery:" + g)],
                approval.Status, authorisation?.Reference, approval.AuthorisationDue, approval.Status == AuthorisationStatus.Authorised ? now : null,
                authorisation?.RecordedBy, probeSha256, candidates, now, authorisation?.Id),
            ct);

    /// <summary>What the audit keeps of a search: the declaration, the probe's hash and what was returned; never the image.</summary>
    public static string AuditDetails(SearchRecord s, IEnumerable<string> results, float threshold) => Core.Audit.AuditDetails.Of(
        ("search", s.Id), ("purpose", s.Purpose.ToString()), ("case", s.CaseReference), ("targets", s.Targets),
        ("authorisation", s.Status.ToString()), ("authorisation_id", s.AuthorisationId), ("authorisation_ref", s.AuthorisationReference), ("authorisation_due", s.AuthorisationDue),
        ("probe_sha256", s.ProbeSha256), ("threshold", threshold), ("candidates", s.Candidates), ("results", results));

    public static SearchPurpose ParsePurpose(string s) => s.Trim().ToLowerInvariant() switch
    {
        "investigation" or "active-investigation" => SearchPurpose.ActiveInvestigation,
        "missing-person" or "missing" => SearchPurpose.MissingPerson,
        "imminent-threat" => SearchPurpose.ImminentThreat,
        "victim-identification" => SearchPurpose.VictimIdentification,
        _ => throw new ArgusException("search.purpose_invalid", $"Unknown purpose '{s}'; use investigation, missing-person, imminent-threat or victim-identification."),
    };

    public static string PurposeName(SearchPurpose p) => p switch
    {
        SearchPurpose.ActiveInvestigation => "investigation",
        SearchPurpose.MissingPerson => "missing-person",
        SearchPurpose.ImminentThreat => "imminent-threat",
        _ => "victim-identification",
    };
}
