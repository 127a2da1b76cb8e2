using System.Text.Json.Serialization;
using Argus.Application.Alerts;
using Argus.Application.Deployments;
using Argus.Application.Watchlists;
using Argus.Core.Alerts;
using Argus.Storage;

namespace Argus.Application.Contracts;

// Wire types of the alert review, deployment, camera health and face quality endpoints (snake_case JSON).

public sealed record AlertDecisionItemDto(string By, string Verdict, string Reason, DateTimeOffset At);

public sealed record StoredAlertDto(
    long Id, string Deployment, string CameraId, string? Site, long EntryId, long SubjectId, long TemplateId, string Watchlist, string Category, string Severity,
    string Colour, double Score, int SupportingShots, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt, DateTimeOffset RaisedAt, string Status,
    IReadOnlyList<AlertDecisionItemDto> Decisions)
{
    /// <summary>Who the alert names, as the reviewer may see it: set by listings that looked it up (the CLI's), left out otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SubjectName { get; init; }

    public static StoredAlertDto From(StoredAlert a) => new(
        a.Id, a.Deployment, a.CameraId, a.Site, a.EntryId, a.SubjectId, a.TemplateId, a.Watchlist, WatchlistService.CategoryName(a.Category),
        a.Severity.ToString().ToLowerInvariant(), a.Colour, Math.Round(a.Score, 4), a.SupportingShots, a.FirstSeenAt, a.LastSeenAt, a.RaisedAt, StatusName(a.Status),
        [.. a.Decisions.Select(d => new AlertDecisionItemDto(d.By, d.Verdict.ToString().ToLowerInvariant(), d.Reason, d.At))]);

    public static string StatusName(AlertStatus s) => s switch
    {
        AlertStatus.AwaitingSecondConfirmation => "awaiting_second_confirmation",
        _ => s.ToString().ToLowerInvariant(),
    };
}

/// <summary>One alert for review: the stored alert, who it names, the entry's legal basis, whether action needs two confirmations, the template's dismissal record.</summary>
public sealed record AlertViewDto(
    StoredAlertDto Alert, string? SubjectName, string? SubjectReference, string? EntryState, bool ActionNeedsTwoConfirmations, LegalBasisDto? LegalBasis,
    bool HasSnapshot, bool HasEnrolledPhoto, int TemplateDismissed, int TemplateDecided, bool TemplateFlagged)
{
    public static AlertViewDto From(AlertView v) => new(
        StoredAlertDto.From(v.Alert), v.SubjectName, null, v.Entry?.Entry.State.ToString().ToLowerInvariant(),
        Core.Watchlists.CategoryPolicy.For(v.Alert.Category, v.Alert.Category == Core.Watchlists.WatchlistCategory.Custom ? v.Alert.Severity : null).ActionNeedsTwoConfirmations,
        v.Entry is { } e ? LegalBasisDto.From(e.Entry.LegalBasis) : null, v.SnapshotPng is not null, v.EnrolledPng is not null,
        v.TemplateDismissals?.Dismissed ?? 0, v.TemplateDismissals?.Decided ?? 0, v.TemplateDismissals?.FlaggedAt is not null);
}

public sealed record AlertDecisionDto(StoredAlertDto Alert, bool ActionAllowed, bool TemplateFlagged);

public sealed record TemplateFlagDto(long TemplateId, int Dismissed, int Decided, DateTimeOffset? FlaggedAt);

public sealed record CreateDeploymentRequest(
    string? Name, IReadOnlyList<string>? Cameras, string? Site, IReadOnlyList<string>? Watchlists, string? Authorisation, DateTimeOffset? Start, DateTimeOffset? End, double? Hours);

public sealed record DeploymentDto(
    long Id, string Name, IReadOnlyList<string> Cameras, string? Site, IReadOnlyList<string> Watchlists, string Authorisation, DateTimeOffset Start, DateTimeOffset End,
    bool Active, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt, string? EndedBy, string? EndReason)
{
    public static DeploymentDto From(StoredDeployment d, DateTimeOffset now) => new(
        d.Id, d.Deployment.Name, d.Deployment.Cameras, d.Deployment.Site, d.Deployment.Watchlists, d.Deployment.AuthorisationReference, d.Deployment.Start,
        d.Deployment.End, d.EndedAt is null && d.Deployment.IsActiveAt(now), d.CreatedBy, d.CreatedAt, d.EndedAt, d.EndedBy, d.EndReason);
}

public sealed record CameraHealthDto(
    string CameraId, string Name, string? Site, string State, string? Deployment, IReadOnlyList<string> Watchlists, int Entries, double FpsIn, double FpsAnalysed,
    long FramesIn, long FramesAnalysed, long FramesDropped, long Reconnects, int? Width, int? Height, long FacesSeen, long AlertsRaised, string? Error)
{
    public static CameraHealthDto From(CameraStatus s) => new(
        s.CameraId, s.Name, s.Site, s.Health.State.ToString().ToLowerInvariant(), s.DeploymentId, s.Watchlists, s.Entries, Math.Round(s.Health.FpsIn, 2),
        Math.Round(s.Health.FpsAnalysed, 2), s.Health.FramesIn, s.Health.FramesAnalysed, s.Health.FramesDropped, s.Health.Reconnects, s.Health.Width, s.Health.Height,
        s.Counters.FacesSeen, s.Counters.AlertsRaised, s.Error)
    {
        Detection = s.Detection,
        SuggestedRegion = s.SuggestedRegion,
    };

    /// <summary>How the camera detects (tile size, regions), as its pipeline runs.</summary>
    public string? Detection { get; init; }

    /// <summary>A region where the camera's tracked faces were seen, for an administrator to store (never applied by itself).</summary>
    public string? SuggestedRegion { get; init; }
}

/// <summary><see cref="Running"/> false with <see cref="Problem"/> when the server runs no cameras (switched off, models missing).</summary>
public sealed record CameraHealthListDto(bool Running, string? Problem, IReadOnlyList<CameraHealthDto> Cameras);

public sealed record FaceQualityDto(int Faces, bool Usable, double? FaceSize, double? EmbeddingNorm, double? Sharpness, string Message);
