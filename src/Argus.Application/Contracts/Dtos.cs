using System.Text.Json.Serialization;
using Argus.Application.Cameras;
using Argus.Application.Searches;
using Argus.Application.Watchlists;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Vision.Pipeline;

namespace Argus.Application.Contracts;

// Wire types of /api/v1 (snake_case JSON). Requests have nullable members: a missing field is refused by the
// service with its own code and message rather than by the JSON binder.

public sealed record ScopeDto(IReadOnlyList<string>? Sites, IReadOnlyList<string>? Cameras, IReadOnlyList<string>? Watchlists)
{
    public static ScopeDto From(Scope s) => new([.. s.Sites.Order()], [.. s.Cameras.Order()], [.. s.Watchlists.Order()]);

    public Scope ToScope() => new(Set(Sites), Set(Cameras), Set(Watchlists));

    private static HashSet<string> Set(IReadOnlyList<string>? values) => values is null ? [] : [.. values];
}

public sealed record LoginRequest(string? Username, string? Password);

public sealed record SessionDto(string Username, IReadOnlyList<string> Roles, IReadOnlyList<string> Capabilities, ScopeDto Scope, string Method, string? CsrfToken, DateTimeOffset? ExpiresAt);

/// <summary>A user; <see cref="PendingGrant"/> is set on the answer to a change that requested operational roles (they apply once a second administrator approves).</summary>
public sealed record UserDto(
    string Username, string DisplayName, IReadOnlyList<string> Roles, ScopeDto Scope, bool Disabled, DateTimeOffset? LockedUntil, DateTimeOffset CreatedAt,
    RoleGrantDto? PendingGrant = null)
{
    public static UserDto From(User u) => new(u.Username, u.DisplayName, [.. u.Roles.Select(AccessCodec.Name)], ScopeDto.From(u.Scope), u.Disabled, u.LockedUntil, u.CreatedAt);

    public static UserDto From(Application.Accounts.UserChange c) => From(c.User) with { PendingGrant = c.PendingGrant is { } g ? RoleGrantDto.From(g) : null };
}

public sealed record CreateUserRequest(string? Username, string? DisplayName, IReadOnlyList<string>? Roles, ScopeDto? Scope, string? Password);

public sealed record RolesRequest(IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove);

/// <summary>A new password; your own needs <see cref="CurrentPassword"/>. <see cref="RevokeKeys"/> (default true) revokes every API key of the user.</summary>
public sealed record PasswordRequest(string? Password, string? CurrentPassword = null, bool? RevokeKeys = null);

/// <summary>The password of the user claiming a pending key (checked again, even inside a session).</summary>
public sealed record ClaimKeyRequest(string? Password);

/// <summary>Why a role grant is approved or rejected (optional, recorded).</summary>
public sealed record GrantDecisionRequest(string? Reason);

/// <summary>A decided grant and the user as it is now.</summary>
public sealed record GrantDecisionDto(RoleGrantDto Grant, UserDto User);

/// <summary>A request that <see cref="Username"/> get operational <see cref="Roles"/>: pending until a second administrator decides it.</summary>
public sealed record RoleGrantDto(
    long Id, string Username, IReadOnlyList<string> Roles, string RequestedBy, DateTimeOffset RequestedAt, string State, string? DecidedBy, DateTimeOffset? DecidedAt, string? Reason)
{
    public static RoleGrantDto From(RoleGrant g) => new(
        g.Id, g.Username, [.. g.Roles.Order().Select(AccessCodec.Name)], g.RequestedBy, g.RequestedAt, g.State.ToString().ToLowerInvariant(), g.DecidedBy, g.DecidedAt, g.Reason);
}

public sealed record CreateKeyRequest(IReadOnlyList<string>? Sites, IReadOnlyList<string>? Watchlists);

