using Argus.Application.Alerts;
using Argus.Application.Contracts;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Alerts;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Argus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>
/// Stored alerts and their review through the process's <see cref="AlertDesk"/>: list and show within the user's sites
/// and watchlists, the camera snapshot and the enrolled photo as PNG, confirm and dismiss with a reason (the
/// two-person rule's refusals answer 409 with their code), and the templates flagged because their alerts keep being
/// dismissed (approvers). The desk audits every call, refusals included.
/// </summary>
internal static class AlertReviewApi
{
    /// <summary>Refusals of the two-person rule and of concurrent decisions: the alert's state forbids the request.</summary>
    private static readonly HashSet<string> ConflictCodes = new(StringComparer.Ordinal)
    {
        "alert.second_confirmation_required", "alert.already_decided", "alert.conflict",
    };

    public static void MapAlertReviewApi(this IEndpointRouteBuilder routes)
    {
        var alerts = routes.ApiGroup("/api/v1/alerts", "Alerts");
        alerts.MapGet("/", ListAsync).RequireCapability(Capability.ReviewAlerts);
        alerts.MapGet("/{id:long}", ShowAsync).RequireCapability(Capability.ReviewAlerts);
        alerts.MapGet("/{id:long}/snapshot", SnapshotAsync).RequireCapability(Capability.ReviewAlerts).Produces(StatusCodes.Status200OK, contentType: "image/png");
        alerts.MapGet("/{id:long}/enrolled", EnrolledAsync).RequireCapability(Capability.ReviewAlerts).Produces(StatusCodes.Status200OK, contentType: "image/png");
        alerts.MapPost("/{id:long}/confirm", (long id, ReasonRequest r, HttpContext http, ArgusRuntime rt, CancellationToken ct) => DecideAsync(id, AlertVerdict.Confirm, r, http, rt, ct))
            .RequireCapability(Capability.ReviewAlerts);
        alerts.MapPost("/{id:long}/dismiss", (long id, ReasonRequest r, HttpContext http, ArgusRuntime rt, CancellationToken ct) => DecideAsync(id, AlertVerdict.Dismiss, r, http, rt, ct))
            .RequireCapability(Capability.ReviewAlerts);

        alerts.MapGet("/{id:long}/export", ExportAsync).RequireCapability(Capability.ReviewAlerts)
            .Produces(StatusCodes.Status200OK, contentType: "text/csv").Produces(StatusCodes.Status200OK, contentType: "text/html");

        routes.ApiGroup("/api/v1/templates", "Alerts")
            .MapGet("/flagged", FlaggedAsync).RequireCapability(Capability.ApproveEntry);
    }

    /// <summary>
    /// Newest first. <c>status</c>: open, awaiting_second_confirmation, confirmed or dismissed; <c>camera</c>,
    /// <c>watchlist</c>, <c>deployment</c> exact; <c>from</c>/<c>to</c> (ISO 8601 or YYYY-MM-DD; to exclusive) on the
    /// time raised; <c>limit</c> 1-1000 (100); <c>before</c> pages on: the smallest id of the previous page.
    /// </summary>
    private static async Task<Ok<IReadOnlyList<StoredAlertDto>>> ListAsync(
        string? status, string? deployment, string? camera, string? watchlist, string? from, string? to, long? before, int? limit,
        HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var filter = new AlertFilter
        {
            Status = string.IsNullOrWhiteSpace(status) ? null : ParseStatus(status),
            Deployment = deployment,
            Limit = Math.Clamp(limit ?? 100, 1, 1000),
            Camera = string.IsNullOrWhiteSpace(camera) ? null : camera.Trim(),
            Watchlist = string.IsNullOrWhiteSpace(watchlist) ? null : watchlist.Trim(),
            Since = AuditApi.Time(from, "from"),
            Until = AuditApi.Time(to, "to"),
            BeforeId = before,
        };
        var alerts = await runtime.Desk.ListAsync(http.Actor(), filter, ct);
        return TypedResults.Ok<IReadOnlyList<StoredAlertDto>>([.. alerts.Select(StoredAlertDto.From)]);
    }

