using Argus.Core.Access;

namespace Argus.Core.Watchlists;

public enum EntryState
{
    /// <summary>Waiting for a second person with the approver role; matches nothing.</summary>
    Proposed,

    /// <summary>Approved; matches until its legal basis expires.</summary>
    Active,

    /// <summary>Refused by an approver; matches nothing.</summary>
    Rejected,

    /// <summary>Taken off the watchlist; matches nothing.</summary>
    Removed,
}

/// <summary>One version of an entry: who changed what, when and why. Versions are never rewritten.</summary>
public sealed record EntryVersion(int Version, DateTimeOffset At, string By, string Change, string Reason, EntryState State, LegalBasis LegalBasis);

/// <summary>
/// A subject on a watchlist with its legal basis. Proposed by one user, active only once a different user with the
/// approver role approves it; any amendment of the legal basis sends it back for approval. Expired entries stop
/// matching on their own (<see cref="MatchesAt"/>).
/// </summary>
public sealed class WatchlistEntry
{
    private readonly List<EntryVersion> _versions;

    private WatchlistEntry(string id, string watchlistId, string subjectId, string proposedBy, List<EntryVersion> versions)
    {
        Id = id;
        WatchlistId = watchlistId;
        SubjectId = subjectId;
        ProposedBy = proposedBy;
        _versions = versions;
    }

    public string Id { get; }

    public string WatchlistId { get; }

    public string SubjectId { get; }

    /// <summary>Who proposed the current version (the approver must be someone else).</summary>
    public string ProposedBy { get; private set; }

    /// <summary>
    /// Everyone who proposed or changed the version now awaiting approval: the authors of the trailing run of proposed
    /// versions (a proposal and every amendment since the last decision). None of them may approve it, so that
    /// "A proposes, B amends nothing, A approves" is still two people's work, not one.
    /// </summary>
    public IReadOnlySet<string> PendingAuthors
    {
        get
        {
            var authors = new HashSet<string>(StringComparer.Ordinal);
            for (var i = _versions.Count - 1; i >= 0 && _versions[i].State == EntryState.Proposed; i--)
            {
                authors.Add(_versions[i].By);
            }

            return authors;
        }
    }

    public IReadOnlyList<EntryVersion> Versions => _versions;

    public EntryVersion Current => _versions[^1];

    public EntryState State => Current.State;

    public LegalBasis LegalBasis => Current.LegalBasis;

    public static WatchlistEntry Propose(
        string id, string watchlistId, CategoryPolicy policy, string subjectId, LegalBasis basis, Principal proposer, string reason, DateTimeOffset now)
    {
        AccessPolicy.DemandWatchlist(proposer, Capability.ProposeEntry, watchlistId);
        basis.Validate(now, policy.MaxEntryDays);
        RequireReason(reason);
        return new WatchlistEntry(id, watchlistId, subjectId, proposer.Id, [new EntryVersion(1, now, proposer.Id, "proposed", reason, EntryState.Proposed, basis)]);
    }

    /// <summary>Rebuilds an entry from stored versions (oldest first).</summary>
    public static WatchlistEntry Restore(string id, string watchlistId, string subjectId, IReadOnlyList<EntryVersion> versions)
    {
        if (versions.Count == 0)
        {
            throw new ArgumentException("An entry has at least one version.", nameof(versions));
        }

        var proposer = versions.Last(v => v.State == EntryState.Proposed).By;
        return new WatchlistEntry(id, watchlistId, subjectId, proposer, [.. versions]);
    }

    public bool MatchesAt(DateTimeOffset now) => State == EntryState.Active && now < LegalBasis.Expiry;

    public bool IsExpiredAt(DateTimeOffset now) => State == EntryState.Active && now >= LegalBasis.Expiry;

    public EntryVersion Approve(Principal approver, string reason, DateTimeOffset now)
    {
        AccessPolicy.DemandWatchlist(approver, Capability.ApproveEntry, WatchlistId);
        RequireState(EntryState.Proposed, "approved");
        if (approver.Id == ProposedBy || PendingAuthors.Contains(approver.Id))
        {
            throw new ArgusException(
                "entry.self_approval", "Nobody may approve an entry they proposed or amended: a second person with the approver role who did neither must approve this version.");
        }

        if (LegalBasis.Expiry <= now)
        {
            throw new ArgusException("entry.legal_basis_invalid", "The entry's legal basis has expired; amend it before approval.");
        }

        return Add(approver.Id, "approved", reason, EntryState.Active, LegalBasis, now);
    }

    public EntryVersion Reject(Principal approver, string reason, DateTimeOffset now)
    {
        AccessPolicy.DemandWatchlist(approver, Capability.ApproveEntry, WatchlistId);
        RequireState(EntryState.Proposed, "rejected");
        return Add(approver.Id, "rejected", reason, EntryState.Rejected, LegalBasis, now);
    }

    /// <summary>Changes the legal basis (e.g. a renewed warrant); the entry needs approval again.</summary>
    public EntryVersion Amend(Principal user, CategoryPolicy policy, LegalBasis basis, string reason, DateTimeOffset now)
    {
        AccessPolicy.DemandWatchlist(user, Capability.ProposeEntry, WatchlistId);
        if (State is EntryState.Removed or EntryState.Rejected)
        {
            throw new ArgusException("entry.invalid_state", $"A {State.ToString().ToLowerInvariant()} entry cannot be amended; propose a new one.");
        }

        basis.Validate(now, policy.MaxEntryDays);
        ProposedBy = user.Id;
        return Add(user.Id, "amended", reason, EntryState.Proposed, basis, now);
    }

    public EntryVersion Remove(Principal user, string reason, DateTimeOffset now)
    {
        // Approvers and those who may propose entries may also take them off (removal only narrows what matches).
        AccessPolicy.DemandWatchlist(user, user.Can(Capability.ApproveEntry) ? Capability.ApproveEntry : Capability.ProposeEntry, WatchlistId);
        if (State == EntryState.Removed)
        {
            throw new ArgusException("entry.invalid_state", "The entry is already removed.");
        }

        return Add(user.Id, "removed", reason, EntryState.Removed, LegalBasis, now);
    }

    private EntryVersion Add(string by, string change, string reason, EntryState state, LegalBasis basis, DateTimeOffset now)
    {
        RequireReason(reason);
        var version = new EntryVersion(Current.Version + 1, now, by, change, reason, state, basis);
        _versions.Add(version);
        return version;
    }

    private void RequireState(EntryState expected, string verb)
    {
        if (State != expected)
        {
            throw new ArgusException("entry.invalid_state", $"Only a {expected.ToString().ToLowerInvariant()} entry can be {verb}; this one is {State.ToString().ToLowerInvariant()}.");
        }
    }

    private static void RequireReason(string reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgusException("entry.reason_required", "Every change to an entry needs a reason.");
        }
    }
}