/// <summary>An API key, never its token. A <see cref="Pending"/> key was prepared by <see cref="CreatedBy"/> and works only once its user claims it.</summary>
public sealed record ApiKeyDto(long Id, string Username, string Prefix, ScopeDto? Scope, bool Revoked, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, bool Pending, string? CreatedBy)
{
    public static ApiKeyDto From(ApiKey k) => new(k.Id, k.Username, k.Prefix, k.Scope is { } s ? ScopeDto.From(s) : null, k.Revoked, k.CreatedAt, k.LastUsedAt, k.Pending, k.CreatedBy);
}

/// <summary>The token is returned once, here; only its SHA-256 is stored.</summary>
/// <summary>A new key; <see cref="Token"/> is shown once, to the key's own user only (null for a pending key).</summary>
public sealed record CreatedKeyDto(ApiKeyDto Key, string? Token);

public sealed record GalleryDto(long Id, string Name, string? Description, string Contract, long Templates, DateTimeOffset CreatedAt)
{
    public static GalleryDto From(Gallery g) => new(g.Id, g.Name, g.Description, g.Contract.Id, g.TemplateCount, g.CreatedAt);
}

public sealed record CreateGalleryRequest(string? Name, string? Description);

public sealed record EnrolmentDto(string Gallery, long SubjectId, string SubjectReference, IReadOnlyList<long> TemplateIds);

public sealed record ImageRefusalDto(string Image, string Code, string Message);

public sealed record ReceiptDto(long SubjectId, int TemplatesRemoved, int FaceCropsRemoved, DateTimeOffset ErasedAt, string ReceiptSha256)
{
    public static ReceiptDto From(DeletionReceipt r) => new(r.SubjectId, r.TemplatesRemoved, r.FaceCropsRemoved, r.ErasedAt, r.ReceiptSha256);
}

public sealed record IdentifyCandidateDto(int Rank, long SubjectId, string? SubjectName, string? SubjectReference, long TemplateId, double Score);

public sealed record IdentifyDto(long SearchId, string Gallery, double Threshold, bool Match, string Authorisation, DateTimeOffset? AuthorisationDue, IReadOnlyList<IdentifyCandidateDto> Candidates)
{
    /// <summary>The gallery's calibrated floor: the lowest threshold this search could use.</summary>
    public ListFloorDto? Floor { get; init; }

    /// <summary>How the gallery's index was obtained for this search, when the front end reports it (the CLI does; the server leaves it out).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IndexLoadDto? Index { get; init; }

    public static IdentifyDto From(Application.Galleries.IdentifyResult r) => new(
        r.Record.Id, r.Gallery.Name, Math.Round(r.Threshold, 4), r.Candidates.Count > 0, r.Record.Status.ToString().ToLowerInvariant(), r.Record.AuthorisationDue,
        [.. r.Candidates.Select((c, i) => new IdentifyCandidateDto(i + 1, c.Hit.SubjectId, c.Subject?.DisplayName, c.Subject?.ExternalReference, c.Hit.TemplateId, Math.Round(c.Hit.Score, 4)))])
    {
        Floor = ListFloorDto.From(r.Floor),
    };
}

/// <summary>The templates in a gallery's index, whether it was read from its snapshot, and how long loading took.</summary>
public sealed record IndexLoadDto(int Templates, bool FromSnapshot, double LoadMs);

/// <summary>
/// A searched list's calibrated floor: its size in templates, the per-comparison false-match rate that keeps it at a
/// 1% false-positive identification rate, the threshold that gives it, whether a calibration set it, and whether the
/// list is larger than the calibration can speak for.
/// </summary>
public sealed record ListFloorDto(string List, long Templates, double Threshold, double TargetFmr, bool Calibrated, bool BeyondCalibration)
{
    public static ListFloorDto From(Core.Purposes.ListFloor f) => new(f.List, f.Comparisons, Math.Round(f.Threshold, 4), f.TargetFmr, f.Calibrated, f.BeyondCalibration);
}