    private static async Task<Ok<AlertViewDto>> ShowAsync(long id, HttpContext http, ArgusRuntime runtime, CancellationToken ct) =>
        TypedResults.Ok(AlertViewDto.From(await runtime.Desk.ShowAsync(http.Actor(), id, ct)));

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> SnapshotAsync(long id, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var view = await runtime.Desk.ShowAsync(http.Actor(), id, ct);
        return view.SnapshotPng is { } png ? Png(http, png) : ProblemResponses.Problem("alert.snapshot_not_found", $"Alert {id} has no stored snapshot.");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> EnrolledAsync(long id, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var view = await runtime.Desk.ShowAsync(http.Actor(), id, ct);
        return view.EnrolledPng is { } png
            ? Png(http, png)
            : ProblemResponses.Problem("alert.enrolled_photo_not_found", $"No face crop was kept for the template of alert {id}.");
    }

    /// <summary>
    /// One alert with every decision, for the case file: <c>format=csv</c> (one line per decision, the alert's facts on
    /// each) or <c>format=html</c> (a printable page with the snapshot and the enrolled photo inline; print it to PDF).
    /// Reading it is audited as a view of the alert.
    /// </summary>
    private static async Task<IResult> ExportAsync(long id, string? format, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        if (format is not ("csv" or "html"))
        {
            throw new ArgusException("argument.invalid", "format must be csv or html.");
        }

        var view = await runtime.Desk.ShowAsync(http.Actor(), id, ct);
        http.Response.Headers.CacheControl = "no-store";
        var name = $"argus-alert-{id}.{format}";
        if (format == "csv")
        {
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
            return TypedResults.Text(AlertExport.Csv(view), "text/csv; charset=utf-8");
        }

        return TypedResults.Content(AlertExport.Html(view, runtime.Operations.Now), "text/html; charset=utf-8");
    }

    private static async Task<Results<Ok<AlertDecisionDto>, ProblemHttpResult>> DecideAsync(
        long id, AlertVerdict verdict, ReasonRequest request, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        try
        {
            var outcome = verdict == AlertVerdict.Confirm
                ? await runtime.Desk.ConfirmAsync(http.Actor(), id, request.Reason ?? "", ct)
                : await runtime.Desk.DismissAsync(http.Actor(), id, request.Reason ?? "", ct);
            return TypedResults.Ok(new AlertDecisionDto(StoredAlertDto.From(outcome.Alert), outcome.ActionAllowed, outcome.Flag is not null));
        }
        catch (ArgusException e) when (ConflictCodes.Contains(e.Code))
        {
            // Already audited as refused by the desk; 409 because the alert's state, not the request, is the obstacle.
            return TypedResults.Problem(
                e.Message, statusCode: StatusCodes.Status409Conflict, title: ProblemResponses.TitleFor(409), type: ProblemResponses.TypeFor(409),
                extensions: new Dictionary<string, object?> { ["code"] = e.Code });
        }
    }

    private static async Task<Ok<IReadOnlyList<TemplateFlagDto>>> FlaggedAsync(HttpContext http, ArgusRuntime runtime, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<TemplateFlagDto>>([.. (await runtime.Desk.ListFlaggedTemplatesAsync(http.Actor(), ct)).Select(f => new TemplateFlagDto(f.TemplateId, f.Dismissed, f.Decided, f.FlaggedAt))]);

    /// <summary>Faces are personal data: never cached by the browser or a proxy.</summary>
    private static FileContentHttpResult Png(HttpContext http, byte[] png)
    {
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(png, "image/png");
    }

    private static AlertStatus ParseStatus(string text) =>
        Enum.GetValues<AlertStatus>().FirstOrDefault(s => string.Equals(StoredAlertDto.StatusName(s), text.Trim().Replace('-', '_'), StringComparison.OrdinalIgnoreCase), (AlertStatus)(-1)) is var s
        && Enum.IsDefined(s)
            ? s
            : throw new ArgusException("alert.status_invalid", $"Unknown alert status '{text}': use {string.Join(", ", Enum.GetValues<AlertStatus>().Select(StoredAlertDto.StatusName))}.");
}
