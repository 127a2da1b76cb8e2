namespace Argus.Application.Contracts;

// The CLI's listings: the server answers a bare array of the same records; the CLI names it, so that a listing and
// its summary fields can share one object.

/// <summary><c>argus alert list --json</c>: alerts with the reviewer's view of who each names (<see cref="StoredAlertDto.SubjectName"/>).</summary>
public sealed record AlertListDto(IReadOnlyList<StoredAlertDto> Alerts);

/// <summary><c>argus alert flags --json</c>.</summary>
public sealed record TemplateFlagListDto(IReadOnlyList<TemplateFlagDto> Templates);

/// <summary><c>argus gallery list --json</c>.</summary>
public sealed record GalleryListDto(IReadOnlyList<GalleryDto> Galleries);

/// <summary><c>argus watchlist list --json</c>.</summary>
public sealed record WatchlistListDto(IReadOnlyList<WatchlistDto> Watchlists);

/// <summary><c>argus entry list --json</c>: entries with the subject's name and reference (no photo URLs: the CLI has no photo endpoint).</summary>
public sealed record EntryListDto(IReadOnlyList<EntryDto> Entries);

/// <summary><c>argus deployment list --json</c>.</summary>
public sealed record DeploymentListDto(IReadOnlyList<DeploymentDto> Deployments);

/// <summary><c>argus camera list --json</c>.</summary>
public sealed record CameraListDto(IReadOnlyList<CameraDto> Cameras);

/// <summary><c>argus user list --json</c>.</summary>
public sealed record UserListDto(IReadOnlyList<UserDto> Users);

/// <summary><c>argus authorisation list --json</c>.</summary>
public sealed record AuthorisationListDto(IReadOnlyList<AuthorisationDto> Authorisations);

/// <summary><c>argus audit list --json</c>.</summary>
public sealed record AuditRecordListDto(IReadOnlyList<AuditRecordDto> Records);

/// <summary><c>argus db status --json</c>: the store, its schema version, its fingerprint (templates and change sequence) and its galleries.</summary>
public sealed record StoreStatusDto(string Provider, string Target, int SchemaVersion, long Templates, long ChangeSequence, IReadOnlyList<GalleryDto> Galleries);