public sealed record WatchlistDto(long Id, string Name, string Category, string Severity, string Colour, bool ActionNeedsTwoConfirmations, int MaxEntryDays, int? ActiveEntries)
{
    public static WatchlistDto From(Storage.Watchlist w, int? active) =>
        new(w.Id, w.Name, WatchlistService.CategoryName(w.Category), w.Severity.ToString().ToLowerInvariant(), w.Policy.Colour, w.Policy.ActionNeedsTwoConfirmations, w.MaxEntryDays, active);
}

public sealed record CreateWatchlistRequest(string? Name, string? Category, string? Severity, int? MaxDays);

public sealed record ImageSourceDto(string Sha256, string Source, string Reference);

public sealed record LegalBasisDto(string CaseNumber, string Grounds, string InvestigatingOfficer, string IssuingAuthority, string LegalInstrument, DateTimeOffset Expiry, IReadOnlyList<ImageSourceDto> ImageSources)
{
    public static LegalBasisDto From(LegalBasis b) =>
        new(b.CaseNumber, b.Grounds, b.InvestigatingOfficer, b.IssuingAuthority, b.LegalInstrument, b.Expiry, [.. b.ImageSources.Select(i => new ImageSourceDto(i.ImageSha256, i.Source, i.Reference))]);
}

public sealed record EntryVersionDto(int Version, DateTimeOffset At, string By, string Change, string Reason, string State, LegalBasisDto LegalBasis);

public sealed record EntryDto(long Id, string Watchlist, long SubjectId, string State, bool Expired, int Version, string ProposedBy, LegalBasisDto LegalBasis, IReadOnlyList<EntryVersionDto>? Versions)
{
    /// <summary>Who last amended the legal basis (null when never amended): the approver must see it beside the proposer.</summary>
    public string? AmendedBy { get; init; }

    /// <summary>Who proposed the first version (<see cref="ProposedBy"/> is whoever proposed the current one, an amender included).</summary>
    public string? FirstProposedBy { get; init; }

    /// <summary>The subject's name and reference, when the endpoint looked them up (entry listings).</summary>
    public string? SubjectName { get; init; }

    public string? SubjectReference { get; init; }

    /// <summary>URLs of the entry's photos (aligned face crops, PNG), when the endpoint looked them up.</summary>
    public IReadOnlyList<string>? Photos { get; init; }

    public static EntryDto From(StoredEntry e, DateTimeOffset now, bool history) => new(
        e.Id, e.Watchlist.Name, e.SubjectId, e.Entry.State.ToString().ToLowerInvariant(), e.Entry.IsExpiredAt(now), e.Entry.Current.Version, e.Entry.ProposedBy,
        LegalBasisDto.From(e.Entry.LegalBasis),
        history ? [.. e.Entry.Versions.Select(v => new EntryVersionDto(v.Version, v.At, v.By, v.Change, v.Reason, v.State.ToString().ToLowerInvariant(), LegalBasisDto.From(v.LegalBasis)))] : null)
    {
        AmendedBy = e.Entry.Versions.LastOrDefault(v => v.Change == "amended")?.By,
        FirstProposedBy = e.Entry.Versions.Count > 0 ? e.Entry.Versions[0].By : null,
    };

    public EntryDto WithSubject(Application.Watchlists.EntrySubject s) => this with
    {
        SubjectName = s.Name,
        SubjectReference = s.Reference,
        Photos = [.. s.Photos.Select(t => $"/api/v1/entries/{Id}/photos/{t}")],
    };
}

public sealed record ReasonRequest(string? Reason);

public sealed record ImportedRowDto(int Row, string Photo, long EntryId, long SubjectId);

public sealed record RefusedRowDto(int Row, string? Photo, string Code, string Reason);

/// <summary>A bulk import: the rows proposed for approval and the rows refused, each with its CSV row number (header = 1).</summary>
public sealed record ImportDto(IReadOnlyList<ImportedRowDto> Proposed, IReadOnlyList<RefusedRowDto> Refused);

public sealed record AmendRequest(string? Reason, string? Case, string? Grounds, string? Officer, string? Authority, string? Instrument, string? Expires);

public sealed record SearchCandidateDto(
    int Rank, double Score, long EntryId, string Watchlist, string Category, string Severity, string Colour, long SubjectId, string? SubjectName, string? SubjectReference, LegalBasisDto LegalBasis)
{
    /// <summary>The matched template's photo (the entry's face crop, PNG), for the thumbnail beside the candidate.</summary>
    public string? Photo { get; init; }
}

public sealed record SearchDto(long SearchId, string Purpose, string Authorisation, DateTimeOffset? AuthorisationDue, double Threshold, bool Match, IReadOnlyList<SearchCandidateDto> Candidates)
{
    /// <summary>Each searched list's calibrated floor; the threshold is at least every one of them.</summary>
    public IReadOnlyList<ListFloorDto> Floors { get; init; } = [];

    /// <summary>The answer to <paramref name="r"/>; <paramref name="photoUrls"/> links each candidate's photo on the server's API (the CLI, which has no such endpoint, leaves them null).</summary>
    public static SearchDto From(WatchlistSearchResult r, bool photoUrls = true) => new(
        r.Record.Id, PurposeBinding.PurposeName(r.Record.Purpose), r.Record.Status.ToString().ToLowerInvariant(), r.Record.AuthorisationDue, Math.Round(r.Threshold, 4), r.Candidates.Count > 0,
        [.. r.Candidates.Select((c, i) => new SearchCandidateDto(
            i + 1, Math.Round(c.Hit.Score, 4), c.Entry.Id, c.Entry.Watchlist.Name, WatchlistService.CategoryName(c.Entry.Watchlist.Category),
            c.Entry.Watchlist.Severity.ToString().ToLowerInvariant(), c.Entry.Watchlist.Policy.Colour, c.Entry.SubjectId, c.Subject?.DisplayName, c.Subject?.ExternalReference,
            LegalBasisDto.From(c.Entry.Entry.LegalBasis)) { Photo = photoUrls ? $"/api/v1/entries/{c.Entry.Id}/photos/{c.Hit.TemplateId}" : null })])
    {
        Floors = [.. r.Floors.Select(ListFloorDto.From)],
    };
}

public sealed record AuthoriseRequest(string? Authorisation);

/// <summary>One of the caller's own searches, for their history (no probe, no candidates' names).</summary>
public sealed record SearchHistoryDto(
    long Id, DateTimeOffset PerformedAt, string Purpose, string Case, IReadOnlyList<string> Watchlists, int Candidates, string Authorisation,
    string? AuthorisationReference, DateTimeOffset? AuthorisationDue, bool Overdue);

public sealed record SearchRecordDto(long SearchId, string Authorisation, string? AuthorisationReference, DateTimeOffset? AuthorisationDue, DateTimeOffset? AuthorisedAt, bool Late);

public sealed record CameraDto(string Id, string Name, string? Site, string Source, double AnalysisFps, bool Tiling, IReadOnlyList<string> Watchlists, DateTimeOffset CreatedAt)
{
    /// <summary>Smallest face the camera's tiles are sized for, in pixels.</summary>
    public int SmallestFace { get; init; }

    /// <summary>Where faces appear; empty for the whole frame.</summary>
    public IReadOnlyList<RegionDto> Regions { get; init; } = [];

    public static CameraDto From(CameraRecord c) => new(c.Id, c.Name, c.Site, CameraService.Redacted(c), c.AnalysisFps, c.Tiling, c.Watchlists, c.CreatedAt)
    {
        SmallestFace = c.SmallestFace,
        Regions = c.Regions is null ? [] : [.. DetectionRegion.ParseList(c.Regions).Select(RegionDto.From)],
    };
}

/// <summary>A part of the frame where faces appear, as fractions (0..1) of its width and height.</summary>
public sealed record RegionDto(float X, float Y, float Width, float Height)
{
    public static RegionDto From(DetectionRegion r) => new(r.X, r.Y, r.Width, r.Height);

    public DetectionRegion ToRegion() => new(X, Y, Width, Height);
}

public sealed record CreateCameraRequest(
    string? Id, string? Name, string? Site, string? Source, double? AnalysisFps, bool? Tiling, IReadOnlyList<string>? Watchlists, int? SmallestFace = null, IReadOnlyList<RegionDto>? Regions = null);

/// <summary>A change of a camera's detection settings: a field left out stays as it is; an empty region list means the whole frame.</summary>
public sealed record UpdateCameraRequest(bool? Tiling, int? SmallestFace, IReadOnlyList<RegionDto>? Regions);

public sealed record AuditRecordDto(long Sequence, DateTimeOffset OccurredAt, string Actor, string Action, string Target, string Outcome, System.Text.Json.Nodes.JsonNode? Details, string Hash)
{
    public static AuditRecordDto From(AuditRecord r) =>
        new(r.Sequence, r.OccurredAt, r.Actor, r.Action, r.Target, r.Outcome, r.Details.Length == 0 ? null : System.Text.Json.Nodes.JsonNode.Parse(r.Details), r.Hash);
}

public sealed record VerificationDto(bool Intact, long Records, string? Head, long? FirstBadSequence, string? Reason)
{
    public static VerificationDto From(Application.Auditing.AuditService.Verification v) =>
        new(v.Result.Intact, v.Records, v.Head, v.Result.FirstBreak?.Sequence, v.Result.FirstBreak?.Reason);
}

public sealed record AbuseFlagDto(string Kind, string Actor, string Description, IReadOnlyList<long> Records);

public sealed record OverdueSearchDto(long SearchId, string Actor, string Purpose, DateTimeOffset? Due);

public sealed record FlagsDto(string Day, IReadOnlyList<AbuseFlagDto> Flags, IReadOnlyList<OverdueSearchDto> UnauthorisedSearches)
{
    public static FlagsDto From(Application.Auditing.AuditService.Flags f) => new(
        f.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        [.. f.Found.Select(a => new AbuseFlagDto(a.Kind.ToString(), a.Actor, a.Description, a.Records))],
        [.. f.Overdue.Select(s => new OverdueSearchDto(s.Id, s.User, PurposeBinding.PurposeName(s.Purpose), s.AuthorisationDue))]);
}

public sealed record RetentionDto(IReadOnlyList<long> EntriesDeactivated, string Alerts, int AlertRetentionDays, int AuditRetentionDays, long AuditRecords, long AuditRecordsDeleted, DateTimeOffset? AuditOldest)
{
    /// <summary>What was deleted, counted (<see cref="Alerts"/> says the same in words).</summary>
    public int AlertsDeleted { get; init; }

    public int SnapshotsDeleted { get; init; }

    public int DecisionsDeleted { get; init; }

    public int DeadLettersDeleted { get; init; }

    /// <summary>The answer to a retention run; the audit chain is never shortened, so no audit record is deleted.</summary>
    public static RetentionDto From(Application.Retention.RetentionResult r) => new(
        [.. r.Deactivated.Select(e => e.Id)], r.AlertsSummary, r.AlertRetentionDays, r.AuditRetentionDays, r.AuditRecords, 0, r.AuditOldest)
    {
        AlertsDeleted = r.AlertsDeleted.Alerts,
        SnapshotsDeleted = r.AlertsDeleted.Snapshots,
        DecisionsDeleted = r.AlertsDeleted.Decisions,
        DeadLettersDeleted = r.AlertsDeleted.DeadLetters,
    };
}

public sealed record HealthDto(string Status);

public sealed record ReadinessDto(string Status, bool Store, int? SchemaVersion, bool Models, string? Detail);
